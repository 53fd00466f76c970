import type { AckErrorCode, AuditAction } from '../../contracts/vocabulary.ts';
import type { ContestDefinition, Judge, Presenter } from '../contest.ts';
import type { Exact } from '../exact.ts';
import type { LiveState, TurnState } from '../live.ts';
import type { SheetsInForce, SheetToStore } from '../sheets.ts';

/**
 * What the state machine takes and gives: the commands, who sends them, and the decision. Each
 * command has one handler (turn-commands.ts, sheet-commands.ts, screen-commands.ts): a guard
 * that says why it cannot be done now, and the change it makes once the guard lets it through.
 */

export type Actor = { role: 'host' } | { role: 'judge'; judge: string };

export type LiveCommand =
  | { type: 'turn:start'; presenter: string }
  | { type: 'turn:open-scoring'; presenter: string }
  | { type: 'turn:close'; presenter: string }
  | { type: 'turn:reveal'; presenter: string }
  | { type: 'turn:skip'; presenter: string }
  | { type: 'turn:reset'; presenter: string }
  | { type: 'clock:pause' }
  | { type: 'clock:resume' }
  | { type: 'sheet:reopen'; presenter: string; judge: string; reason: string }
  | { type: 'sheet:submit'; presenter: string; judge: string; items: Record<string, Exact> }
  | { type: 'judge:excuse'; presenter: string; judge: string; reason: string }
  | { type: 'screen:show'; screen: 'title' | 'turn' | 'ranking' | 'awards' }
  | { type: 'awards:reveal-next' };

type CommandOf<T extends LiveCommand['type']> = Extract<LiveCommand, { type: T }>;

/** The refusals the state machine itself gives: a subset of the contract's codes (comments there). */
type LiveErrorCode = Extract<
  AckErrorCode,
  'not_found' | 'invalid_transition' | 'turn_not_open' | 'already_submitted' | 'recused' | 'out_of_range' | 'not_finished' | 'correction_pending'
>;

export interface AuditEvent {
  action: AuditAction;
  presenter?: string;
  judge?: string;
  detail?: Record<string, unknown>;
}

/** A judge marked absent (缺席) for a presenter (left early, no phone, no paper): from then on not expected there, like the recused. */
interface NewAbsence {
  presenter: string;
  judge: string;
}

export type Refusal = { ok: false; code: LiveErrorCode; message: string };
type Accepted = { ok: true; state: LiveState; sheet: SheetToStore | null; absence?: NewAbsence; audit: AuditEvent[] };
export type Decision = Accepted | Refusal;

/** Everything a command is decided on. */
export interface Situation {
  contest: ContestDefinition;
  state: LiveState;
  sheets: SheetsInForce;
  actor: Actor;
  /** epoch ms */
  now: number;
}

export interface CommandHandler<T extends LiveCommand['type']> {
  /** why the command cannot be done now, or null when it can */
  guard(at: Situation, command: CommandOf<T>): Refusal | null;
  /** what it does, once the guard let it through */
  apply(at: Situation, command: CommandOf<T>): Accepted;
}

export const refuse = (code: LiveErrorCode, message: string): Refusal => ({ ok: false, code, message });

/**
 * A new state with these changes, one version on. `turnsMove`: the host's picture changed, so a
 * host command made against the old one is stale (LiveState.turnsVersion).
 */
export function nextState(at: Situation, changes: Partial<LiveState>, turnsMove: boolean): LiveState {
  const { state } = at;
  return { ...state, ...changes, version: state.version + 1, turnsVersion: turnsMove ? state.turnsVersion + 1 : state.turnsVersion };
}

/** The turns with one replaced. */
export const withTurn = (at: Situation, presenter: string, turn: TurnState): LiveState['turns'] => ({ ...at.state.turns, [presenter]: turn });

export const accept = (state: LiveState, audit: AuditEvent[], sheet: SheetToStore | null = null): Accepted => ({ ok: true, state, sheet, audit });

/**
 * People by key, one map per list (a contest's lists are replaced, never changed in place): the
 * host's console asks every guard of every presenter at each change (allowedHostActions), and a
 * search of the list per guard made that quadratic in the number of presenters.
 */
const byKey = new WeakMap<readonly { key: string }[], Map<string, { key: string }>>();
function keyed<T extends { key: string }>(list: readonly T[]): Map<string, T> {
  let map = byKey.get(list);
  if (!map) byKey.set(list, (map = new Map(list.map((item) => [item.key, item]))));
  return map as Map<string, T>;
}

export const presenterOf = (at: Situation, key: string): Presenter | undefined => keyed(at.contest.presenters).get(key);
export const judgeOf = (at: Situation, key: string): Judge | undefined => keyed(at.contest.judges).get(key);

export const noPresenter = (key: string): Refusal => refuse('not_found', `no presenter "${key}" in this contest`);
export const noJudge = (key: string): Refusal => refuse('not_found', `no judge "${key}" in this contest`);

/** The presenter and their turn, for a handler whose guard has checked that the presenter exists. */
export function turnOf(at: Situation, key: string): { presenter: Presenter; turn: TurnState } {
  return { presenter: presenterOf(at, key)!, turn: at.state.turns[key]! };
}

/** The turn is not in a phase the command applies to. */
export const wrongPhase = (presenter: Presenter, turn: TurnState, doing: string, allowed: readonly string[]): Refusal =>
  refuse('invalid_transition', `cannot ${doing} ${presenter.name}: the turn is ${turn.phase}, it must be ${allowed.join(' or ')}`);
