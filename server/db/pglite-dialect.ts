import type { PGlite, Results } from '@electric-sql/pglite';
import {
  AbortedTransactionError,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * A Kysely dialect for an `@electric-sql/pglite` 0.5 instance (Kysely has none built in, and the
 * npm kysely-pglite-dialect stops at PGlite 0.4). PGlite speaks Postgres SQL, so the adapter,
 * introspector and compiler are Kysely's Postgres ones; only the driver is new.
 *
 * PGlite is ONE session. Kysely runs a transaction by acquiring a connection, sending BEGIN and
 * keeping the connection until COMMIT/ROLLBACK, so if two callers shared the session, queries of
 * one would land inside the other's transaction. The driver therefore hands out its single
 * connection to one caller at a time (FIFO): a transaction is exclusive and every other query,
 * inside or outside Kysely, waits for it to end.
 *
 * Consequence: inside `db.transaction().execute(trx => …)`, always use `trx`. A query on `db`
 * there waits for the transaction that is waiting for it: a deadlock (on Postgres it would merely
 * run outside the transaction, which is a bug there too).
 *
 * Result values are whatever the PGlite instance's parsers make them; see connection.ts, which
 * configures them to match pg.
 */
export interface PGliteDialectConfig {
  pglite: PGlite;
  /**
   * Close the PGlite instance when Kysely's `db.destroy()` is called. Default false: whoever
   * created the instance owns it and closes it.
   */
  closeOnDestroy?: boolean;
  /**
   * Called after every commit (and every write outside a transaction); the caller's promise
   * resolves only after it (after the promise it returns, if any): connection.ts flushes the data
   * folder to disk here, which is what lets "acknowledged" mean "survives a power cut". When it
   * returns a promise (a flush shared by the commits made while it waits), a transaction, or a
   * statement that committed by itself, hands the connection on before waiting for it, so other
   * writes can commit into the same flush.
   */
  afterCommit?: () => void | Promise<void>;
}

export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** A FIFO lock; unlock hands the lock straight to the next waiter so nobody can cut in. */
class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

class PGliteDriver implements Driver {
  readonly #config: PGliteDialectConfig;
  readonly #mutex = new Mutex();
  #destroyed = false;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    await this.#config.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    if (this.#destroyed) {
      // Pass the lock on so every caller queued behind us fails too instead of hanging.
      this.#mutex.unlock();
      throw new Error('PGlite driver has been destroyed');
    }
    // one object per holder: a holder that handed the lock on early (after a commit, before its flush) is told apart
    return new PGliteConnection(this.#config.pglite, this.#config.afterCommit ?? (() => undefined), this.#mutex);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (!(connection as PGliteConnection).handedOn) this.#mutex.unlock();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      text = ['start transaction', settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode]
        .filter(Boolean)
        .join(' ');
    }
    await (connection as PGliteConnection).raw(text);
    (connection as PGliteConnection).inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // Postgres answers COMMIT with a ROLLBACK tag when an earlier error (that the caller caught)
    // aborted the transaction; reporting success then would claim writes that never happened.
    const c = connection as PGliteConnection;
    c.inTransaction = false;
    const result = await c.raw('commit');
    if (result.command === 'ROLLBACK') throw new AbortedTransactionError();
    await c.flushHandingOn();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as PGliteConnection).inTransaction = false;
    await (connection as PGliteConnection).raw('rollback');
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PGliteConnection).raw(`savepoint ${quoteIdent(name)}`);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PGliteConnection).raw(`rollback to savepoint ${quoteIdent(name)}`);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PGliteConnection).raw(`release savepoint ${quoteIdent(name)}`);
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    // Wait for the current holder (e.g. a transaction) to finish, so closing never cuts a
    // transaction in half; later acquirers then fail.
    await this.#mutex.lock();
    this.#destroyed = true;
    try {
      if (this.#config.closeOnDestroy && !this.#config.pglite.closed) await this.#config.pglite.close();
    } finally {
      this.#mutex.unlock();
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  readonly #afterCommit: () => void | Promise<void>;
  readonly #mutex: Mutex;
  inTransaction = false;
  /** the lock was handed on after a commit, before the flush: releasing this connection releases nothing */
  handedOn = false;

  constructor(pglite: PGlite, afterCommit: () => void | Promise<void>, mutex: Mutex) {
    this.#pglite = pglite;
    this.#afterCommit = afterCommit;
    this.#mutex = mutex;
  }

  /**
   * After a commit: waits for the flush (afterCommit). When that is a promise (a flush shared by
   * the commits made while it waits), the lock is handed on first, so that other writes can commit
   * into the same flush: a transaction's COMMIT and an autocommitted write alike.
   */
  async flushHandingOn(): Promise<void> {
    const flushed = this.#afterCommit();
    if (!flushed) return;
    this.handedOn = true;
    this.#mutex.unlock();
    await flushed;
  }

  /** a holder that handed the lock on and runs another statement (Kysely's db.connection()) takes it again first */
  async #own(): Promise<void> {
    if (!this.handedOn) return;
    await this.#mutex.lock();
    this.handedOn = false;
  }

  async raw(text: string): Promise<Results> {
    await this.#own();
    return this.#pglite.query(text);
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    await this.#own();
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    // Same rule as Kysely's PostgresDriver: an affected-row count only for data-changing commands
    // (PGlite reports affectedRows 0 for SELECT and DDL, where Kysely expects undefined).
    const changes = result.command === 'INSERT' || result.command === 'UPDATE' || result.command === 'DELETE' || result.command === 'MERGE';
    // a statement outside a transaction commits by itself; anything but a read may have written
    // (and a SELECT may write in its WITH: `with x as (update …) select …`)
    if (!this.inTransaction && (result.command !== 'SELECT' || /^\s*with\b/i.test(compiledQuery.sql))) await this.flushHandingOn();
    return {
      rows: result.rows,
      numAffectedRows: changes ? BigInt(result.affectedRows ?? result.rowCount ?? 0) : undefined,
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the PGlite dialect');
  }
}
