import { expectsJudge, seatExclusion, type ContestDefinition } from './contest.ts';
import type { Exact } from './exact.ts';
import { sheetItemsProblem, sheetTotal } from './scoring.ts';
import type { AuditAction, AckErrorCode, EnteredBy, Screen, TurnPhase } from '../contracts/vocabulary.ts';

/**
 * The live contest as a state machine: a command and the current state in, a decision out (the
 * new state, the sheet to store, what to write in the audit log) or a refusal with a code. Pure:
 * time comes in as `now`, storage and broadcasting are the caller's.
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

/** A stored sheet as the state machine needs to know it. */
export interface SheetRecord {
  id: string;
  presenter: string;
  judge: string;
  items: Record<string, Exact>;
  total: Exact;
  enteredBy: EnteredBy;
  supersedesId: string | null;
  submissionId: string;
  reason: string | null;
  createdAt: number;
}

/** Effective sheets: presenter → judge → sheet (the one nobody supersedes). */
export type EffectiveSheets = ReadonlyMap<string, ReadonlyMap<string, SheetRecord>>;

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

/** The refusals the state machine itself gives: a subset of the contract's codes (comments there). */
export type LiveErrorCode = Extract<
  AckErrorCode,
  'not_found' | 'invalid_transition' | 'turn_not_open' | 'already_submitted' | 'recused' | 'out_of_range' | 'not_finished' | 'correction_pending'
>;

export interface NewSheetPlan {
  presenter: string;
  judge: string;
  items: Record<string, Exact>;
  supersedesId: string | null;
  enteredBy: Exclude<EnteredBy, 'import'>;
  reason: string | null;
}

export interface AuditEvent {
  action: AuditAction;
  presenter?: string;
  judge?: string;
  detail?: Record<string, unknown>;
}

/** A judge marked absent (缺席) for a presenter (left early, no phone, no paper): from then on not expected there, like the recused. */
export interface NewAbsence {
  presenter: string;
  judge: string;
}

export type Decision =
  | { ok: true; state: LiveState; sheet: NewSheetPlan | null; absence?: NewAbsence; audit: AuditEvent[] }
  | { ok: false; code: LiveErrorCode; message: string };

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

