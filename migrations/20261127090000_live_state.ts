import { sql, type Kysely } from 'kysely';

/**
 * The live state of each contest (turn phases, clocks, what has been revealed, the screen), one
 * JSON document per contest with a version. Frozen once landed; never imports application code.
 * Written in the same transaction as the sheet or audit row that changed it, so after a crash the
 * state and the sheets agree.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contest_live')
    .addColumn('contest_id', 'text', (c) => c.primaryKey().references('contests.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contest_live').execute();
}
