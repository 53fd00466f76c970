import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_DATABASE_POOL_SIZE, DEFAULT_DATABASE_TIMEOUT_MS } from '../config.ts';
import type { Database } from './database.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { DataDirSync } from './data-dir-sync.ts';
import { PGliteDialect } from './pglite-dialect.ts';

/**
 * Opens the one database: Postgres through a pg Pool when a URL is given, otherwise embedded
 * PGlite (in memory when dataDir is null, for tests; else on disk).
 *
 * Values read back must be the same on both backends, or code tested on PGlite breaks on Postgres.
 * What the two return by default (measured with pg 8.23 / PGlite 0.5.16):
 *
 *   type               pg default            PGlite default        we use
 *   numeric            '90.005' (text)       '90.005' (text)       text: exact decimals, never floats
 *   int8 / bigint      '12' (text)           12 (number!)          text: ids and count(*) are int8, and
 *                                                                  a JS number silently rounds > 2^53
 *   int4, int2         number                number                number
 *   float8             number                number                number (unused by the schema)
 *   jsonb, json        parsed value          parsed value          parsed value
 *   timestamptz        Date                  Date                  Date
 *   int8[]             ['1','2']             [1, 2]                text[]  (PGlite's array parsers use the
 *   numeric[]          [1.5] (floats!)       ['1.5']               text[]   element parser, so fixing int8 fixes it)
 *
 * `date` and `timestamp without time zone` are read in the process's local time zone by pg; the
 * schema avoids them — keep it that way. Errors: both throw an error carrying the SQLSTATE in
 * `.code` (e.g. '23505') and the constraint name in `.constraint`.
 *
 * Writes: pass jsonb as JSON text (the Database interface says so). pg would serialise a JS array
 * as a Postgres array literal, PGlite by the parameter's type, so objects/arrays would differ.
 */

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** true when `select 1` answers within a couple of seconds; never throws (for /healthz) */
  ping(): Promise<boolean>;
  /** closes the pool or the PGlite instance; waits for a running PGlite transaction to finish */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | null;
  dataDir: string | null;
  /**
   * errors of pooled Postgres connections, idle or in use by a transaction (Postgres restarted, a
   * backend was terminated, the network cut the connection); default: one line on stderr. The
   * query that was running fails with the same error, so nothing is lost by only reporting here.
   */
  onPoolError?: (error: Error) => void;
  /** Postgres only: the statement, connection and idle-transaction time-outs (see timeouts below); default 5 s */
  timeoutMs?: number;
  /** Postgres only: the most connections this process opens for its queries (DATABASE_POOL_SIZE); default 10 */
  poolSize?: number;
  /**
   * Embedded only: flush the data folder to disk after every commit (default true). Off only for
   * the benchmark's baseline; PGlite itself never fsyncs.
   */
  durable?: boolean;
  /**
   * Embedded only: start from this snapshot of a data folder (a tar from PGlite's dumpDataDir)
   * instead of an empty one. The tests start each in-memory database from a migrated snapshot.
   */
  loadDataDir?: Blob;
}

/**
 * A Postgres that stops answering (a frozen server, a network partition) must cost a command
 * seconds, not the TCP time-out of ~15 minutes; `timeoutMs` is DATABASE_TIMEOUT_MS.
 * - connectionTimeoutMillis: connecting, or waiting for a free pooled connection.
 * - statement_timeout: Postgres cancels a statement running (or waiting for a lock) longer, and
 *   the connection stays usable.
 * - query_timeout: we stop waiting for an answer that does not come because nothing reaches us
 *   (Postgres's own cancel would have answered by then); that connection is then thrown away.
 * - idle_in_transaction_session_timeout: Postgres ends a session whose client went silent in the
 *   middle of a transaction, so the contest's row lock it holds does not block the next command.
 * No TCP keepalive: an idle pooled connection is closed after 10 s anyway (pg's idleTimeoutMillis),
 * a busy one is bounded by query_timeout, and Node can set only the first probe's delay.
 * The service adds a deadline on each whole command (server/services/live-contests.service.ts).
 */
function postgresTimeouts(timeoutMs: number): pg.PoolConfig {
  return {
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    idle_in_transaction_session_timeout: 2 * timeoutMs,
  };
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const PG_INT8_ARRAY = 1016;
const PG_NUMERIC_ARRAY = 1231;
const PG_TEXT_ARRAY = 1009;

const asText = (value: string): string => value;

/**
 * Per-pool pg type parsers (not the process-global pg.types, so nothing else can change them
 * under us): int8 and numeric, and arrays of them, stay text; everything else is pg's default.
 * (The cast: pg-types types the oid as its enum of scalar builtins, which has no array oids.)
 */
const pgDefaultParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown;
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === PG_INT8 || oid === PG_NUMERIC) return asText;
    if (oid === PG_INT8_ARRAY || oid === PG_NUMERIC_ARRAY) return pgDefaultParser(PG_TEXT_ARRAY, format);
    return pgDefaultParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** PGlite parsers: int8 as text like pg (numeric is text already; pinned so it stays so). */
const pgliteParsers = {
  [pgliteTypes.INT8]: asText,
  [pgliteTypes.NUMERIC]: asText,
};

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl !== null) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS;
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE, types: pgTypes, ...postgresTimeouts(timeoutMs) });
    // A pg client emits 'error' when its connection dies, whether it sits idle in the pool or is
    // checked out (Kysely holds one for a whole transaction); an 'error' nobody listens to crashes
    // the process. So every client gets a listener the moment the pool makes it. The pool's own
    // 'error' event repeats an idle client's error, already reported by that listener.
    const report = options.onPoolError ?? ((error: Error) => console.error(`postgres connection error: ${error.message}`));
    pool.on('connect', (client) => client.on('error', report));
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', ping: () => ping(db), close: () => db.destroy() };
  }

  // PGlite takes no time-outs: it runs inside this process, one statement at a time, each run to
  // its end in WebAssembly on this thread. There is no network to freeze and no other session to
  // hold a lock, and nothing could interrupt a statement anyway. What bounds a command is the size
  // of its statements (a few indexed rows of one contest) and the flush after the commit; the
  // service's deadline on a whole command (live-contests.service.ts) still applies between them.
  let dataDir: string | undefined;
  let unlock = () => {};
  if (options.dataDir !== null) {
    dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = new PGlite({ dataDir, parsers: pgliteParsers, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
    await pglite.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  let afterCommit: (() => Promise<void>) | undefined;
  if (dataDir !== undefined && options.durable !== false) {
    const sync = new DataDirSync(dataDir);
    // from here on a flush fsyncs the files PGlite wrote; this first one walks the folder for what came before
    sync.followWrites(pglite.Module);
    sync.flush();
    afterCommit = () => sync.flushSoon();
  }
  // The handle owns this instance, so db.destroy() (and close()) closes it.
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite, closeOnDestroy: true, afterCommit }) });
  return {
    db,
    kind: 'pglite',
    ping: () => ping(db),
    close: async () => {
      await db.destroy();
      unlock();
    },
  };
}

/**
 * A ping queues like any query: on PGlite behind a running transaction, on Postgres behind a full
 * pool. Either way an answer later than this counts as down.
 */
const PING_TIMEOUT_MS = 2_000;

async function ping(db: Kysely<Database>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), PING_TIMEOUT_MS);
    timer.unref();
  });
  const answer = sql<{ one: number }>`select 1 as one`
    .execute(db)
    .then((result) => result.rows[0]?.one === 1)
    .catch(() => false);
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
