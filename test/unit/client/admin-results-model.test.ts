import { describe, expect, it } from 'vitest';
import { formatDuration, formatBeijingTime } from '../../../client/src/admin/results/format.ts';
import { percentText as weightPercent } from '../../../client/src/lib/decimal.ts';
import {
  cellOf,
  cellState,
  hasAnyScore,
  isAudience,
  itemsInOrder,
  judgeSheets,
  panelColumns,
  panelScoreOf,
  panelSheets,
  splitRows,
  tableMarks,
  votesOf,
} from '../../../client/src/admin/results/results-model.ts';
import type { ResultsJudgeCell, ResultsRow, ResultsTable } from '../../../server/contracts/reports.ts';

/**
 * The admin results pages' pure helpers, on a hand-made table: two panels (main: m1 m2 m3 with
 * 1+1 dropped; eval: e1 e2), three presenters — p2 ranked first, p1 second, p3 incomplete.
 */

function cell(judge: string, total: string | null, extra: Partial<ResultsJudgeCell> = {}): ResultsJudgeCell {
  return { judge, total, dropped: null, recused: false, absent: false, enteredBy: total === null ? null : 'judge', corrected: false, items: total === null ? null : { a: total }, ...extra };
}

function row(presenter: string, index: number, order: number, rank: number | null, main: ResultsJudgeCell[], evalCells: ResultsJudgeCell[]): ResultsRow {
  return {
    index,
    order,
    presenter,
    name: `name-${presenter}`,
    unit: `unit-${presenter}`,
    topic: '',
    panels: [
      { panel: 'main', score: main.some((c) => c.total) ? '80.00' : null, judges: main, votes: null },
      { panel: 'eval', score: evalCells.some((c) => c.total) ? '70.50' : null, judges: evalCells, votes: null },
    ],
    final: rank === null ? null : '77.15',
    rank,
    award: rank === 1 ? '一等奖' : null,
    complete: rank !== null,
  };
}

const TABLE: ResultsTable = {
  title: 'T',
  decimals: 2,
  generatedAt: '2024-01-05T06:03:05.000Z',
  criteria: [
    { key: 'a', name: 'A', max: '100', step: '0.5' },
    { key: 'b', name: 'B', max: '10', step: '1' },
  ],
  panels: [
    { key: 'main', name: '主评委', weight: '0.7', dropHighest: 1, dropLowest: 1, judges: [{ key: 'm1', name: 'M1' }, { key: 'm2', name: 'M2' }, { key: 'm3', name: 'M3' }], kind: 'judges', audience: null },
    { key: 'eval', name: '测评', weight: '0.3', dropHighest: 0, dropLowest: 0, judges: [{ key: 'e1', name: 'E1' }, { key: 'e2', name: 'E2' }], kind: 'judges', audience: null },
  ],
  rows: [
    row('p2', 1, 2, 1, [cell('m1', '90', { dropped: 'highest' }), cell('m2', '80', { enteredBy: 'host' }), cell('m3', '70', { dropped: 'lowest', corrected: true })], [cell('e1', '71'), cell('e2', '70')]),
    row('p1', 2, 1, 2, [cell('m1', '85'), cell('m2', '80'), cell('m3', null, { recused: true })], [cell('e1', '70.5'), cell('e2', '70.5')]),
    row('p3', 3, 3, null, [cell('m1', '88')], [cell('e2', null)]),
  ],
  owedReveals: [],
};

describe('format', () => {
  it('turns a weight into a percent by moving the decimal point', () => {
    expect(weightPercent('0.7')).toBe('70%');
    expect(weightPercent('0.3')).toBe('30%');
    expect(weightPercent('1')).toBe('100%');
    expect(weightPercent('0.285')).toBe('28.5%');
    expect(weightPercent('0.3333')).toBe('33.33%');
    expect(weightPercent('0.05')).toBe('5%');
    expect(weightPercent('0.70')).toBe('70%');
    expect(weightPercent('0')).toBe('0%');
    expect(weightPercent('.5')).toBe('50%');
    expect(weightPercent('abc')).toBe('abc');
    expect(weightPercent('')).toBe('');
  });

  it('writes ISO times in Beijing time to the second, whatever the machine’s zone', () => {
    expect(formatBeijingTime('2023-12-20T01:03:05.000Z')).toBe('2023-12-20 09:03:05');
    expect(formatBeijingTime('2023-12-31T16:00:00Z')).toBe('2024-01-01 00:00:00');
    expect(formatBeijingTime('2024-07-01T12:00:00+08:00')).toBe('2024-07-01 12:00:00');
    expect(formatBeijingTime('not a time')).toBe('not a time');
  });

  it('writes durations', () => {
    expect(formatDuration(452_000, 'zh')).toBe('7分32秒');
    expect(formatDuration(5_400, 'zh')).toBe('5秒');
    expect(formatDuration(3_725_000, 'zh')).toBe('1小时2分5秒');
    expect(formatDuration(452_000, 'en')).toBe('7 min 32 s');
  });
});

