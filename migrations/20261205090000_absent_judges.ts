import { sql, type Kysely } from 'kysely';

/**
 * Judges the host marked absent (缺席) for a presenter, apart from the recusals (回避) they were
 * stored with until now: absent and recused count alike (neither is expected to score), but they
 * are different facts and every page names them differently. Frozen once landed; never imports
 * application code.
 *
 * Existing marks are moved over: a recusal row that the audit log shows came from the host's
 * `judge:excuse` is an absence.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('absences')
    .addColumn('contest_id', 'text', (c) => c.notNull())
    .addColumn('presenter_key', 'text', (c) => c.notNull())
    .addColumn('judge_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('absences_pk', ['contest_id', 'presenter_key', 'judge_key'])
    .addForeignKeyConstraint('absences_presenter_fk', ['contest_id', 'presenter_key'], 'presenters', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .addForeignKeyConstraint('absences_judge_fk', ['contest_id', 'judge_key'], 'judges', ['contest_id', 'key'], (c) => c.onDelete('cascade'))
    .execute();

  await sql`
    insert into absences (contest_id, presenter_key, judge_key)
    select r.contest_id, r.presenter_key, r.judge_key from recusals r
    where exists (
      select 1 from audit_log a
      where a.action = 'judge:excuse' and a.contest_id = r.contest_id and a.presenter_key = r.presenter_key and a.judge_key = r.judge_key
    )`.execute(db);
  await sql`
    delete from recusals r
    using absences a
    where a.contest_id = r.contest_id and a.presenter_key = r.presenter_key and a.judge_key = r.judge_key`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`insert into recusals (contest_id, presenter_key, judge_key) select contest_id, presenter_key, judge_key from absences on conflict do nothing`.execute(db);
  await db.schema.dropTable('absences').execute();
}
