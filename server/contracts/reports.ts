import type { PanelInfo } from './snapshots.ts';
import type { EnteredBy } from './vocabulary.ts';

/**
 * The results table and the judges' consistency, as the domain computes them
 * (server/domain/results-table.ts, judge-consistency.ts) and the admin API carries them
 * (./admin-api.ts): the printed sheets, the workbook and the admin pages read these.
 */

export interface ResultsJudgeCell {
  judge: string;
  /** this judge's total for the presenter, exact digits; null when no sheet (or recused, or absent) */
  total: string | null;
  dropped: 'highest' | 'lowest' | null;
  /** the judge is recused (回避) from this presenter: not expected, no total */
  recused: boolean;
  /** the host marked the judge absent (缺席) for this presenter: not expected, no total */
  absent: boolean;
  /** who entered the sheet in force: the judge, the host from paper (代录), or an imported file */
  enteredBy: EnteredBy | null;
  /** the sheet in force replaces an earlier one (a reopened sheet) */
  corrected: boolean;
  /** the sheet's items by criterion key, exact digits (for the per-criterion sheet) */
  items: Record<string, string> | null;
}

/** How the audience panel's votes for one presenter were counted (domain/scoring.ts VoteCount). */
export interface ResultsVoteCount {
  /** votes that count: the last one of each voter */
  counted: number;
  /** dropped from each end: floor(counted × trimPercent / 100) lowest and as many highest */
  trimmed: { low: number; high: number };
  /** counted minus both trimmed ends: the votes averaged */
  kept: number;
}

/**
 * One counted audience vote as the workbook lists it (sheet 大众评审投票): the presenter, the voter
 * id as the export's `audienceVotes` carries it, the value, and whether the trim dropped it.
 */
export interface ResultsVote {
  presenter: string;
  /** the presenter's running-order number, as in ResultsRow.order */
  order: number;
  name: string;
  unit: string;
  voter: string;
  /** exact digits */
  value: string;
  dropped: 'highest' | 'lowest' | null;
}

export interface ResultsPanelCell {
  panel: string;
  /** the panel's score rounded to the contest's places, null while nobody of the panel scored (the audience panel always has one: 0 without votes) */
  score: string | null;
  /** [] for the audience panel */
  judges: ResultsJudgeCell[];
  /** the audience panel's count; null for a judges' panel */
  votes: ResultsVoteCount | null;
}

export interface ResultsRow {
  /** 序号: 1, 2, … in this table's order (ranked first, by rank; then the rest in running order) */
  index: number;
  /** 出场顺序: the running-order number as drawn or typed; without one, the place in the list from 1 */
  order: number;
  presenter: string;
  name: string;
  unit: string;
  topic: string;
  panels: ResultsPanelCell[];
  final: string | null;
  rank: number | null;
  award: string | null;
  complete: boolean;
}

export interface ResultsTable {
  title: string;
  decimals: number;
  /** ISO time the table was computed */
  generatedAt: string;
  criteria: Array<{ key: string; name: string; max: string; step: string }>;
  panels: ResultsPanel[];
  rows: ResultsRow[];
  /**
   * presenters (keys, running order) whose corrected score the host has not revealed again: the
   * projector still shows their old numbers, so this table and the hall disagree until the re-reveal
   */
  owedReveals: string[];
}

export interface ResultsPanel {
  key: string;
  name: string;
  weight: string;
  dropHighest: number;
  dropLowest: number;
  /** no judges on the audience panel (大众评审): its columns are the votes counted and trimmed */
  judges: Array<{ key: string; name: string }>;
  kind: PanelInfo['kind'];
  /** the audience panel's vote scale (exact decimal text) and trim share; null for a judges' panel */
  audience: PanelInfo['audience'];
}

export interface JudgeConsistency {
  judge: string;
  name: string;
  panel: string;
  /** presenters this judge scored that have a panel score */
  scored: number;
  /** mean of (judge's total − panel's score from kept totals), 2 places, signed; null when scored is 0 */
  meanDeviation: string | null;
  /** mean of |judge's total − panel's score|, 2 places; null when scored is 0 */
  meanAbsoluteDeviation: string | null;
  /** how often this judge's total was dropped as a panel's highest / lowest */
  droppedHighest: number;
  droppedLowest: number;
  /** per presenter, in running order: total − panel score, 2 places, signed */
  deviations: Array<{ presenter: string; deviation: string }>;
}
