import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { PGliteDialect } from '../../server/db/pglite-dialect.ts';

/**
 * The embedded database's flush after a commit (connection.ts: DataDirSync.flushSoon) is shared
 * by the transactions that commit while it waits: each hands the connection on once committed,
 * and resolves only after a flush that began after its commit. Here the flush only records when
 * it ran; test/faults/embedded-database.test.ts watches the real fsync before an ack.
 */

const events: string[] = [];
let flushes = 0;
let soon: Promise<void> | null = null;
const afterCommit = () =>
  (soon ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      soon = null;
      events.push(`flush ${++flushes}`);
      resolve();
    }),
  ));

const db = new Kysely<{ t: { n: number } }>({ dialect: new PGliteDialect({ pglite: new PGlite(), closeOnDestroy: true, afterCommit }) });
afterAll(() => db.destroy());

it('ten transactions sent at once share fewer flushes than commits, and each resolves only after a flush that began after its COMMIT', async () => {
  await sql`create table t (n int)`.execute(db);
  events.length = 0;
  flushes = 0;
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      db
        .transaction()
        .execute(async (trx) => {
          await sql`insert into t values (${i})`.execute(trx);
          // the COMMIT follows this
          events.push(`commit ${i}`);
        })
        .then(() => events.push(`resolved ${i}`)),
    ),
  );
  for (let i = 0; i < 10; i++) {
    const committed = events.indexOf(`commit ${i}`);
    const resolved = events.indexOf(`resolved ${i}`);
    const flushBetween = events.slice(committed, resolved).some((e) => e.startsWith('flush'));
    expect(flushBetween, events.join(', ')).toBe(true);
  }
  expect(flushes).toBeGreaterThanOrEqual(1);
  expect(flushes).toBeLessThan(10);
  // the lock was handed on exactly once per transaction: the database still takes one at a time
  await db.transaction().execute(async (trx) => sql`insert into t values (10)`.execute(trx));
  const { rows } = await sql<{ count: number }>`select count(*)::int as count from t`.execute(db);
  expect(rows[0]!.count).toBe(11);
});
