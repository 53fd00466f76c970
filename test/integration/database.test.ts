import { AbortedTransactionError, sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { pendingMigrations } from '../../server/db/migrator.ts';
import * as absentJudges from '../../migrations/20261205090000_absent_judges.ts';
import * as liveVersionColumn from '../../migrations/20261207120000_live_version_column.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

// Every table of the Database interface; the type below fails to compile if one is missing here.
const TABLES = [
  'server_settings',
  'contests',
  'contest_rules',
  'panels',
  'criteria',
  'presenters',
  'judges',
  'recusals',
  'absences',
  'access_tokens',
  'score_sheets',
  'audit_log',
  'contest_live',
  'watch_codes',
  'socket_io_attachments',
  'audience_votes',
] as const satisfies ReadonlyArray<keyof Database>;
const allTablesListed: Exclude<keyof Database, (typeof TABLES)[number]> extends never ? true : never = true;
void allTablesListed;

/** A contest with one panel (weight 0.7), one criterion, presenters p1, p2 and judges j1, j2. */
async function seedContest(db: Kysely<Database>, id: string): Promise<void> {
  await db.insertInto('contests').values({ id, title: `Contest ${id}` }).execute();
  await db.insertInto('contest_rules').values({ contest_id: id, decimals: 3, tie_break: JSON.stringify(['panel:a']), time_limit_seconds: null, awards: JSON.stringify([{ name: 'Gold', count: 1 }]) }).execute();
  await db.insertInto('panels').values({ contest_id: id, key: 'a', position: 0, name: 'Experts', weight: '0.7', drop_highest: 0, drop_lowest: 0 }).execute();
  await db.insertInto('criteria').values({ contest_id: id, key: 'content', position: 0, name: 'Content', max: '100', step: '0.005' }).execute();
  await db.insertInto('presenters').values([
    { contest_id: id, key: 'p1', position: 0, running_order: 1, name: 'Li Lei', unit: 'Class 1', topic: 'Rivers' },
    { contest_id: id, key: 'p2', position: 1, running_order: 2, name: 'Han Meimei', unit: 'Class 2', topic: 'Bridges' },
  ]).execute();
  await db.insertInto('judges').values([
    { contest_id: id, key: 'j1', position: 0, name: 'Judge One', panel_key: 'a' },
    { contest_id: id, key: 'j2', position: 1, name: 'Judge Two', panel_key: 'a' },
  ]).execute();
}

interface SheetInput {
  presenter: string;
  judge: string;
  submission: string;
  total: string;
  supersedes?: string;
}

async function insertSheet(db: Kysely<Database>, contestId: string, s: SheetInput) {
  return db
    .insertInto('score_sheets')
    .values({
      contest_id: contestId,
      presenter_key: s.presenter,
      judge_key: s.judge,
      submission_id: s.submission,
      items: JSON.stringify({ content: s.total }),
      total: s.total,
      supersedes_id: s.supersedes ?? null,
      entered_by: s.supersedes ? 'host' : 'judge',
      reason: s.supersedes ? 'typo' : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The name of the unique constraint (or index) that refused the write, as pg and PGlite report it. */
async function refusedBy(write: Promise<unknown>): Promise<string> {
  const error = (await write.then(
    () => expect.fail('the write was accepted'),
    (e: unknown) => e,
  )) as { code?: string; constraint?: string };
  expect(error.code).toBe('23505'); // unique_violation
  return error.constraint ?? '';
}

describeEachDatabase('database', (ctx) => {
  it('after migrating, every table of the Database interface exists and nothing is pending', async () => {
    const tables = (await ctx.db.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual(expect.arrayContaining([...TABLES]));
    expect(await pendingMigrations(ctx.db)).toEqual([]);
  });

  it('reads numeric as exact decimal text, bigint ids and counts as text, jsonb as values, timestamptz as Date', async () => {
    await seedContest(ctx.db, 'types');
    const sheet = await insertSheet(ctx.db, 'types', { presenter: 'p1', judge: 'j1', submission: 's1', total: '90.005' });

    expect(sheet.total).toBe('90.005');
    expect(sheet.id).toMatch(/^[1-9]\d*$/);
    expect(sheet.items).toEqual({ content: '90.005' });
    expect(sheet.created_at).toBeInstanceOf(Date);

    const panel = await ctx.db.selectFrom('panels').selectAll().where('contest_id', '=', 'types').executeTakeFirstOrThrow();
    expect(panel.weight).toBe('0.7');
    expect(panel.position).toBe(0);

    const rules = await ctx.db.selectFrom('contest_rules').selectAll().where('contest_id', '=', 'types').executeTakeFirstOrThrow();
    expect(rules.decimals).toBe(3);
    expect(rules.tie_break).toEqual(['panel:a']);
    expect(rules.awards).toEqual([{ name: 'Gold', count: 1 }]);

    // Aggregates: sum(numeric) is numeric, count(*) is bigint — and past 2^53 a bigint stays exact.
    const { rows } = await sql<{ sum: string; n: string; big: string; ids: string[]; decimals: string[] }>`
      select sum(total) as sum, count(*) as n, 9007199254740993::bigint as big,
             array[${sheet.id}::bigint] as ids, array[0.1, 90.005]::numeric[] as decimals
      from score_sheets where contest_id = 'types'`.execute(ctx.db);
    expect(rows[0]).toEqual({ sum: '90.005', n: '1', big: '9007199254740993', ids: [sheet.id], decimals: ['0.1', '90.005'] });
  });

  it('keeps one first sheet per (presenter, judge), one row per submission id, and lets each sheet be superseded once', async () => {
    await seedContest(ctx.db, 'sheets');
    const first = await insertSheet(ctx.db, 'sheets', { presenter: 'p1', judge: 'j1', submission: 'sub-1', total: '88' });

    // The same judge scoring the same presenter again, as a new first sheet: refused.
    expect(await refusedBy(insertSheet(ctx.db, 'sheets', { presenter: 'p1', judge: 'j1', submission: 'sub-2', total: '89' }))).toBe('score_sheets_first_unique');

    // A retried submission id (even for another presenter): refused.
    expect(await refusedBy(insertSheet(ctx.db, 'sheets', { presenter: 'p2', judge: 'j1', submission: 'sub-1', total: '70' }))).toBe('score_sheets_submission_unique');

    // The host corrects the first sheet: a new row superseding it.
    const correction = await insertSheet(ctx.db, 'sheets', { presenter: 'p1', judge: 'j1', submission: 'fix-1', total: '87.5', supersedes: first.id });
    expect(correction.supersedes_id).toBe(first.id);
    expect(correction.total).toBe('87.5');

    // A second correction of the same original row: refused (it must supersede the correction).
    expect(await refusedBy(insertSheet(ctx.db, 'sheets', { presenter: 'p1', judge: 'j1', submission: 'fix-2', total: '86', supersedes: first.id }))).toMatch(/supersedes_id/);
    await insertSheet(ctx.db, 'sheets', { presenter: 'p1', judge: 'j1', submission: 'fix-2', total: '86', supersedes: correction.id });

    const rows = await ctx.db.selectFrom('score_sheets').select(['submission_id', 'total']).where('contest_id', '=', 'sheets').orderBy('id').execute();
    expect(rows).toEqual([
      { submission_id: 'sub-1', total: '88' },
      { submission_id: 'fix-1', total: '87.5' },
      { submission_id: 'fix-2', total: '86' },
    ]);
  });

  it('moves judges the host excused (stored as recusals until then) to absences, and back on the way down', async () => {
    await seedContest(ctx.db, 'excused');
    const pairs = async (table: 'recusals' | 'absences') =>
      (await ctx.db.selectFrom(table).select(['presenter_key', 'judge_key']).where('contest_id', '=', 'excused').orderBy('presenter_key').execute()).map((r) => `${r.presenter_key}/${r.judge_key}`);
    await absentJudges.down(ctx.db);
    // as the old server stored them: p1/j2 recused by the organisers, p2/j1 excused by the host
    await ctx.db.insertInto('recusals').values([
      { contest_id: 'excused', presenter_key: 'p1', judge_key: 'j2' },
      { contest_id: 'excused', presenter_key: 'p2', judge_key: 'j1' },
    ]).execute();
    await ctx.db.insertInto('audit_log').values({ contest_id: 'excused', actor_role: 'host', action: 'judge:excuse', presenter_key: 'p2', judge_key: 'j1', detail: '{}' }).execute();
    await absentJudges.up(ctx.db);
    expect([await pairs('recusals'), await pairs('absences')]).toEqual([['p1/j2'], ['p2/j1']]);
    await absentJudges.down(ctx.db);
    expect(await pairs('recusals')).toEqual(['p1/j2', 'p2/j1']);
    await absentJudges.up(ctx.db);
    expect(await pendingMigrations(ctx.db)).toEqual([]);
  });

  it('gives every live state document the version in its column on the way down past the version column, for a server that reads it from the document', async () => {
    await seedContest(ctx.db, 'versions');
    // as this version stores it after sheets that moved the version alone: the document says 3, the column 7
    await ctx.db.insertInto('contest_live').values({ contest_id: 'versions', version: 7, state: JSON.stringify({ version: 3, turnsVersion: 2, screen: 'turn', current: 'p1', turns: {}, awardsShown: 0 }) }).execute();
    const stored = async () => (await sql<{ version: number; document: number }>`select version, (state ->> 'version')::int as document from contest_live where contest_id = 'versions'`.execute(ctx.db)).rows[0];
    expect(await stored()).toEqual({ version: 7, document: 3 });
    await liveVersionColumn.down(ctx.db);
    expect(await stored()).toEqual({ version: 7, document: 7 });
    await liveVersionColumn.up(ctx.db);
    expect(await pendingMigrations(ctx.db)).toEqual([]);
  });

  it('a transaction that throws leaves nothing behind', async () => {
    const failure = new Error('the domain refused the command');
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('contests').values({ id: 'rolled-back', title: 'Never' }).execute();
        await trx.insertInto('server_settings').values({ key: 'rolled-back', value: 'x' }).execute();
        throw failure;
      }),
    ).rejects.toBe(failure);

    expect(await ctx.db.selectFrom('contests').select('id').where('id', '=', 'rolled-back').execute()).toEqual([]);
    expect(await ctx.db.selectFrom('server_settings').select('key').where('key', '=', 'rolled-back').execute()).toEqual([]);
  });

  it('a transaction that swallows a failed statement does not commit', async () => {
    await seedContest(ctx.db, 'aborted');
    await insertSheet(ctx.db, 'aborted', { presenter: 'p1', judge: 'j1', submission: 'dup', total: '50' });
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('server_settings').values({ key: 'aborted', value: 'x' }).execute();
        await insertSheet(trx, 'aborted', { presenter: 'p2', judge: 'j1', submission: 'dup', total: '60' }).catch(() => undefined);
      }),
    ).rejects.toBeInstanceOf(AbortedTransactionError);
    expect(await ctx.db.selectFrom('server_settings').select('key').where('key', '=', 'aborted').execute()).toEqual([]);
  });

  if (ctx.kind === 'pglite') {
    it('concurrent transactions on the single PGlite session do not interleave', async () => {
      await ctx.db.insertInto('server_settings').values({ key: 'counter', value: '0' }).execute();

      // 50 read-modify-write transactions at once, each yielding between its read and its write;
      // interleaved, they would lose updates (or run inside each other's BEGIN).
      await Promise.all(
        Array.from({ length: 50 }, () =>
          ctx.db.transaction().execute(async (trx) => {
            const { value } = await trx.selectFrom('server_settings').select('value').where('key', '=', 'counter').executeTakeFirstOrThrow();
            await new Promise((resolve) => setTimeout(resolve, 1));
            await trx.updateTable('server_settings').set({ value: String(Number(value) + 1) }).where('key', '=', 'counter').execute();
          }),
        ),
      );

      const { value } = await ctx.db.selectFrom('server_settings').select('value').where('key', '=', 'counter').executeTakeFirstOrThrow();
      expect(value).toBe('50');
    });
  }

  it('answers a ping', async () => {
    expect(await ctx.handle.ping()).toBe(true);
  });
});