describe('results model', () => {
  it('finds cells and panel scores by key', () => {
    const [p2, , p3] = TABLE.rows;
    expect(cellOf(p2!, 'main', 'm2')?.total).toBe('80');
    expect(cellOf(p3!, 'main', 'm2')).toBeNull();
    expect(cellOf(p3!, 'nope', 'm1')).toBeNull();
    expect(panelScoreOf(p2!, 'eval')).toBe('70.50');
    expect(panelScoreOf(p3!, 'eval')).toBeNull();
  });

  it('reads a cell’s state', () => {
    const [p2, p1] = TABLE.rows;
    expect(cellState(cellOf(p2!, 'main', 'm1'))).toBe('dropped-highest');
    expect(cellState(cellOf(p2!, 'main', 'm3'))).toBe('dropped-lowest');
    expect(cellState(cellOf(p2!, 'main', 'm2'))).toBe('kept');
    expect(cellState(cellOf(p1!, 'main', 'm3'))).toBe('recused');
    expect(cellState(cell('x', null, { absent: true }))).toBe('absent');
    expect(cellState(null)).toBe('missing');
    expect(cellState(cell('x', null))).toBe('missing');
  });

  it('knows whether any score is in and which marks appear', () => {
    expect(hasAnyScore(TABLE)).toBe(true);
    const empty: ResultsTable = { ...TABLE, rows: TABLE.rows.map((r) => ({ ...r, panels: r.panels.map((p) => ({ ...p, judges: p.judges.map((c) => ({ ...c, total: null })) })) })) };
    expect(hasAnyScore(empty)).toBe(false);
    expect(tableMarks(TABLE)).toEqual({ dropped: true, host: true, corrected: true, recused: true, absent: false, missing: true });
    expect(tableMarks({ ...TABLE, rows: [TABLE.rows[1]!] })).toEqual({ dropped: false, host: false, corrected: false, recused: true, absent: false, missing: false });
    const absentRow = row('p4', 4, 4, null, [cell('m1', null, { absent: true })], []);
    expect(tableMarks({ ...TABLE, rows: [absentRow] })).toMatchObject({ recused: false, absent: true });
  });

  it('splits ranked from incomplete rows, keeping the table’s order', () => {
    const { ranked, incomplete } = splitRows(TABLE);
    expect(ranked.map((r) => r.presenter)).toEqual(['p2', 'p1']);
    expect(incomplete.map((r) => r.presenter)).toEqual(['p3']);
  });

  it('builds one summary sheet per panel in rank order, a cell per judge', () => {
    const sheets = panelSheets(TABLE);
    expect(sheets.map((s) => s.panel.key)).toEqual(['main', 'eval']);
    expect(sheets[0]!.rows.map((r) => r.row.presenter)).toEqual(['p2', 'p1', 'p3']);
    expect(sheets[0]!.rows[0]!.cells.map((c) => c?.total)).toEqual(['90', '80', '70']);
    expect(sheets[0]!.rows[2]!.cells.map((c) => c?.total ?? null)).toEqual(['88', null, null]);
    expect(sheets[1]!.rows[0]!.score).toBe('70.50');
  });

  it('builds one sheet per judge in running order', () => {
    const sheets = judgeSheets(TABLE);
    expect(sheets.map((s) => s.judge.key)).toEqual(['m1', 'm2', 'm3', 'e1', 'e2']);
    expect(sheets[0]!.panel.key).toBe('main');
    expect(sheets[0]!.rows.map((r) => r.row.presenter)).toEqual(['p1', 'p2', 'p3']);
    expect(sheets[2]!.rows.map((r) => cellState(r.cell))).toEqual(['recused', 'dropped-lowest', 'missing']);
  });

  it('lists a cell’s items in rubric order, exactly as sent', () => {
    expect(itemsInOrder(TABLE, cell('m1', '90.50', { items: { b: '7', a: '83.50' } }))).toEqual(['83.50', '7']);
    expect(itemsInOrder(TABLE, cell('m1', '90', { items: { a: '90' } }))).toEqual(['90', null]);
    expect(itemsInOrder(TABLE, null)).toEqual([null, null]);
  });
});

describe('results model with an audience vote (大众评审)', () => {
  const votes = { counted: 41, trimmed: { low: 4, high: 4 }, kept: 33 };
  /** TABLE with a 10 % audience panel: no judges, a vote count per row */
  const withVotes = (counted: (row: ResultsRow) => typeof votes | null): ResultsTable => ({
    ...TABLE,
    panels: [...TABLE.panels, { key: 'public', name: '大众评审', weight: '0.1', dropHighest: 0, dropLowest: 0, judges: [], kind: 'audience', audience: { min: '1', max: '10', step: '1', trimPercent: 10 } }],
    rows: TABLE.rows.map((row) => ({ ...row, panels: [...row.panels, { panel: 'public', score: '6.50', judges: [], votes: counted(row) }] })),
  });

  it('gives the audience panel two count columns and no judges’ sheet to sign', () => {
    const table = withVotes(() => votes);
    const audience = table.panels[2]!;
    expect(isAudience(audience)).toBe(true);
    expect(table.panels.map(panelColumns)).toEqual([3, 2, 2]);
    expect(votesOf(table.rows[0]!, 'public')).toEqual(votes);
    expect(votesOf(table.rows[0]!, 'main')).toBeNull();
    expect(panelScoreOf(table.rows[0]!, 'public')).toBe('6.50');
    expect(panelSheets(table).map((s) => s.panel.key)).toEqual(['main', 'eval']);
    expect(judgeSheets(table)).toHaveLength(5);
  });

  it('counts votes as scores being in: a table with votes and no sheets is not empty', () => {
    const empty = { ...TABLE, rows: TABLE.rows.map((row) => ({ ...row, panels: row.panels.map((p) => ({ ...p, judges: p.judges.map((c) => ({ ...c, total: null })) })) })) };
    expect(hasAnyScore(empty)).toBe(false);
    const votedOnly = withVotes((row) => (row.presenter === 'p1' ? votes : { counted: 0, trimmed: { low: 0, high: 0 }, kept: 0 }));
    expect(hasAnyScore({ ...votedOnly, rows: votedOnly.rows.map((row, i) => ({ ...row, panels: [...empty.rows[i]!.panels, row.panels[2]!] })) })).toBe(true);
  });
});
