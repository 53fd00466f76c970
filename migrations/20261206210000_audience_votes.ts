import { sql, type Kysely } from 'kysely';

/**
 * The audience vote (大众评审): every vote a phone cast, append-only (a changed vote is a new row;
 * the last row of a voter for a presenter is the one that counts), and the live contest's optional
 * entry code, a setting kept with the watch code, never exported. Frozen once landed.
 *
 * `voter` is the anonymous voter id as exported (a digest of the phone's secret, never the secret);
 * `vote_id` is the phone's id for one vote: a retry of the same id stores nothing new.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audience_votes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('presenter_key', 'text', (c) => c.notNull())
    .addColumn('voter', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('vote_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('audience_votes_vote_id', ['contest_id', 'vote_id'])
    .execute();
  // the last vote of each voter for a presenter, and a contest's votes in order
  await db.schema.createIndex('audience_votes_by_voter').on('audience_votes').columns(['contest_id', 'presenter_key', 'voter', 'id']).execute();
  await db.schema.alterTable('watch_codes').addColumn('entry_code', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('watch_codes').dropColumn('entry_code').execute();
  await db.schema.dropTable('audience_votes').execute();
}
