import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.ts';

/**
 * Runs the migrations in migrations/ (one `<timestamp>_<name>.ts` file per change, applied in
 * name order). Located from this file, not process.cwd(), so the CLI, the server and the tests
 * find the same folder wherever they are started.
 */
export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** The migration files' names without extension, in the order they apply. */
export async function migrationFileNames(): Promise<string[]> {
  const files = await readdir(migrationsDir);
  return files
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/**
 * Imports every migration file (tsx and vitest both import .ts). Unlike Kysely's
 * FileMigrationProvider, a file without an `up` export is an error rather than silently skipped.
 */
const provider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    for (const name of await migrationFileNames()) {
      const module = (await import(pathToFileURL(join(migrationsDir, `${name}.ts`)).href)) as Partial<Migration>;
      if (typeof module.up !== 'function') throw new Error(`migration ${name} does not export an up() function`);
      migrations[name] = { up: module.up, ...(module.down ? { down: module.down } : {}) };
    }
    return migrations;
  },
};

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider });
}

/**
 * Applies every pending migration, each in its own transaction (Postgres DDL is transactional), and
 * returns the names applied. Throws an Error naming the migration that failed; it and the ones
 * after it are not applied.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `migration ${failed.migrationName} failed: ${reason}` : `migrations failed: ${reason}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Names of migrations not yet applied to this database, in the order they would apply. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrations = await migrator(db).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