function stopClock(clock: Clock, now: number): Clock {
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

const refuse = (code: LiveErrorCode, message: string): Decision => ({ ok: false, code, message });

const PHASE_NAMES: Record<TurnPhase, string> = {
  waiting: 'waiting',
  presenting: 'presenting',
  scoring: 'scoring',
  closed: 'closed',
  revealed: 'revealed',
  skipped: 'skipped',
};

export function decide(
  contest: ContestDefinition,
  state: LiveState,
  sheets: EffectiveSheets,
  actor: Actor,
  command: LiveCommand,
  now: number,
): Decision {
  const presenterOf = (key: string) => contest.presenters.find((p) => p.key === key);
  const judgeOf = (key: string) => contest.judges.find((j) => j.key === key);

  /** a new state with the given turn replaced; `moves` says whether the host's picture changed */
  const next = (changes: Partial<LiveState>, moves: boolean): LiveState => ({
    ...state,
    ...changes,
    version: state.version + 1,
    turnsVersion: moves ? state.turnsVersion + 1 : state.turnsVersion,
  });
  const withTurn = (presenter: string, turn: TurnState) => ({ ...state.turns, [presenter]: turn });
  const accept = (newState: LiveState, audit: AuditEvent[], sheet: NewSheetPlan | null = null): Decision => ({ ok: true, state: newState, sheet, audit });

  if (command.type === 'clock:pause' || command.type === 'clock:resume') {
    const key = state.current;
    const turn = key ? state.turns[key] : undefined;
    if (!key || !turn || turn.phase !== 'presenting') return refuse('invalid_transition', 'the clock runs only while a presenter is presenting');
    const running = turn.clock.runningSince !== null;
    if (command.type === 'clock:pause' && !running) return refuse('invalid_transition', 'the clock is already paused');
    if (command.type === 'clock:resume' && running) return refuse('invalid_transition', 'the clock is already running');
    const clock = command.type === 'clock:pause' ? stopClock(turn.clock, now) : { runningSince: now, elapsedMs: turn.clock.elapsedMs };
    return accept(next({ turns: withTurn(key, { ...turn, clock }) }, true), [{ action: command.type, presenter: key, detail: { elapsedMs: clock.elapsedMs } }]);
  }

  // The ranking and the awards are computed from revealed sheets: with a correction not revealed
  // again they would show (and hand out awards on) numbers the results no longer have.
  const owedRefusal = (showing: string): Decision | null => {
    const owed = owedReveals(contest, state, sheets);
    if (owed.length === 0) return null;
    const names = owed.map((key) => presenterOf(key)!.name).join(', ');
    return refuse('correction_pending', `${names}: a corrected score is not on the projector yet; reveal again (turn:reveal) before showing ${showing}`);
  };

  if (command.type === 'screen:show') {
    if (command.screen === 'turn' && state.current === null) return refuse('invalid_transition', 'no presenter has been on stage yet');
    if (command.screen === 'awards' && state.awardsShown === 0) return refuse('invalid_transition', 'no award has been revealed yet');
    if (command.screen === 'ranking' || command.screen === 'awards') {
      const owed = owedRefusal(command.screen === 'ranking' ? 'the ranking' : 'the awards');
      if (owed) return owed;
    }
    return accept(next({ screen: command.screen }, true), [{ action: 'screen:show', detail: { screen: command.screen } }]);
  }

  if (command.type === 'awards:reveal-next') {
    const open = contest.presenters.filter((p) => !['revealed', 'skipped'].includes(state.turns[p.key]!.phase));
    if (open.length > 0) return refuse('not_finished', `awards come after every turn is revealed or skipped; ${open.length} still open (first: ${open[0]!.name})`);
    if (contest.rules.awards.length === 0) return refuse('invalid_transition', 'this contest has no awards');
    if (state.awardsShown >= contest.rules.awards.length) return refuse('invalid_transition', 'every award is already shown');
    const owed = owedRefusal('the awards');
    if (owed) return owed;
    const awardsShown = state.awardsShown + 1;
    return accept(next({ screen: 'awards', awardsShown }, true), [{ action: 'awards:reveal', detail: { shown: awardsShown } }]);
  }

  const presenter = presenterOf(command.presenter);
  if (!presenter) return refuse('not_found', `no presenter "${command.presenter}" in this contest`);
  const turn = state.turns[presenter.key]!;
  const wrongPhase = (doing: string, allowed: TurnPhase[]) =>
    refuse('invalid_transition', `cannot ${doing} ${presenter.name}: the turn is ${PHASE_NAMES[turn.phase]}, it must be ${allowed.join(' or ')}`);

  switch (command.type) {
    case 'turn:start': {
      if (turn.phase !== 'waiting') return wrongPhase('start', ['waiting']);
      const busy = contest.presenters.find((p) => ['presenting', 'scoring'].includes(state.turns[p.key]!.phase));
      if (busy) return refuse('invalid_transition', `${busy.name} is still ${PHASE_NAMES[state.turns[busy.key]!.phase]}; close that turn first`);
      const started: TurnState = { ...turn, phase: 'presenting', clock: { runningSince: now, elapsedMs: 0 } };
      return accept(next({ turns: withTurn(presenter.key, started), current: presenter.key, screen: 'turn', startedAt: state.startedAt ?? now }, true), [
        { action: 'turn:start', presenter: presenter.key },
      ]);
    }
    case 'turn:open-scoring': {
      if (turn.phase !== 'presenting') return wrongPhase('open scoring for', ['presenting']);
      const clock = stopClock(turn.clock, now);
      return accept(next({ turns: withTurn(presenter.key, { ...turn, phase: 'scoring', clock }), screen: 'turn' }, true), [
        { action: 'turn:open-scoring', presenter: presenter.key, detail: { talkMs: clock.elapsedMs } },
      ]);
    }
    case 'turn:close': {
      if (turn.phase !== 'scoring') return wrongPhase('close', ['scoring']);
      const missing = expectedJudges(contest, presenter.key).filter((j) => !sheets.get(presenter.key)?.has(j));
      return accept(next({ turns: withTurn(presenter.key, { ...turn, phase: 'closed' }) }, true), [
        { action: 'turn:close', presenter: presenter.key, detail: { missing } },
      ]);
    }
    case 'turn:reveal': {
      if (turn.phase !== 'closed' && turn.phase !== 'revealed') return wrongPhase('reveal', ['closed', 'revealed']);
      // the projector shows one presenter: revealing another now would take the stage from the one on it
      const onStage = contest.presenters.find((p) => p.key !== presenter.key && ['presenting', 'scoring'].includes(state.turns[p.key]!.phase));
      if (onStage) return refuse('invalid_transition', `${onStage.name} is ${PHASE_NAMES[state.turns[onStage.key]!.phase]}; reveal ${presenter.name} after that turn is closed`);
      const shown = sheets.get(presenter.key) ?? new Map<string, SheetRecord>();
      const sheetIds = Object.fromEntries([...shown].map(([judge, sheet]) => [judge, sheet.id]));
      const revealed: RevealRecord = { sheetIds, at: now, count: (turn.revealed?.count ?? 0) + 1 };
      return accept(next({ turns: withTurn(presenter.key, { ...turn, phase: 'revealed', revealed }), current: presenter.key, screen: 'turn' }, true), [
        { action: revealed.count > 1 ? 'turn:re-reveal' : 'turn:reveal', presenter: presenter.key, detail: { sheets: Object.keys(sheetIds).length } },
      ]);
    }
    case 'turn:skip': {
      if (turn.phase !== 'waiting') return wrongPhase('skip', ['waiting']);
      return accept(next({ turns: withTurn(presenter.key, { ...turn, phase: 'skipped' }) }, true), [{ action: 'turn:skip', presenter: presenter.key }]);
    }
    case 'turn:reset': {
      // Undo: a turn opened by mistake goes back to waiting, as long as no sheet came in for it.
      if (!['presenting', 'scoring', 'skipped'].includes(turn.phase)) return wrongPhase('undo', ['presenting', 'scoring', 'skipped']);
      if ((sheets.get(presenter.key)?.size ?? 0) > 0) return refuse('invalid_transition', `cannot undo ${presenter.name}: sheets have already arrived for this turn`);
      const reset: TurnState = { phase: 'waiting', clock: { runningSince: null, elapsedMs: 0 }, reopened: {}, revealed: null };
      const current = state.current === presenter.key && turn.phase !== 'skipped' ? null : state.current;
      return accept(next({ turns: withTurn(presenter.key, reset), current, screen: current === null ? 'title' : state.screen }, true), [
        { action: 'turn:reset', presenter: presenter.key, detail: { from: turn.phase } },
      ]);
    }
    case 'sheet:reopen': {
      const judge = judgeOf(command.judge);
      if (!judge) return refuse('not_found', `no judge "${command.judge}" in this contest`);
      const sheet = sheets.get(presenter.key)?.get(judge.key);
      if (!sheet) return refuse('invalid_transition', `${judge.name} has no sheet for ${presenter.name} to reopen`);
      if (Object.hasOwn(turn.reopened, judge.key)) return refuse('invalid_transition', `${judge.name}'s sheet for ${presenter.name} is already reopened`);
      const reopened = { ...turn.reopened, [judge.key]: command.reason };
      return accept(next({ turns: withTurn(presenter.key, { ...turn, reopened }) }, true), [
        { action: 'sheet:reopen', presenter: presenter.key, judge: judge.key, detail: { reason: command.reason, sheetId: sheet.id } },
      ]);
    }
    case 'judge:excuse': {
      // A judge who is absent (left early, phone and paper both unavailable) would leave the
      // presenter incomplete and unranked for ever; marked absent, they are not expected there
      // (counted like a recused judge), and every page says 缺席 rather than 回避.
      const judge = judgeOf(command.judge);
      if (!judge) return refuse('not_found', `no judge "${command.judge}" in this contest`);
      const excluded = seatExclusion(presenter, judge.key);
      if (excluded) return refuse('invalid_transition', `${judge.name} is already ${excluded === 'recused' ? 'recused (回避)' : 'marked absent (缺席)'} for ${presenter.name}`);
      if (sheets.get(presenter.key)?.has(judge.key)) return refuse('already_submitted', `${judge.name} has a sheet for ${presenter.name}; reopen it instead`);
      // a revealed turn's board must not change without a reveal: excuse before revealing
      if (turn.phase === 'revealed') return refuse('invalid_transition', `${presenter.name} is already revealed; excuse absent judges before the reveal`);
      const panelLeft = contest.judges.filter((j) => j.panel === judge.panel && j.key !== judge.key && expectsJudge(presenter, j.key));
      if (panelLeft.length === 0) return refuse('invalid_transition', `${judge.name} is the last judge of their panel for ${presenter.name}; the panel would have no score`);
      const remaining = expectedJudges(contest, presenter.key).filter((j) => j !== judge.key);
      const complete = remaining.every((j) => sheets.get(presenter.key)?.has(j));
      const phase = turn.phase === 'scoring' && complete ? 'closed' : turn.phase;
      const audit: AuditEvent[] = [{ action: 'judge:excuse', presenter: presenter.key, judge: judge.key, detail: { reason: command.reason } }];
      if (phase !== turn.phase) audit.push({ action: 'turn:close', presenter: presenter.key, detail: { auto: true } });
      return {
        ok: true,
        state: next({ turns: withTurn(presenter.key, { ...turn, phase }) }, true),
        sheet: null,
        absence: { presenter: presenter.key, judge: judge.key },
        audit,
      };
    }
    case 'sheet:submit': {
      const judge = judgeOf(command.judge);
      if (!judge) return refuse('not_found', `no judge "${command.judge}" in this contest`);
      const excluded = seatExclusion(presenter, judge.key);
      if (excluded === 'recused') return refuse('recused', `${judge.name} is recused (回避) from ${presenter.name}`);
      if (excluded === 'absent') return refuse('recused', `${judge.name} is marked absent (缺席) for ${presenter.name} and does not score them`);
      const existing = sheets.get(presenter.key)?.get(judge.key) ?? null;
      const reopenReason = Object.hasOwn(turn.reopened, judge.key) ? turn.reopened[judge.key] : undefined;
      if (existing && reopenReason === undefined) {
        return refuse('already_submitted', `${judge.name} has already submitted a sheet for ${presenter.name}; the host can reopen it`);
      }
      // A judge submits while scoring is open; the host may also enter a late paper sheet (代录)
      // for a closed or revealed turn, which the projector shows at the next reveal.
      const open = turn.phase === 'scoring' || (actor.role === 'host' && (turn.phase === 'closed' || turn.phase === 'revealed'));
      if (!existing && !open) {
        return refuse('turn_not_open', `${presenter.name} is not taking sheets (the turn is ${PHASE_NAMES[turn.phase]})`);
      }
      const problem = sheetItemsProblem(contest.rules.criteria, command.items);
      if (problem) return refuse('out_of_range', `${judge.name}, ${presenter.name}: ${problem}`);

      const byHost = actor.role === 'host';
      const reason = existing ? reopenReason! : byHost ? '代录 (entered by the host)' : null;
      const { [judge.key]: _done, ...stillReopened } = turn.reopened;
      let phase = turn.phase;
      const submitted = new Set(sheets.get(presenter.key)?.keys() ?? []);
      submitted.add(judge.key);
      const complete = expectedJudges(contest, presenter.key).every((j) => submitted.has(j));
      if (phase === 'scoring' && complete) phase = 'closed';
      const audit: AuditEvent[] = [
        {
          action: existing ? 'sheet:correct' : 'sheet:submit',
          presenter: presenter.key,
          judge: judge.key,
          detail: { total: sheetTotal(command.items).toString(), enteredBy: byHost ? 'host' : 'judge', ...(reason ? { reason } : {}) },
        },
      ];
      if (phase !== turn.phase) audit.push({ action: 'turn:close', presenter: presenter.key, detail: { auto: true } });
      return accept(
        // the host's picture moves when the turn does, when a sheet is replaced, or when a sheet comes in late (closed or revealed turn)
        next({ turns: withTurn(presenter.key, { ...turn, phase, reopened: stillReopened }) }, phase !== turn.phase || existing !== null || turn.phase !== 'scoring'),
        audit,
        { presenter: presenter.key, judge: judge.key, items: command.items, supersedesId: existing?.id ?? null, enteredBy: byHost ? 'host' : 'judge', reason },
      );
    }
  }
}

/** Host commands that change what the host sees: they must carry the turnsVersion they were made against. */
export function isHostCommand(command: LiveCommand): boolean {
  return command.type !== 'sheet:submit';
}
