import { expectsJudge, type ContestDefinition } from './contest.ts';
import type { Screen, TurnPhase } from '../contracts/vocabulary.ts';

/**
 * The live state of a contest: each turn's phase, clock, reopened sheets and reveal, the screen,
 * the awards shown. The commands that move it are in live/ (the state machine: live/decide.ts).
 *
 * A turn goes waiting → presenting → scoring → closed → revealed, or waiting → skipped. The host
 * moves it; the last expected sheet closes it by itself. What the display shows of a turn's
 * scores is fixed at the reveal (the ids of the sheets revealed), so a later correction reaches
 * the projector only when the host reveals again.
 */

export interface Clock {
  /** epoch ms when the clock last started running; null while stopped */
  runningSince: number | null;
  /** ms run before runningSince */
  elapsedMs: number;
}

export interface RevealRecord {
  /** judge key → id of the sheet that was shown */
  sheetIds: Record<string, string>;
  at: number;
  /** 1 at the first reveal, 2 after a re-reveal, … */
  count: number;
}

export interface TurnState {
  phase: TurnPhase;
  clock: Clock;
  /** judges whose sheet the host reopened: each may submit a replacement once */
  reopened: Record<string, string>;
  revealed: RevealRecord | null;
}

export interface LiveState {
  /** moves on with every change (sheets included): clients keep the snapshot with the highest */
  version: number;
  /**
   * moves on with every change of turns and screens, not with an ordinary sheet: a host command
   * carries the turnsVersion it was made against, so two consoles cannot both advance. A judge's
   * sheet moves it only when it changes a turn (the last sheet closing it) or replaces a reopened
   * sheet: a host command in flight at that moment is refused as stale, which is right, because
   * the console was looking at an older picture.
   */
  turnsVersion: number;
  screen: Screen;
  /** the presenter on stage (or last on stage) */
  current: string | null;
  turns: Record<string, TurnState>;
  /** award levels shown on the awards screen, counted from the lowest award up */
  awardsShown: number;
  /**
   * epoch ms of the contest's first turn:start; kept when that turn is undone, because a presenter
   * has been on the projector: the running order and the rules are then settled. (Absent in states
   * stored before it existed, and until the first start.)
   */
  startedAt?: number;
}

/**
 * Whether `next` differs from `previous` in its version alone: every other field is the same value
 * or the same object (a command that changes no turn leaves `turns` the same object, live/decide.ts).
 * Most judges' sheets are such changes; the stored state then need not be written again, only its
 * version (db/live-state.repository.ts). Compared field by field over both states' keys, so a field
 * added to LiveState later is compared too.
 */
export function onlyVersionMoved(previous: LiveState, next: LiveState): boolean {
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]) as Set<keyof LiveState>;
  for (const key of keys) if (key !== 'version' && previous[key] !== next[key]) return false;
  return true;
}

export function initialLiveState(contest: ContestDefinition): LiveState {
  return {
    version: 0,
    turnsVersion: 0,
    screen: 'title',
    current: null,
    turns: Object.fromEntries(
      contest.presenters.map((p) => [p.key, { phase: 'waiting', clock: { runningSince: null, elapsedMs: 0 }, reopened: {}, revealed: null }]),
    ),
    awardsShown: 0,
  };
}

export function clockElapsedMs(clock: Clock, now: number): number {
  return clock.elapsedMs + (clock.runningSince === null ? 0 : Math.max(0, now - clock.runningSince));
}

export function stopClock(clock: Clock, now: number): Clock {
  return { runningSince: null, elapsedMs: clockElapsedMs(clock, now) };
}

/** The judges expected to score a presenter (neither recused nor absent), in list order. */
export function expectedJudges(contest: ContestDefinition, presenter: string): string[] {
  const p = contest.presenters.find((x) => x.key === presenter);
  return p ? contest.judges.filter((j) => expectsJudge(p, j.key)).map((j) => j.key) : [];
}

/**
 * A revealed turn whose sheets in force are not the ones the projector showed (a reopened sheet
 * was replaced, or a paper sheet came in late): the host owes the hall a re-reveal.
 */
export function correctionPending(turn: TurnState, inForce: ReadonlyMap<string, { id: string }> | undefined): boolean {
  const shown = turn.revealed?.sheetIds;
  if (!shown) return false;
  const now = inForce ?? new Map<string, { id: string }>();
  return now.size !== Object.keys(shown).length || [...now].some(([judge, sheet]) => shown[judge] !== sheet.id);
}

/** The presenters whose correction the projector has not shown yet, in running order. */
export function owedReveals(contest: ContestDefinition, state: LiveState, sheets: ReadonlyMap<string, ReadonlyMap<string, { id: string }>>): string[] {
  return contest.presenters.filter((p) => state.turns[p.key] && correctionPending(state.turns[p.key]!, sheets.get(p.key))).map((p) => p.key);
}
