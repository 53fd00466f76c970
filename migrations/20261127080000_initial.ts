import { sql, type Kysely } from 'kysely';

/**
 * The first schema. Frozen: a later change is a new migration, never an edit here, and nothing in
 * this file imports application code (it must keep describing the schema as it was on this day).
 *
 * Decimal values (weights, max, step, totals) are `numeric` and travel as text, never as floats.
 * Score sheets are append-only: a correction is a new row whose supersedes_id points at the row it
 * replaces; the partial unique index lets each (presenter, judge) have one first sheet, and the
 * unique supersedes_id lets each sheet be superseded once, so the effective sheets are a set of
 * chains' heads and cannot be counted twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('server_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('contests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('contest_rules')
    .addColumn('contest_id', 'text', (c) => c.primaryKey().references('contests.id').onDelete('cascade'))
    .addColumn('decimals', 'integer', (c) => c.notNull().check(sql`decimals between 0 and 4`))
    .addColumn('tie_break', 'jsonb', (c) => c.notNull())
    .addColumn('time_limit_seconds', 'integer')
    .addColumn('awards', 'jsonb', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('panels')
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('weight', 'numeric', (c) => c.notNull())
    .addColumn('drop_highest', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('drop_lowest', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('panels_pk', ['contest_id', 'key'])
    .execute();

  await db.schema
    .createTable('criteria')
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('max', 'numeric', (c) => c.notNull())
    .addColumn('step', 'numeric', (c) => c.notNull())
    .addPrimaryKeyConstraint('criteria_pk', ['contest_id', 'key'])
    .execute();

  await db.schema
    .createTable('presenters')
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('running_order', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('presenters_pk', ['contest_id', 'key'])
    .execute();

  await db.schema
    .createTable('judges')
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('panel_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('judges_pk', ['contest_id', 'key'])
    .addForeignKeyConstraint('judges_panel_fk', ['contest_id', 'panel_key'], 'panels', ['contest_id', 'key'])
    .execute();

  await db.schema
    .createTable('recusals')
    .addColumn('contest_id', 'text', (c) => c.notNull())
    .addColumn('presenter_key', 'text', (c) => c.notNull())
    .addColumn('judge_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('recusals_pk', ['contest_id', 'presenter_key', 'judge_key'])
    .addForeignKeyConstraint('recusals_presenter_fk', ['contest_id', 'presenter_key'], 'presenters', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .addForeignKeyConstraint('recusals_judge_fk', ['contest_id', 'judge_key'], 'judges', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .execute();

  // Personal links. Only a hash of each token is kept; revoking sets revoked_at.
  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('contest_id', 'text', (c) => c.notNull().references('contests.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('host', 'display', 'judge')`))
    .addColumn('judge_key', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addForeignKeyConstraint('access_tokens_judge_fk', ['contest_id', 'judge_key'], 'judges', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .addCheckConstraint('access_tokens_judge_key', sql`(role = 'judge') = (judge_key is not null)`)
    .execute();

  await db.schema
    .createTable('score_sheets')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('contest_id', 'text', (c) => c.notNull())
    .addColumn('presenter_key', 'text', (c) => c.notNull())
    .addColumn('judge_key', 'text', (c) => c.notNull())
    .addColumn('submission_id', 'text', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addColumn('total', 'numeric', (c) => c.notNull())
    .addColumn('supersedes_id', 'bigint', (c) => c.unique().references('score_sheets.id'))
    .addColumn('entered_by', 'text', (c) => c.notNull().check(sql`entered_by in ('judge', 'host', 'import')`))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('score_sheets_submission_unique', ['contest_id', 'submission_id'])
    .addForeignKeyConstraint('score_sheets_presenter_fk', ['contest_id', 'presenter_key'], 'presenters', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .addForeignKeyConstraint('score_sheets_judge_fk', ['contest_id', 'judge_key'], 'judges', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .execute();
  await sql`create unique index score_sheets_first_unique on score_sheets (contest_id, presenter_key, judge_key) where supersedes_id is null`.execute(db);

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('contest_id', 'text', (c) => c.references('contests.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('actor_key', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('presenter_key', 'text')
    .addColumn('judge_key', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_log_contest_idx').on('audit_log').columns(['contest_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'score_sheets', 'access_tokens', 'recusals', 'judges', 'presenters', 'criteria', 'panels', 'contest_rules', 'contests', 'server_settings']) {
    await db.schema.dropTable(table).execute();
  }
}
