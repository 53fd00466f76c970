import { expectsJudge, inRunningOrder, type AudiencePanel, type ContestDefinition, type Criterion, type JudgePanel, type Presenter, type Rules, type Sheet, type Vote } from './contest.ts';
import { Exact, sum } from './exact.ts';

/**
 * The scoring rules of DESIGN.md, exact: totals, trimming, panel means, the weighted final
 * rounded once half-up, ranks with tie-breaks, awards. Pure: the live board and `npm run recount`
 * both call computeResults, which is how they agree to the digit.
 */

export interface JudgeScore {
  judge: string;
  total: Exact;
  /** this total is one of the panel's trimmed extremes */
  dropped: 'highest' | 'lowest' | null;
}

/** How the audience panel's votes for one presenter were counted. */
export interface VoteCount {
  /** votes that count: the last one of each voter */
  counted: number;
  /** dropped from each end: t = floor(counted × trimPercent / 100) lowest and t highest */
  trimmed: { low: number; high: number };
  /** counted − both trimmed ends: the votes averaged */
  kept: number;
}

export interface PanelResult {
  panel: string;
  kind: 'judges' | 'audience';
  /** the submitted totals of the panel's expected judges (neither recused nor absent), in the order the judges are listed; [] for the audience panel */
  scores: JudgeScore[];
  /** expected judges of the panel (neither recused nor absent): how many sheets make this panel complete; 0 for the audience panel */
  expected: number;
  /** the audience panel's count; null for a judges' panel */
  votes: VoteCount | null;
  /** the mean of the kept totals, exact; null while no judge of the panel has submitted. The audience panel always has one (0 without votes). */
  score: Exact | null;
  /** score rounded to the contest's decimals, as shown */
  rounded: string | null;
}

export interface PresenterResult {
  presenter: string;
  complete: boolean;
  panels: PanelResult[];
  /** Σ weight × panel score, exact; null while any panel has no score */
  final: Exact | null;
  /** final rounded once, half-up, to the contest's decimals: the number that is ranked and shown */
  rounded: string | null;
  /** 1-based; equal presenters share a rank and the next rank skips; null when not complete */
  rank: number | null;
  award: string | null;
}

export function sheetTotal(items: Record<string, Exact>): Exact {
  return sum(Object.values(items));
}

/**
 * What is wrong with a sheet's items under the rubric, in words that name the criterion, or null
 * when every criterion has a value between 0 and its max in whole steps and nothing else is there.
 */
export function sheetItemsProblem(criteria: readonly Criterion[], items: Record<string, Exact>): string | null {
  for (const c of criteria) {
    const value = Object.hasOwn(items, c.key) ? items[c.key] : undefined;
    if (value === undefined) return `criterion ${c.key} (${c.name}) has no value`;
    if (value.isNegative()) return `criterion ${c.key} (${c.name}) is ${value}, below 0`;
    if (value.cmp(c.max) > 0) return `criterion ${c.key} (${c.name}) is ${value}, over the maximum ${c.max}`;
    if (!value.isMultipleOf(c.step)) return `criterion ${c.key} (${c.name}) is ${value}, not a whole step of ${c.step}`;
  }
  for (const key of Object.keys(items)) {
    if (!criteria.some((c) => c.key === key)) return `criterion ${key} is not in the rubric`;
  }
  return null;
}

/** Trims one panel's totals: drop n highest and m lowest instances only when more than n + m remain. */
function trimPanel(panel: JudgePanel, totals: ReadonlyArray<{ judge: string; total: Exact }>): JudgeScore[] {
  const scores: JudgeScore[] = totals.map((t) => ({ judge: t.judge, total: t.total, dropped: null }));
  if (scores.length <= panel.dropHighest + panel.dropLowest) return scores;
  // Ties between equal totals go by list position so the struck-out judge is the same every time:
  // among equal lowest totals the first seat is dropped, among equal highest totals the last seat.
  const ascending = scores.map((s, index) => ({ s, index })).sort((a, b) => a.s.total.cmp(b.s.total) || a.index - b.index);
  for (let i = 0; i < panel.dropLowest; i++) ascending[i]!.s.dropped = 'lowest';
  for (let i = 0; i < panel.dropHighest; i++) ascending[ascending.length - 1 - i]!.s.dropped = 'highest';
  return scores;
}

