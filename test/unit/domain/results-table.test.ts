import { describe, expect, it } from 'vitest';
import type { ContestDefinition } from '../../../server/domain/contest.ts';
import { Exact } from '../../../server/domain/exact.ts';
import { resultsTable, type TableSheet } from '../../../server/domain/results-table.ts';
import { computeResults } from '../../../server/domain/scoring.ts';

const x = (text: string | number) => Exact.parse(String(text));

/**
 * A small contest worked out by hand: a main panel of four (70%, drop one highest and one lowest)
 * and an evaluation panel of two (30%, no drops), two criteria.
 */
function contest(presenters: Array<{ key: string; order: number; recused?: string[]; absent?: string[] }>): ContestDefinition {
  return {
    title: '小型测试赛',
    rules: {
      criteria: [
        { key: 'content', name: '内容', max: x(60), step: x('0.5') },
        { key: 'delivery', name: '表达', max: x(40), step: x('0.5') },
      ],
      panels: [
        { kind: 'judges', key: 'main', name: '主评委', weight: x('0.7'), dropHighest: 1, dropLowest: 1 },
        { kind: 'judges', key: 'eval', name: '测评', weight: x('0.3'), dropHighest: 0, dropLowest: 0 },
      ],
      decimals: 2,
      tieBreak: ['main'],
      timeLimitSeconds: null,
      awards: [{ name: '一等奖', count: 1 }, { name: '二等奖', count: null }],
    },
    presenters: presenters.map((p) => ({ key: p.key, name: `选手${p.key}`, unit: `单位${p.key}`, topic: `题目${p.key}`, order: p.order, recused: p.recused ?? [], absent: p.absent ?? [] })),
    judges: [
      { key: 'm1', name: '主甲', panel: 'main' },
      { key: 'm2', name: '主乙', panel: 'main' },
      { key: 'm3', name: '主丙', panel: 'main' },
      { key: 'm4', name: '主丁', panel: 'main' },
      { key: 'e1', name: '测甲', panel: 'eval' },
      { key: 'e2', name: '测乙', panel: 'eval' },
    ],
  };
}

const sheet = (presenter: string, judge: string, content: string | number, delivery: string | number, extra: Partial<TableSheet> = {}): TableSheet => ({
  presenter,
  judge,
  items: { content: x(content), delivery: x(delivery) },
  enteredBy: 'judge',
  supersedesId: null,
  ...extra,
});

const AT = new Date('2026-11-27T01:30:05.000Z');

