import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsDir } from '../../server/db/migrator.ts';

/**
 * PGlite's first start on an empty folder runs initdb, which takes 5–10 s here; the suite starts
 * dozens of databases. So a migrated data folder is made once per set of migrations, and every
 * test database starts as a copy of it: on disk for server processes (copyPglitTemplate), or in
 * memory from its snapshot (pgliteSnapshot). Both are exactly what the migrations produce.
 */

function fingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsDir).sort()) hash.update(file).update(readFileSync(join(migrationsDir, file)));
  hash.update(JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version);
  return hash.digest('hex').slice(0, 16);
}

const base = () => join(tmpdir(), `leitai-pglite-template-${fingerprint()}`);

/** Builds the template if this set of migrations has none yet (called once, from the global setup). */
export function buildPgliteTemplate(): void {
  const dir = base();
  if (existsSync(join(dir, 'ready'))) return;
  const work = `${dir}-building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // in a process of its own (PGlite inside vitest's setup process has hung on us)
  execFileSync(process.execPath, ['--import', 'tsx', 'test/helpers/build-pglite-template.ts', work], {
    cwd: new URL('../../', import.meta.url).pathname,
    stdio: 'inherit',
  });
  writeFileSync(join(work, 'ready'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
}

/** Fills an empty (or missing) data folder with the migrated template; leaves a used one alone. */
export function copyPgliteTemplate(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return;
  const template = join(base(), 'data');
  if (!existsSync(template)) return; // no template (e.g. a single file run without the global setup): start empty
  cpSync(template, dataDir, { recursive: true });
}

let snapshot: Blob | null = null;

/** The migrated template as a snapshot for an in-memory PGlite, or null when there is none. */
export function pgliteSnapshot(): Blob | null {
  const file = join(base(), 'snapshot.tar');
  if (!snapshot && existsSync(file)) snapshot = new Blob([readFileSync(file)]);
  return snapshot;
}