function panelResult(rules: Rules, panel: JudgePanel, judges: readonly string[], sheetsByJudge: ReadonlyMap<string, Sheet>): PanelResult {
  const submitted = judges.flatMap((judge) => {
    const sheet = sheetsByJudge.get(judge);
    return sheet ? [{ judge, total: sheetTotal(sheet.items) }] : [];
  });
  const scores = trimPanel(panel, submitted);
  const kept = scores.filter((s) => s.dropped === null);
  const score = kept.length === 0 ? null : sum(kept.map((s) => s.total)).div(Exact.of(kept.length));
  return { panel: panel.key, kind: 'judges', scores, expected: judges.length, votes: null, score, rounded: score?.toFixed(rules.decimals) ?? null };
}

/**
 * The audience panel's score for one presenter (DESIGN.md "Audience"): with n votes, drop
 * t = floor(n × trimPercent / 100) from each end (one instance per drop; which of equal votes goes
 * does not change the sum), average the rest, and scale that mean from the vote scale to the
 * rubric's full marks: mean ÷ scale.max × Σ criteria max. No votes give 0, not "no score": a turn
 * nobody voted on still has a final.
 */
function audienceResult(rules: Rules, panel: AudiencePanel, values: readonly Exact[]): PanelResult {
  const n = values.length;
  const drops = trimmedVotes(values, panel.trimPercent);
  const t = drops.filter((d) => d === 'lowest').length;
  const kept = values.filter((_, i) => drops[i] === null);
  const fullMarks = sum(rules.criteria.map((c) => c.max));
  const score = kept.length === 0 ? Exact.ZERO : sum(kept).div(Exact.of(kept.length)).div(panel.scale.max).mul(fullMarks);
  return {
    panel: panel.key,
    kind: 'audience',
    scores: [],
    expected: 0,
    votes: { counted: n, trimmed: { low: t, high: t }, kept: kept.length },
    score,
    rounded: score.toFixed(rules.decimals),
  };
}

/**
 * Which of one presenter's counted votes the trim drops, in the order given: t = floor(n ×
 * trimPercent / 100) lowest and t highest (one instance per drop). Of equal votes at a boundary the
 * first given goes as lowest and the last as highest, as with a panel's seats; which one goes does
 * not change the sum, but the workbook marks each vote, so the choice is fixed here, once.
 */
export function trimmedVotes(values: readonly Exact[], trimPercent: number): Array<'lowest' | 'highest' | null> {
  const n = values.length;
  const t = Math.floor((n * trimPercent) / 100);
  // a stable sort: equal votes keep their order
  const ascending = values.map((value, i) => ({ value, i })).sort((a, b) => a.value.cmp(b.value));
  const drops: Array<'lowest' | 'highest' | null> = values.map(() => null);
  ascending.forEach(({ i }, at) => {
    if (at < t) drops[i] = 'lowest';
    else if (at >= n - t) drops[i] = 'highest';
  });
  return drops;
}

/**
 * Every presenter's result: ranked presenters first in rank order (equal ones in running order),
 * then the others in running order. Sheets of recused or absent judges and of unknown presenters or judges
 * are ignored (the contest file and the live commands refuse them before they get here); two
 * sheets for the same presenter and judge are a caller's bug and throw. `votes` are the counted
 * audience votes (one per voter and presenter, a caller's bug otherwise, and it throws); they are
 * ignored when the contest has no audience panel.
 */