describe('the results table', () => {
  const c = contest([
    { key: 'p1', order: 1 },
    { key: 'p2', order: 2, recused: ['m4'] },
    { key: 'p3', order: 3 },
  ]);
  const sheets = [
    // p1: main 80, 85, 75, 82 → drop 85 and 75, mean 81; eval 70, 80 → 75; 0.7 × 81 + 0.3 × 75 = 79.2
    sheet('p1', 'm1', 50, 30, { enteredBy: 'host' }),
    sheet('p1', 'm2', 55, 30, { supersedesId: '7' }),
    sheet('p1', 'm3', 45, 30),
    sheet('p1', 'm4', 52, 30),
    sheet('p1', 'e1', 40, 30),
    sheet('p1', 'e2', 45, 35),
    // p2 (m4 recused): main 90, 85, 80 → three is more than two drops: keep 85; eval 85, 85; final 85
    sheet('p2', 'm1', 50, 40),
    sheet('p2', 'm2', 50, 35),
    sheet('p2', 'm3', 50, 30),
    sheet('p2', 'e1', 45, 40),
    sheet('p2', 'e2', 50, 35),
    // p3: only m1 has scored (100.5 would be over; 59.5 + 40 = 99.5 keeps its half)
    sheet('p3', 'm1', '59.5', 40),
  ];
  const table = resultsTable(c, sheets, AT);

  it('lists ranked presenters by rank, then the incomplete one, numbered 1..n with their place in the running order', () => {
    expect(table.rows.map((r) => [r.index, r.order, r.presenter, r.final, r.rank, r.award, r.complete])).toEqual([
      [1, 2, 'p2', '85.00', 1, '一等奖', true],
      [2, 1, 'p1', '79.20', 2, '二等奖', true],
      [3, 3, 'p3', null, null, null, false],
    ]);
    expect(table.rows[0]).toMatchObject({ name: '选手p2', unit: '单位p2', topic: '题目p2' });
  });

  it('gives every judge of every panel a cell, in the contest’s judge order, with exact totals and the dropped extremes', () => {
    const p1 = table.rows[1]!;
    expect(p1.panels.map((p) => [p.panel, p.score])).toEqual([
      ['main', '81.00'],
      ['eval', '75.00'],
    ]);
    expect(p1.panels[0]!.judges.map((j) => [j.judge, j.total, j.dropped])).toEqual([
      ['m1', '80', null],
      ['m2', '85', 'highest'],
      ['m3', '75', 'lowest'],
      ['m4', '82', null],
    ]);
    expect(p1.panels[1]!.judges.map((j) => [j.judge, j.total, j.dropped])).toEqual([
      ['e1', '70', null],
      ['e2', '80', null],
    ]);
    // a total keeps its own digits, not the contest's places
    expect(table.rows[2]!.panels[0]!.judges[0]).toMatchObject({ judge: 'm1', total: '99.5', items: { content: '59.5', delivery: '40' } });
  });

  it('says who entered each sheet in force and whether it replaced an earlier one, with its items by criterion', () => {
    const main = table.rows[1]!.panels[0]!.judges;
    expect(main[0]).toEqual({ judge: 'm1', total: '80', dropped: null, recused: false, absent: false, enteredBy: 'host', corrected: false, items: { content: '50', delivery: '30' } });
    expect(main[1]).toMatchObject({ judge: 'm2', enteredBy: 'judge', corrected: true });
    expect(main[2]).toMatchObject({ judge: 'm3', enteredBy: 'judge', corrected: false });
  });

  it('marks a recused judge, and a judge who has not scored, with no total', () => {
    const p2main = table.rows[0]!.panels[0]!;
    expect(p2main.judges.map((j) => [j.judge, j.total, j.dropped])).toEqual([
      ['m1', '90', 'highest'],
      ['m2', '85', null],
      ['m3', '80', 'lowest'],
      ['m4', null, null],
    ]);
    expect(p2main.judges[3]).toEqual({ judge: 'm4', total: null, dropped: null, recused: true, absent: false, enteredBy: null, corrected: false, items: null });
    const p3 = table.rows[2]!;
    expect(p3.panels.map((p) => p.score)).toEqual(['99.50', null]);
    expect(p3.panels[1]!.judges[0]).toEqual({ judge: 'e1', total: null, dropped: null, recused: false, absent: false, enteredBy: null, corrected: false, items: null });
  });

  it('marks a judge the host marked absent as absent (not recused), counted like a recused one, and passes on the owed re-reveals', () => {
    const withAbsent = contest([{ key: 'p1', order: 1, absent: ['m4'] }]);
    const marked = resultsTable(
      withAbsent,
      ['m1', 'm2', 'm3', 'e1', 'e2'].map((j, i) => sheet('p1', j, 50 + i, 30)),
      AT,
      ['p1'],
    );
    const row = marked.rows[0]!;
    expect(row.panels[0]!.judges[3]).toEqual({ judge: 'm4', total: null, dropped: null, recused: false, absent: true, enteredBy: null, corrected: false, items: null });
    // complete without m4, ranked: main keeps 51 (50 and 52 dropped) → 81, eval (83 + 84) / 2 = 83.5 → 0.7 × 81 + 0.3 × 83.5 = 81.75
    expect([row.complete, row.rank, row.panels[0]!.score, row.final]).toEqual([true, 1, '81.00', '81.75']);
    expect(marked.owedReveals).toEqual(['p1']);
  });

  it('carries the rules and the people the table was made with', () => {
    expect(table).toMatchObject({
      title: '小型测试赛',
      decimals: 2,
      generatedAt: '2026-11-27T01:30:05.000Z',
      criteria: [
        { key: 'content', name: '内容', max: '60', step: '0.5' },
        { key: 'delivery', name: '表达', max: '40', step: '0.5' },
      ],
      panels: [
        { key: 'main', name: '主评委', weight: '0.7', dropHighest: 1, dropLowest: 1, judges: [{ key: 'm1', name: '主甲' }, { key: 'm2', name: '主乙' }, { key: 'm3', name: '主丙' }, { key: 'm4', name: '主丁' }] },
        { key: 'eval', name: '测评', weight: '0.3', dropHighest: 0, dropLowest: 0, judges: [{ key: 'e1', name: '测甲' }, { key: 'e2', name: '测乙' }] },
      ],
    });
  });

  it('agrees with the scoring core to the digit, row for row', () => {
    const core = computeResults(c, sheets);
    expect(table.rows.map((r) => [r.presenter, r.final, r.rank, r.award, r.panels.map((p) => p.score)])).toEqual(
      core.map((r) => [r.presenter, r.rounded, r.rank, r.award, r.panels.map((p) => p.rounded)]),
    );
    for (const [i, row] of table.rows.entries()) {
      for (const [p, panel] of row.panels.entries()) {
        const counted = panel.judges.filter((j) => j.total !== null).map((j) => [j.judge, j.total, j.dropped]);
        expect(counted).toEqual(core[i]!.panels[p]!.scores.map((s) => [s.judge, s.total.toString(), s.dropped]));
      }
    }
  });

  it('gives tied presenters the same rank, lists them in running order and still numbers the rows 1, 2, 3', () => {
    const tied = contest([
      { key: 'a', order: 3 },
      { key: 'b', order: 1 },
      { key: 'c', order: 2 },
    ]);
    const same = (p: string, base: number) => ['m1', 'm2', 'm3', 'm4', 'e1', 'e2'].map((j) => sheet(p, j, base, 30));
    // a and b score the same everywhere; c is lower. Running order is b, c, a.
    const t = resultsTable(tied, [...same('a', 50), ...same('b', 50), ...same('c', 40)], AT);
    expect(t.rows.map((r) => [r.index, r.presenter, r.order, r.final, r.rank, r.award])).toEqual([
      [1, 'b', 1, '80.00', 1, '一等奖'],
      [2, 'a', 3, '80.00', 1, '一等奖'],
      [3, 'c', 2, '70.00', 3, '二等奖'],
    ]);
    // with every main total equal, one instance of each extreme is still dropped, by list position
    expect(t.rows[0]!.panels[0]!.judges.map((j) => j.dropped)).toEqual(['lowest', null, null, 'highest']);
  });
});

describe('the 出场顺序 column', () => {
  it('shows the number drawn, with the gap a withdrawn presenter left, not the place in the list', () => {
    const c = contest([
      { key: 'a', order: 1 },
      { key: 'b', order: 2 },
      { key: 'd', order: 4 },
    ]);
    const table = resultsTable(c, [], new Date('2026-11-27T10:00:00Z'));
    expect(table.rows.map((r) => [r.presenter, r.order])).toEqual([
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ]);
  });
});
