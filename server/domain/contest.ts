import type { Exact } from './exact.ts';

/**
 * A contest as the domain sees it: validated, with every number exact. Built from a contest file
 * (server/contest-file/) or from the database (server/db/), never straight from client input.
 */

export interface Criterion {
  key: string;
  name: string;
  max: Exact;
  step: Exact;
}

export interface Panel {
  key: string;
  name: string;
  weight: Exact;
  dropHighest: number;
  dropLowest: number;
}

export interface Award {
  name: string;
  /** null: every ranked presenter left after the awards above */
  count: number | null;
}

export interface Rules {
  criteria: Criterion[];
  panels: Panel[];
  decimals: number;
  tieBreak: string[];
  timeLimitSeconds: number | null;
  awards: Award[];
}

export interface Presenter {
  key: string;
  name: string;
  unit: string;
  topic: string;
  /** running-order number as written in the file, or null when the file order is the running order */
  order: number | null;
  /** judges who must not score this presenter (回避), known before the contest */
  recused: string[];
  /** judges the host marked absent (缺席) for this presenter during the contest: not expected, like the recused */
  absent: string[];
}

export interface Judge {
  key: string;
  name: string;
  panel: string;
}

export interface ContestDefinition {
  title: string;
  rules: Rules;
  /** in running order */
  presenters: Presenter[];
  judges: Judge[];
}

/** Why a judge has no say on a presenter: recused (回避), marked absent (缺席), or null when they are expected to score. */
export type SeatExclusion = 'recused' | 'absent';

export function seatExclusion(presenter: Pick<Presenter, 'recused' | 'absent'>, judge: string): SeatExclusion | null {
  if (presenter.recused.includes(judge)) return 'recused';
  if (presenter.absent.includes(judge)) return 'absent';
  return null;
}

/** The judge is expected to score the presenter: neither recused nor absent. */
export const expectsJudge = (presenter: Pick<Presenter, 'recused' | 'absent'>, judge: string): boolean => seatExclusion(presenter, judge) === null;

/** One judge's effective sheet for one presenter: item values by criterion key. */
export interface Sheet {
  presenter: string;
  judge: string;
  items: Record<string, Exact>;
}

/** The contest with a judge marked absent (缺席) for a presenter; the absent list stays in the judges' list order. */
export function withAbsentJudge(contest: ContestDefinition, presenter: string, judge: string): ContestDefinition {
  const absent = (p: Presenter) => contest.judges.filter((j) => p.absent.includes(j.key) || j.key === judge).map((j) => j.key);
  return { ...contest, presenters: contest.presenters.map((p) => (p.key === presenter ? { ...p, absent: absent(p) } : p)) };
}

/** Presenters sorted into running order: by `order` where given, else by position in the list. */
export function inRunningOrder<T extends { order: number | null }>(presenters: readonly T[]): T[] {
  return presenters
    .map((p, index) => ({ p, index }))
    .sort((a, b) => (a.p.order ?? Infinity) - (b.p.order ?? Infinity) || a.index - b.index)
    .map(({ p }) => p);
}

/** Items grouped by a key, each group in the items' order (what Map.groupBy does from Node 21). */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