export function computeResults(contest: ContestDefinition, sheets: readonly Sheet[], votes: readonly Vote[] = []): PresenterResult[] {
  const { rules } = contest;
  const sheetsByPresenter = new Map<string, Map<string, Sheet>>();
  for (const sheet of sheets) {
    let byJudge = sheetsByPresenter.get(sheet.presenter);
    if (!byJudge) sheetsByPresenter.set(sheet.presenter, (byJudge = new Map()));
    if (byJudge.has(sheet.judge)) throw new Error(`two effective sheets for presenter ${sheet.presenter} by judge ${sheet.judge}`);
    byJudge.set(sheet.judge, sheet);
  }
  const votesByPresenter = new Map<string, Map<string, Exact>>();
  for (const vote of votes) {
    let byVoter = votesByPresenter.get(vote.presenter);
    if (!byVoter) votesByPresenter.set(vote.presenter, (byVoter = new Map()));
    if (byVoter.has(vote.voter)) throw new Error(`two counted votes for presenter ${vote.presenter} by voter ${vote.voter}`);
    byVoter.set(vote.voter, vote.value);
  }

  const results = inRunningOrder(contest.presenters).map((presenter) =>
    presenterResult(contest, presenter, sheetsByPresenter.get(presenter.key) ?? NO_SHEETS, [...(votesByPresenter.get(presenter.key)?.values() ?? [])]),
  );
  return ranked(rules, results);
}

const NO_SHEETS: ReadonlyMap<string, Sheet> = new Map();

/**
 * One presenter's result before the ranking (rank and award null): each panel's trimmed scores and
 * the weighted final. It depends on that presenter's sheets and votes only, so a caller that keeps
 * it for sheets that did not change (the host console's live results) recomputes one presenter per
 * sheet, not all of them.
 */
export function presenterResult(contest: ContestDefinition, presenter: Presenter, byJudge: ReadonlyMap<string, Sheet>, votes: readonly Exact[]): PresenterResult {
  const { rules } = contest;
  const panels = rules.panels.map((panel) => {
    if (panel.kind === 'audience') return audienceResult(rules, panel, votes);
    const judges = contest.judges.filter((j) => j.panel === panel.key && expectsJudge(presenter, j.key)).map((j) => j.key);
    return panelResult(rules, panel, judges, byJudge);
  });
  const complete = panels.every((p) => p.scores.length === p.expected);
  const final = panels.every((p) => p.score !== null)
    ? rules.panels.reduce((acc, panel, i) => acc.add(panel.weight.mul(panels[i]!.score!)), Exact.ZERO)
    : null;
  return { presenter: presenter.key, complete, panels, final, rounded: final?.toFixed(rules.decimals) ?? null, rank: null, award: null };
}

/**
 * The ranking and the awards over presenters' results in running order: the ranked ones first,
 * best first, then the others in running order. `results` are given ranks and awards in place.
 */
export function ranked(rules: Rules, results: PresenterResult[]): PresenterResult[] {
  const rankable = results.filter((r) => r.complete && r.final !== null);
  const others = results.filter((r) => !(r.complete && r.final !== null));
  const key = (r: PresenterResult): Exact[] => [
    r.final!.round(rules.decimals),
    ...rules.tieBreak.map((panelKey) => r.panels.find((p) => p.panel === panelKey)?.score?.round(rules.decimals) ?? Exact.ZERO),
  ];
  const compareKeys = (a: Exact[], b: Exact[]): number => {
    for (let i = 0; i < a.length; i++) {
      const c = b[i]!.cmp(a[i]!);
      if (c !== 0) return c;
    }
    return 0;
  };
  // Array.prototype.sort is stable, so equal presenters keep running order.
  const order = rankable.map((r) => ({ r, k: key(r) })).sort((a, b) => compareKeys(a.k, b.k));
  order.forEach((entry, i) => {
    const previous = order[i - 1];
    entry.r.rank = previous && compareKeys(previous.k, entry.k) === 0 ? previous.r.rank : i + 1;
  });
  assignAwards(rules, order.map((e) => e.r));
  return [...order.map((e) => e.r), ...others];
}

/**
 * Awards go down the ranking in the order listed: award i goes to every presenter whose rank is
 * within the first count₁ + … + countᵢ places, so a tie across a boundary gives all the tied
 * presenters the higher award. An award without a count takes everyone ranked after the others.
 */
function assignAwards(rules: Rules, ranked: PresenterResult[]): void {
  let upTo = 0;
  const bounds = rules.awards.map((a) => (upTo = a.count === null ? Infinity : upTo + a.count));
  for (const r of ranked) {
    const i = bounds.findIndex((bound) => r.rank! <= bound);
    r.award = i === -1 ? null : rules.awards[i]!.name;
  }
}
