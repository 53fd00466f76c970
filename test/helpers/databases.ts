import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../server/db/connection.ts';
import type { Database } from '../../server/db/database.ts';
import { migrateToLatest, migrationFileNames, migrationsDir } from '../../server/db/migrator.ts';
import { pgliteSnapshot } from './pglite-template.ts';

/**
 * The one way database tests get a database: a fresh one per describe block, so test files run in
 * parallel without seeing each other's rows.
 *
 * - PGlite: a new in-memory instance, migrated.
 * - Postgres (when TEST_DATABASE_URL is set): `CREATE DATABASE leitai_t_<random> TEMPLATE
 *   leitai_template`, a cheap copy of a database migrated once. The template is rebuilt when the
 *   migrations folder changes (its fingerprint is kept in the template's COMMENT).
 */

export type DatabaseKind = DatabaseHandle['kind'];

export function databaseKinds(): DatabaseKind[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI) {
    throw new Error('CI is set but TEST_DATABASE_URL is not: CI must run the database tests on Postgres too');
  }
  return url ? ['pglite', 'postgres'] : ['pglite'];
}

export async function createTestDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') {
    const snapshot = pgliteSnapshot();
    const handle = await openDatabase({ databaseUrl: null, dataDir: null, ...(snapshot ? { loadDataDir: snapshot } : {}) });
    await migrateToLatest(handle.db);
    return handle;
  }
  return createPostgresDatabase();
}

const TEMPLATE = 'leitai_template';

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

/**
 * A dedicated connection to the test Postgres as its admin (TEST_DATABASE_URL), not yet connected.
 * It has an error listener, like every pg client: a connection that dies while idle would
 * otherwise end the test process with an unhandled 'error' event.
 */
export function adminClient(): pg.Client {
  const client = new pg.Client({ connectionString: adminUrl() });
  client.on('error', () => undefined);
  return client;
}

function urlOf(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Changes whenever a migration file is added, removed, renamed or edited. */
async function migrationsFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await migrationFileNames()) {
    hash.update(name).update('\0').update(await readFile(join(migrationsDir, `${name}.ts`))).update('\0');
  }
  return hash.digest('hex');
}

async function createPostgresDatabase(): Promise<DatabaseHandle> {
  const name = `leitai_t_${randomBytes(6).toString('hex')}`;
  const fingerprint = await migrationsFingerprint();
  const admin = adminClient();
  await admin.connect();
  try {
    // One session-level advisory lock serialises every test file's work on the template: two files
    // must not build it at once, and CREATE DATABASE … TEMPLATE fails while anyone else is
    // connected to the template (which the builder is). The lock dies with the session if we crash.
    await admin.query(`select pg_advisory_lock(hashtext('${TEMPLATE}'))`);
    try {
      const { rows } = await admin.query<{ comment: string | null }>(
        `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
        [TEMPLATE],
      );
      if (rows[0]?.comment !== fingerprint) await buildTemplate(admin, fingerprint);
      await admin.query(`create database ${name} template ${TEMPLATE}`);
    } finally {
      await admin.query(`select pg_advisory_unlock(hashtext('${TEMPLATE}'))`);
    }
  } finally {
    await admin.end();
  }

  // Tests that stop the database on purpose make idle pooled connections fail; that is expected there.
  const handle = await openDatabase({ databaseUrl: urlOf(name), dataDir: null, onPoolError: () => undefined });
  return {
    ...handle,
    async close() {
      await handle.close();
      await dropDatabase(name);
    },
  };
}

async function dropDatabase(name: string): Promise<void> {
  const dropper = adminClient();
  await dropper.connect();
  try {
    // FORCE ends connections a test may have leaked (Postgres 13+).
    await dropper.query(`drop database if exists ${name} with (force)`);
  } finally {
    await dropper.end();
  }
}

/** Called with the advisory lock held. The comment is written last: a half-built template is rebuilt. */
async function buildTemplate(admin: pg.Client, fingerprint: string): Promise<void> {
  await admin.query(`drop database if exists ${TEMPLATE} with (force)`);
  await admin.query(`create database ${TEMPLATE}`);
  const handle = await openDatabase({ databaseUrl: urlOf(TEMPLATE), dataDir: null });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close(); // no connection may stay open on a template
  }
  await admin.query(`comment on database ${TEMPLATE} is '${fingerprint}'`);
}

export interface DatabaseContext {
  readonly kind: DatabaseKind;
  /** the fresh, migrated database of this describe block (available in tests and hooks) */
  readonly handle: DatabaseHandle;
  readonly db: Kysely<Database>;
}

/**
 * `describe(`${title} [pglite]`, …)` and, with TEST_DATABASE_URL, `describe(`${title} [postgres]`, …)`,
 * each with its own fresh database for the whole block. The kind is in the name so CI output
 * shows the Postgres variant ran.
 */
export function describeEachDatabase(title: string, body: (ctx: DatabaseContext) => void): void {
  for (const kind of databaseKinds()) {
    describe(`${title} [${kind}]`, () => {
      let current: DatabaseHandle | undefined;
      const handle = (): DatabaseHandle => {
        if (!current) throw new Error('the test database exists only inside tests and hooks');
        return current;
      };
      beforeAll(async () => {
        current = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await current?.close();
        current = undefined;
      });
      body({
        kind,
        get handle() {
          return handle();
        },
        get db() {
          return handle().db;
        },
      });
    });
  }
}

/**
 * A brand-new, empty Postgres database (not from the template, so whoever uses it migrates it
 * itself): for tests that start the server as a process with DATABASE_URL.
 */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `leitai_t_${randomBytes(6).toString('hex')}`;
  const admin = adminClient();
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return { url: urlOf(name), drop: () => dropDatabase(name) };
}

export interface ServerStorage {
  /** what the server process is started with: DATABASE_URL, or DATA_DIR for the embedded database */
  env: { DATABASE_URL: string } | { DATA_DIR: string };
  remove(): Promise<void>;
}

/**
 * Where a server started as a process (test/helpers/server-process.ts) keeps its data on this kind
 * of database: a brand-new empty Postgres database, or a fresh embedded data folder named `prefix…`.
 */
export async function serverStorage(kind: DatabaseKind, prefix: string): Promise<ServerStorage> {
  if (kind === 'postgres') {
    const database = await createEmptyPostgresDatabase();
    return { env: { DATABASE_URL: database.url }, remove: () => database.drop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  return { env: { DATA_DIR: dataDir }, remove: async () => rmSync(dataDir, { recursive: true, force: true }) };
}
