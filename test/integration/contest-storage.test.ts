import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readContestFile, toContestFile } from '../../server/contest-file/contest-file.ts';
import { findContest, listContests } from '../../server/db/contests.repository.ts';
import { findSheetsInForce, insertSheet, findSheetBySubmission } from '../../server/db/score-sheets.repository.ts';
import { Exact } from '../../server/domain/exact.ts';
import { computeResults } from '../../server/domain/scoring.ts';
import { createContest } from '../../server/services/contests.service.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

const scored = readContestFile(readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8'));

describeEachDatabase('a contest stored in the database', (ctx) => {
  let id = '';

  it('comes back exactly as the file described it, sheets included', async () => {
    id = await createContest(ctx.db, 'secret', scored, 'admin');
    expect(await listContests(ctx.db)).toEqual([expect.objectContaining({ id, title: scored.definition.title })]);
    const definition = await findContest(ctx.db, id);
    expect(definition).toEqual(scored.definition);
    const sheets = await findSheetsInForce(ctx.db, id);
    expect(toContestFile(definition!, sheets)).toEqual(toContestFile(scored.definition, scored.sheets));
  });

  it('keeps an audience panel (大众评审) with its exact scale and trim share', async () => {
    const panels = [
      { ...scored.definition.rules.panels[0]!, weight: Exact.parse('0.65') },
      scored.definition.rules.panels[1]!,
      { kind: 'audience' as const, key: 'public', name: '大众评审', weight: Exact.parse('0.05'), scale: { min: Exact.parse('0.5'), max: Exact.parse('5'), step: Exact.parse('0.5') }, trimPercent: 12 },
    ];
    const definition = { ...scored.definition, rules: { ...scored.definition.rules, panels, tieBreak: ['public'] } };
    const audienceId = await createContest(ctx.db, 'secret', { definition, sheets: [], votes: [] }, 'admin');
    expect(await findContest(ctx.db, audienceId)).toEqual(definition);
  });

  it('counts a correction instead of the sheet it supersedes, and keeps both rows', async () => {
    const original = (await ctx.db.selectFrom('score_sheets').selectAll().where('contest_id', '=', id).where('presenter_key', '=', 'p01').where('judge_key', '=', 'm6').executeTakeFirstOrThrow());
    const before = computeResults(scored.definition, await findSheetsInForce(ctx.db, id)).find((r) => r.presenter === 'p01')!;
    // m6 gave 84, the main panel's highest; corrected to 80 it becomes a kept score
    const items = { topic: Exact.parse('15'), measures: Exact.parse('24'), results: Exact.parse('25'), delivery: Exact.parse('16') };
    await ctx.db.transaction().execute((trx) =>
      insertSheet(trx, id, 'fix-1', { presenter: 'p01', judge: 'm6', items, enteredBy: 'host', supersedesId: original.id, reason: '评委笔误' }),
    );
    const sheets = await findSheetsInForce(ctx.db, id);
    expect(sheets).toHaveLength(482);
    expect(sheets.find((s) => s.presenter === 'p01' && s.judge === 'm6')!.items.topic!.toString()).toBe('15');
    const after = computeResults(scored.definition, sheets).find((r) => r.presenter === 'p01')!;
    expect(after.panels[0]!.rounded).not.toBe(before.panels[0]!.rounded);
    expect(await ctx.db.selectFrom('score_sheets').select('id').where('contest_id', '=', id).execute()).toHaveLength(483);
    const stored = await findSheetBySubmission(ctx.db, id, 'fix-1');
    expect(stored).toMatchObject({ enteredBy: 'host', reason: '评委笔误', supersedesId: original.id });
    expect(stored!.total.toString()).toBe('80');
  });

  it('wrote who created the contest in the audit log', async () => {
    const entries = await ctx.db.selectFrom('audit_log').selectAll().where('contest_id', '=', id).execute();
    expect(entries).toEqual([expect.objectContaining({ actor_role: 'admin', action: 'contest:create', detail: expect.objectContaining({ sheets: 482 }) })]);
  });
});
