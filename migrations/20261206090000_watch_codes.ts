import { randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * The audience page of each contest (/watch/<code>): a short public code, and whether the
 * projector shows its QR. A setting of the live contest, not one of its rules: it is not in the
 * contest file and never freezes. The code is random, not derived from the link secret, so
 * reissuing it or reading it says nothing about any judge's or the host's link. Frozen once
 * landed; never imports application code (the alphabet below is a copy, on purpose).
 *
 * Existing contests get a code here.
 */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const code = () => Array.from({ length: 7 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('watch_codes')
    .addColumn('contest_id', 'text', (c) => c.primaryKey().references('contests.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('show_qr', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  const contests = await db.selectFrom('contests').select('id').execute();
  const used = new Set<string>();
  for (const { id } of contests) {
    let next = code();
    while (used.has(next)) next = code();
    used.add(next);
    await db.insertInto('watch_codes').values({ contest_id: id, code: next }).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('watch_codes').execute();
}
