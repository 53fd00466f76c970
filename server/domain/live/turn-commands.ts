import type { TurnPhase } from '../../contracts/vocabulary.ts';
import type { Presenter } from '../contest.ts';
import { expectedJudges, stopClock, type LiveState, type RevealRecord, type TurnState } from '../live.ts';
import {
  accept,
  nextState,
  noPresenter,
  presenterOf,
  refuse,
  turnOf,
  withTurn,
  wrongPhase,
  type CommandHandler,
  type Refusal,
  type Situation,
} from './commands.ts';

/** The host's commands that move a turn through its phases, and the talk clock. */

const ON_STAGE: readonly TurnPhase[] = ['presenting', 'scoring'];

/** the presenters on stage (at most one, as the guards keep it) for a contest's presenters and turns */
const onStageOf = new WeakMap<LiveState['turns'], { presenters: readonly Presenter[]; onStage: Presenter[] }>();

/**
 * The presenter on stage (presenting or being scored) other than `except`, if any: the server
 * allows one at a time. Found once per turns object (a change that moves no turn keeps it), not
 * by a search per guard: allowedHostActions asks the start guard of every presenter.
 */
function onStage(at: Situation, except?: string): Presenter | undefined {
  let known = onStageOf.get(at.state.turns);
  if (!known || known.presenters !== at.contest.presenters) {
    known = { presenters: at.contest.presenters, onStage: at.contest.presenters.filter((p) => ON_STAGE.includes(at.state.turns[p.key]!.phase)) };
    onStageOf.set(at.state.turns, known);
  }
  return known.onStage.find((p) => p.key !== except);
}

/** The presenter's turn is in one of these phases (and the presenter exists). */
function phaseGuard(at: Situation, key: string, doing: string, allowed: readonly TurnPhase[]): Refusal | null {
  const presenter = presenterOf(at, key);
  if (!presenter) return noPresenter(key);
  const turn = at.state.turns[key]!;
  return allowed.includes(turn.phase) ? null : wrongPhase(presenter, turn, doing, allowed);
}

export const startTurn: CommandHandler<'turn:start'> = {
  guard(at, { presenter }) {
    const wrong = phaseGuard(at, presenter, 'start', ['waiting']);
    if (wrong) return wrong;
    const busy = onStage(at);
    return busy ? refuse('invalid_transition', `${busy.name} is still ${at.state.turns[busy.key]!.phase}; close that turn first`) : null;
  },
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    const started: TurnState = { ...turn, phase: 'presenting', clock: { runningSince: at.now, elapsedMs: 0 } };
    return accept(nextState(at, { turns: withTurn(at, key, started), current: key, screen: 'turn', startedAt: at.state.startedAt ?? at.now }, true), [
      { action: 'turn:start', presenter: key },
    ]);
  },
};

export const openScoring: CommandHandler<'turn:open-scoring'> = {
  guard: (at, { presenter }) => phaseGuard(at, presenter, 'open scoring for', ['presenting']),
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    const clock = stopClock(turn.clock, at.now);
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, phase: 'scoring', clock }), screen: 'turn' }, true), [
      { action: 'turn:open-scoring', presenter: key, detail: { talkMs: clock.elapsedMs } },
    ]);
  },
};

export const closeTurn: CommandHandler<'turn:close'> = {
  guard: (at, { presenter }) => phaseGuard(at, presenter, 'close', ['scoring']),
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    const missing = expectedJudges(at.contest, key).filter((j) => !at.sheets.get(key)?.has(j));
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, phase: 'closed' }) }, true), [{ action: 'turn:close', presenter: key, detail: { missing } }]);
  },
};

export const revealTurn: CommandHandler<'turn:reveal'> = {
  guard(at, { presenter }) {
    const wrong = phaseGuard(at, presenter, 'reveal', ['closed', 'revealed']);
    if (wrong) return wrong;
    // the projector shows one presenter: revealing another now would take the stage from the one on it
    const other = onStage(at, presenter);
    return other
      ? refuse('invalid_transition', `${other.name} is ${at.state.turns[other.key]!.phase}; reveal ${presenterOf(at, presenter)!.name} after that turn is closed`)
      : null;
  },
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    const sheetIds = Object.fromEntries([...(at.sheets.get(key) ?? new Map())].map(([judge, sheet]) => [judge, sheet.id]));
    const revealed: RevealRecord = { sheetIds, at: at.now, count: (turn.revealed?.count ?? 0) + 1 };
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, phase: 'revealed', revealed }), current: key, screen: 'turn' }, true), [
      { action: revealed.count > 1 ? 'turn:re-reveal' : 'turn:reveal', presenter: key, detail: { sheets: Object.keys(sheetIds).length } },
    ]);
  },
};

export const skipTurn: CommandHandler<'turn:skip'> = {
  guard: (at, { presenter }) => phaseGuard(at, presenter, 'skip', ['waiting']),
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, phase: 'skipped' }) }, true), [{ action: 'turn:skip', presenter: key }]);
  },
};

/** Undo: a turn opened by mistake goes back to waiting, as long as no sheet came in for it. */
export const resetTurn: CommandHandler<'turn:reset'> = {
  guard(at, { presenter }) {
    const wrong = phaseGuard(at, presenter, 'undo', ['presenting', 'scoring', 'skipped']);
    if (wrong) return wrong;
    const arrived = (at.sheets.get(presenter)?.size ?? 0) > 0;
    return arrived ? refuse('invalid_transition', `cannot undo ${presenterOf(at, presenter)!.name}: sheets have already arrived for this turn`) : null;
  },
  apply(at, { presenter: key }) {
    const { turn } = turnOf(at, key);
    const reset: TurnState = { phase: 'waiting', clock: { runningSince: null, elapsedMs: 0 }, reopened: {}, revealed: null };
    const current = at.state.current === key && turn.phase !== 'skipped' ? null : at.state.current;
    return accept(nextState(at, { turns: withTurn(at, key, reset), current, screen: current === null ? 'title' : at.state.screen }, true), [
      { action: 'turn:reset', presenter: key, detail: { from: turn.phase } },
    ]);
  },
};

/** The clock runs only for the presenter on stage, while presenting. */
function clockGuard(at: Situation, wantRunning: boolean): Refusal | null {
  const key = at.state.current;
  const turn = key ? at.state.turns[key] : undefined;
  if (!turn || turn.phase !== 'presenting') return refuse('invalid_transition', 'the clock runs only while a presenter is presenting');
  const running = turn.clock.runningSince !== null;
  if (running === wantRunning) return null;
  return refuse('invalid_transition', running ? 'the clock is already running' : 'the clock is already paused');
}

export const pauseClock: CommandHandler<'clock:pause'> = {
  guard: (at) => clockGuard(at, true),
  apply(at) {
    const key = at.state.current!;
    const turn = at.state.turns[key]!;
    const clock = stopClock(turn.clock, at.now);
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, clock }) }, true), [{ action: 'clock:pause', presenter: key, detail: { elapsedMs: clock.elapsedMs } }]);
  },
};

export const resumeClock: CommandHandler<'clock:resume'> = {
  guard: (at) => clockGuard(at, false),
  apply(at) {
    const key = at.state.current!;
    const turn = at.state.turns[key]!;
    const clock = { runningSince: at.now, elapsedMs: turn.clock.elapsedMs };
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, clock }) }, true), [{ action: 'clock:resume', presenter: key, detail: { elapsedMs: clock.elapsedMs } }]);
  },
};
