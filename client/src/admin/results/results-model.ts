import type { ResultsJudgeCell, ResultsPanel, ResultsRow, ResultsTable, ResultsVoteCount } from '../../../../server/contracts/reports.ts';

/**
 * The results table reshaped for the results page and the printed sign-off sheets. Pure: no DOM,
 * no i18n, no arithmetic on scores (every number stays the server's decimal string).
 */

/** one judge's cell for one presenter, found by key (null when the server sent none) */
export function cellOf(row: ResultsRow, panel: string, judge: string): ResultsJudgeCell | null {
  return row.panels.find((p) => p.panel === panel)?.judges.find((c) => c.judge === judge) ?? null;
}

/** a presenter's score for one panel (null while nobody of the panel scored) */
export function panelScoreOf(row: ResultsRow, panel: string): string | null {
  return row.panels.find((p) => p.panel === panel)?.score ?? null;
}

/** the audience panel's count for a presenter (null for a judges' panel) */
export function votesOf(row: ResultsRow, panel: string): ResultsVoteCount | null {
  return row.panels.find((p) => p.panel === panel)?.votes ?? null;
}

/** the audience panel (大众评审): its columns are votes counted, dropped (low/high) and its score, not judges */
export const isAudience = (panel: ResultsPanel): boolean => panel.kind === 'audience';

/** the audience panel's two count columns before its score, a judges' panel's judges */
export const panelColumns = (panel: ResultsPanel): number => (isAudience(panel) ? 2 : panel.judges.length);

/** how a judge's cell reads */
export type CellState = 'recused' | 'absent' | 'missing' | 'dropped-highest' | 'dropped-lowest' | 'kept';

export function cellState(cell: ResultsJudgeCell | null): CellState {
  if (cell?.recused) return 'recused';
  if (cell?.absent) return 'absent';
  if (!cell || cell.total === null) return 'missing';
  if (cell.dropped === 'highest') return 'dropped-highest';
  if (cell.dropped === 'lowest') return 'dropped-lowest';
  return 'kept';
}

/** at least one sheet is in: otherwise the pages say "no scores yet" */
export function hasAnyScore(table: ResultsTable): boolean {
  return table.rows.some((row) => row.panels.some((p) => p.judges.some((c) => c.total !== null) || (p.votes?.counted ?? 0) > 0));
}

/** which marks appear anywhere in the table, so the legend explains only what is there */
export interface TableMarks {
  dropped: boolean;
  host: boolean;
  corrected: boolean;
  recused: boolean;
  absent: boolean;
  missing: boolean;
}

export function tableMarks(table: ResultsTable): TableMarks {
  const marks: TableMarks = { dropped: false, host: false, corrected: false, recused: false, absent: false, missing: false };
  for (const row of table.rows) {
    for (const panel of table.panels) {
      for (const judge of panel.judges) {
        const cell = cellOf(row, panel.key, judge.key);
        const state = cellState(cell);
        if (state === 'recused') marks.recused = true;
        else if (state === 'absent') marks.absent = true;
        else if (state === 'missing') marks.missing = true;
        else if (state !== 'kept') marks.dropped = true;
        if (cell && cell.total !== null && cell.enteredBy === 'host') marks.host = true;
        if (cell && cell.total !== null && cell.corrected) marks.corrected = true;
      }
    }
  }
  return marks;
}

/** the rows in the table's order, split where the ranked part ends */
export function splitRows(table: ResultsTable): { ranked: ResultsRow[]; incomplete: ResultsRow[] } {
  return { ranked: table.rows.filter((r) => r.rank !== null), incomplete: table.rows.filter((r) => r.rank === null) };
}

// ---------------------------------------------------------------- sign-off sheets

export interface PanelSheetRow {
  row: ResultsRow;
  /** one per judge of the panel, in the panel's order */
  cells: Array<ResultsJudgeCell | null>;
  score: string | null;
}

/** 评分汇总表 for one panel: every presenter in the table's (rank) order, each judge's total */
export interface PanelSheet {
  panel: ResultsPanel;
  rows: PanelSheetRow[];
}

/** one per judges' panel: the audience panel has no judges to sign (its counts are on the summary) */
export function panelSheets(table: ResultsTable): PanelSheet[] {
  return table.panels.filter((panel) => !isAudience(panel)).map((panel) => ({
    panel,
    rows: table.rows.map((row) => ({
      row,
      cells: panel.judges.map((j) => cellOf(row, panel.key, j.key)),
      score: panelScoreOf(row, panel.key),
    })),
  }));
}

/** 评委个人评分表: one judge's own sheets, presenters in running order (as they scored them) */
export interface JudgeSheet {
  judge: { key: string; name: string };
  panel: ResultsPanel;
  rows: Array<{ row: ResultsRow; cell: ResultsJudgeCell | null }>;
}

export function judgeSheets(table: ResultsTable): JudgeSheet[] {
  const running = [...table.rows].sort((a, b) => a.order - b.order || a.index - b.index);
  return table.panels.flatMap((panel) =>
    panel.judges.map((judge) => ({
      judge,
      panel,
      rows: running.map((row) => ({ row, cell: cellOf(row, panel.key, judge.key) })),
    })),
  );
}

/** the items of a cell in rubric order (null where an item is missing) */
export function itemsInOrder(table: ResultsTable, cell: ResultsJudgeCell | null): Array<string | null> {
  return table.criteria.map((c) => (cell?.items && Object.hasOwn(cell.items, c.key) ? cell.items[c.key]! : null));
}

/** the names of the presenters whose corrected score the projector has not shown yet (the pages warn) */
export function owedNames(table: ResultsTable): string[] {
  return table.owedReveals.map((key) => table.rows.find((r) => r.presenter === key)?.name ?? key);
}

/** every piece of text the table shows, for lib/glyphs.ts to fetch the font slices ahead */
export function tableText(table: ResultsTable): string {
  return [
    table.title,
    ...table.criteria.map((c) => c.name),
    ...table.panels.flatMap((p) => [p.name, ...p.judges.map((j) => j.name)]),
    ...table.rows.flatMap((r) => [r.name, r.unit, r.topic, r.award ?? '']),
  ].join('');
}
