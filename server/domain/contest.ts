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

/** A panel of judges (评委组): each judge's sheet total, trimmed by dropHighest/dropLowest, averaged. */
export interface JudgePanel {
  kind: 'judges';
  key: string;
  name: string;
  weight: Exact;
  dropHighest: number;
  dropLowest: number;
}

/** The audience's rating scale: a vote is a whole multiple of step in [min, max]. */
export interface VoteScale {
  min: Exact;
  max: Exact;
  step: Exact;
}

/**
 * The audience panel (大众评审, DESIGN.md "Audience"): no judges; its score is the trimmed mean of
 * the counted votes scaled to the rubric's full marks. At most one per contest.
 */
export interface AudiencePanel {
  kind: 'audience';
  key: string;
  name: string;
  weight: Exact;
  scale: VoteScale;
  /** 0–25: t = floor(n × trimPercent / 100) votes are dropped from each end */
  trimPercent: number;
}

export type Panel = JudgePanel | AudiencePanel;

/** The panels judges sit on (every panel but the audience's), in the rules' order. */
export const judgePanels = (rules: Pick<Rules, 'panels'>): JudgePanel[] => rules.panels.filter((p): p is JudgePanel => p.kind === 'judges');

/** The contest's audience panel, or null when it has none. */
export const audiencePanel = (rules: Pick<Rules, 'panels'>): AudiencePanel | null => rules.panels.find((p): p is AudiencePanel => p.kind === 'audience') ?? null;

/** A panel's judge trimming: the judges' panel's drops, none for the audience panel (it trims by trimPercent). */
export const panelDrops = (p: Panel): { dropHighest: number; dropLowest: number } =>
  p.kind === 'judges' ? { dropHighest: p.dropHighest, dropLowest: p.dropLowest } : { dropHighest: 0, dropLowest: 0 };

/** What is wrong with a vote's value on the scale, or null when it is a whole step in [min, max]. */
export function voteValueProblem(scale: VoteScale, value: Exact): string | null {
  if (value.cmp(scale.min) < 0 || value.cmp(scale.max) > 0) return `the vote ${value} is outside ${scale.min}–${scale.max}`;
  if (!value.isMultipleOf(scale.step)) return `the vote ${value} is not a whole step of ${scale.step}`;
  return null;
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

/**
 * One audience vote that counts: the last one a voter (an anonymous id the phone keeps) cast for a
 * presenter. Earlier votes of the same voter for the same presenter are not votes here.
 */
export interface Vote {
  presenter: string;
  voter: string;
  value: Exact;
}

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
