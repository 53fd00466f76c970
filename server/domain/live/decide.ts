import type { HostAction } from '../../contracts/snapshots.ts';
import { SCREENS } from '../../contracts/vocabulary.ts';
import type { ContestDefinition } from '../contest.ts';
import type { LiveState } from '../live.ts';
import type { SheetsInForce } from '../sheets.ts';
import type { Actor, CommandHandler, Decision, LiveCommand, Situation } from './commands.ts';
import { excuseJudge, reopenSheet, submitSheet } from './sheet-commands.ts';
import { revealNextAward, showScreen } from './screen-commands.ts';
import { closeTurn, openScoring, pauseClock, resetTurn, resumeClock, revealTurn, skipTurn, startTurn } from './turn-commands.ts';

/**
 * The live contest as a state machine: a command and the current state in, a decision out (the
 * new state, the sheet to store, what to write in the audit log) or a refusal with a code. Pure:
 * time comes in as `now`, storage and broadcasting are the caller's. One handler per command,
 * each a guard and an apply; the host console is told which commands the guards let through now.
 */

const HANDLERS: { [T in LiveCommand['type']]: CommandHandler<T> } = {
  'turn:start': startTurn,
  'turn:open-scoring': openScoring,
  'turn:close': closeTurn,
  'turn:reveal': revealTurn,
  'turn:skip': skipTurn,
  'turn:reset': resetTurn,
  'clock:pause': pauseClock,
  'clock:resume': resumeClock,
  'sheet:reopen': reopenSheet,
  'sheet:submit': submitSheet,
  'judge:excuse': excuseJudge,
  'screen:show': showScreen,
  'awards:reveal-next': revealNextAward,
};

/** A command's handler. The table pairs each type with its own handler, which TypeScript cannot follow through a union: hence the cast. */
const handlerOf = (type: LiveCommand['type']) => HANDLERS[type] as unknown as CommandHandler<LiveCommand['type']>;

export function decide(contest: ContestDefinition, state: LiveState, sheets: SheetsInForce, actor: Actor, command: LiveCommand, now: number): Decision {
  const at: Situation = { contest, state, sheets, actor, now };
  const handler = handlerOf(command.type);
  return handler.guard(at, command) ?? handler.apply(at, command);
}

/**
 * The command must carry the turnsVersion it was made against (LiveState.turnsVersion): every
 * host command that moves turns, sheets' state or screens. A sheet (a judge's, or the host's
 * paper sheet) does not: one per judge, and a replacement only after a reopen, is its guard.
 */
export function needsTurnsVersion(command: LiveCommand): boolean {
  return command.type !== 'sheet:submit';
}

const TURN_COMMANDS = ['turn:start', 'turn:open-scoring', 'turn:close', 'turn:reveal', 'turn:skip', 'turn:reset'] as const;

/**
 * The host's turn, clock, screen and award commands that the guards let through now. `now` does not
 * matter to a guard. `votesFor` counts the audience votes of a presenter: a turn the audience voted
 * on cannot be undone (the live service refuses it, like a turn with sheets: the votes are stored
 * for good and would count at a later opening), so its turn:reset is not offered either.
 */
export function allowedHostActions(contest: ContestDefinition, state: LiveState, sheets: SheetsInForce, votesFor: (presenter: string) => number = () => 0): HostAction[] {
  const at: Situation = { contest, state, sheets, actor: { role: 'host' }, now: 0 };
  const candidates: HostAction[] = [
    ...contest.presenters.flatMap((p) => TURN_COMMANDS.map((type) => ({ type, presenter: p.key }))),
    { type: 'clock:pause' },
    { type: 'clock:resume' },
    ...SCREENS.map((screen) => ({ type: 'screen:show' as const, screen })),
    { type: 'awards:reveal-next' },
  ];
  return candidates.filter((action) => handlerOf(action.type).guard(at, action) === null && !(action.type === 'turn:reset' && votesFor(action.presenter) > 0));
}
