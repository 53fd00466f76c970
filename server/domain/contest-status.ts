import type { ContestDefinition } from './contest.ts';
import type { LiveState } from './live.ts';

/**
 * A contest's status and what may still change in it. A score, a turn on stage or a printed card
 * depends on the rules, the panels, the judges and the running order, so once the contest has
 * started those are frozen; the title and a presenter's name, unit and topic (a typo on the
 * projector) can still be fixed. The domain answers with codes; the organiser's sentences for them
 * are in services/contest-words.ts.
 */

/** Why the rules, panels, judges and running order are frozen: scores exist, or a turn has begun (or awards were shown). */
export type ContestLock = 'scored' | 'started';

export interface ContestProgress {
  /** stored score sheets, corrections included */
  sheets: number;
  started: boolean;
  /** null while everything may still change */
  lock: ContestLock | null;
}

/** Whether the contest has begun: a turn was ever started (even if undone since), or awards were shown. */
export function hasStarted(state: LiveState | null): boolean {
  return state !== null && (state.startedAt !== undefined || state.awardsShown > 0 || Object.values(state.turns).some((t) => t.phase !== 'waiting'));
}

/** The progress from the number of stored sheets and the live state (null: no page has opened the contest yet). */
export function contestProgress(sheets: number, state: LiveState | null): ContestProgress {
  const started = sheets > 0 || hasStarted(state);
  return { sheets, started, lock: sheets > 0 ? 'scored' : started ? 'started' : null };
}

/** The parts of a contest that freeze once it has started, in the order an edit is checked. */
export type FrozenPart = 'criteria' | 'panels' | 'decimals' | 'tie_break' | 'time_limit' | 'awards' | 'judges' | 'presenters' | 'absences';

/** The first frozen part a change from `before` to `after` touches, or null when it touches only the title and presenters' name, unit and topic. */
export function frozenChange(before: ContestDefinition, after: ContestDefinition): FrozenPart | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const rulesOf = (c: ContestDefinition) => ({
    ...c.rules,
    criteria: c.rules.criteria.map((x) => [x.key, x.name, x.max.toString(), x.step.toString()]),
    panels: c.rules.panels.map((x) =>
      x.kind === 'judges'
        ? [x.key, x.name, x.weight.toString(), x.dropHighest, x.dropLowest]
        : [x.key, x.name, x.weight.toString(), x.scale.min.toString(), x.scale.max.toString(), x.scale.step.toString(), x.trimPercent],
    ),
  });
  const b = rulesOf(before);
  const a = rulesOf(after);
  if (!same(b.criteria, a.criteria)) return 'criteria';
  if (!same(b.panels, a.panels)) return 'panels';
  if (b.decimals !== a.decimals) return 'decimals';
  if (!same(b.tieBreak, a.tieBreak)) return 'tie_break';
  if (b.timeLimitSeconds !== a.timeLimitSeconds) return 'time_limit';
  if (!same(b.awards, a.awards)) return 'awards';
  if (!same(before.judges, after.judges)) return 'judges';
  const people = (c: ContestDefinition) => c.presenters.map((p) => [p.key, p.order, [...p.recused].sort()]);
  if (!same(people(before), people(after))) return 'presenters';
  // marked by the host during the contest: an edit keeps them as they are
  const absences = (c: ContestDefinition) => c.presenters.map((p) => [p.key, [...p.absent].sort()]);
  if (!same(absences(before), absences(after))) return 'absences';
  return null;
}

/**
 * Whether an edit may be saved: anything before the contest starts, only names after.
 * `replaces`: the first frozen part it changes (the whole definition is replaced), or null (only
 * the title and presenters' name, unit and topic change).
 */
export type EditVerdict = { allowed: true; replaces: FrozenPart | null } | { allowed: false; part: FrozenPart; lock: ContestLock };

export function editVerdict(progress: ContestProgress, before: ContestDefinition, after: ContestDefinition): EditVerdict {
  const part = frozenChange(before, after);
  if (part !== null && progress.lock !== null) return { allowed: false, part, lock: progress.lock };
  return { allowed: true, replaces: part };
}

/** Why lots cannot be drawn now: the contest has started (a draw could be repeated until a preferred order came up), or there is nobody to draw. */
export type DrawRefusal = { reason: 'locked'; lock: ContestLock } | { reason: 'no_presenters' };

export function drawRefusal(progress: ContestProgress, presenters: number): DrawRefusal | null {
  if (progress.lock !== null) return { reason: 'locked', lock: progress.lock };
  if (presenters === 0) return { reason: 'no_presenters' };
  return null;
}

/** Presenters in a new random running order, drawn with the given source of random integers. */
export function drawRunningOrder<T>(presenters: readonly T[], randomInt: (maxExclusive: number) => number): T[] {
  // Fisher–Yates: every order equally likely, given a uniform randomInt
  const order = [...presenters];
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
