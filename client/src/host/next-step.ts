import type { HostAction, HostResult, HostSheet, HostSnapshot, HostTurn } from '../../../server/contracts/snapshots.ts';
import type { TurnPhase } from '../../../server/contracts/vocabulary.ts';
import { clockDigits } from '../lib/talk-clock.ts';

type HostPresenter = HostSnapshot['presenters'][number];
type HostJudge = HostSnapshot['judges'][number];

/**
 * What the host console should offer next, as pure functions of a HostSnapshot (and the row the
 * host selected, if any). The console shows ONE big "next step" button; this module decides what
 * it does, so the rule can be read and unit-tested without a browser. Whether the server would
 * accept a command now is not decided here: the snapshot lists the commands its guards let
 * through (HostSnapshot.allowed), and this module only chooses among them.
 *
 * The turn the panel is about ("focus"):
 *   - the row the host clicked, when there is one;
 *   - else the turn on stage (presenting or scoring);
 *   - else the presenter last on stage (board.current), unless it was sent back to waiting;
 *   - else the first waiting presenter in running order (nothing has started yet);
 *   - else the first closed, unrevealed turn.
 */

export type Step =
  /** turn:start. `next` when it is the presenter after the focused (finished) turn: "下一位：<name>" */
  | { kind: 'start'; presenter: string; next: boolean }
  | { kind: 'open-scoring'; presenter: string }
  /** turn:close; `missing` lists the non-recused judges without a sheet, in list order */
  | { kind: 'close'; presenter: string; missing: string[] }
  /** turn:reveal of a closed turn (`other` when it is not the focused turn) */
  | { kind: 'reveal'; presenter: string; other: boolean }
  /** the focused turn is waiting but another turn is on stage: finish that one first */
  | { kind: 'busy'; presenter: string; busy: string; busyPhase: TurnPhase }
  /**
   * turn:reveal again of a revealed turn whose corrected score the projector has not shown: comes
   * before the awards (the server refuses the ranking and the awards until then)
   */
  | { kind: 'rereveal'; presenter: string }
  /** every turn is revealed or skipped: reveal the next award level (lowest first) */
  | { kind: 'awards'; level: string; index: number }
  /** every turn is decided and every award level is shown (or there are none) */
  | { kind: 'finished' }
  /** a contest without presenters */
  | { kind: 'empty' };

export interface Secondary {
  /** the clock of the focused presenting turn can be paused / resumed */
  pause: boolean;
  resume: boolean;
  /** the waiting presenter that "弃权" would mark as a no-show (turn:skip) */
  skip: string | null;
  /**
   * undo (turn:reset) of the focused turn; `blocked` says why the server refuses it: sheets have
   * arrived, or audience votes have (大众评审: they are stored for good), else null
   */
  undo: { presenter: string; from: TurnPhase; blocked: UndoBlock | null } | null;
  /**
   * turn:reveal again on a revealed turn (not while another turn is on stage: it takes the
   * projector); `pending` says whether a correction is not yet on the projector
   */
  reReveal: { presenter: string; pending: Correction } | null;
}

export type UndoBlock = 'sheets' | 'votes';

/** Is a correction waiting to be shown on the projector, or still waiting for the judge? */
export type Correction = 'no' | 'yes' | 'reopened';

const ON_STAGE: ReadonlySet<TurnPhase> = new Set(['presenting', 'scoring']);
const DECIDED: ReadonlySet<TurnPhase> = new Set(['revealed', 'skipped']);

/** Lookups over one snapshot, built once per snapshot. */
export interface SnapshotIndex {
  snapshot: HostSnapshot;
  /** presenter keys in running order */
  order: string[];
  presenter: Map<string, HostPresenter>;
  judge: Map<string, HostJudge>;
  result: Map<string, HostResult>;
  turn: Map<string, HostTurn>;
  /** presenter → judge → effective sheet */
  sheets: Map<string, Map<string, HostSheet>>;
  /** presenter → expected judge keys (neither recused nor absent), in list order */
  expected: Map<string, string[]>;
  /** the commands the server accepts now (HostSnapshot.allowed), by actionKey */
  allowed: Set<string>;
}

const actionKey = (action: HostAction): string => [action.type, 'presenter' in action ? action.presenter : '', 'screen' in action ? action.screen : ''].join(' ');

/** The server would accept this command now: its own guards said so in the snapshot. */
export function allows(ix: SnapshotIndex, action: HostAction): boolean {
  return ix.allowed.has(actionKey(action));
}

export function indexSnapshot(snapshot: HostSnapshot): SnapshotIndex {
  const order = [...snapshot.presenters].sort((a, b) => a.position - b.position).map((p) => p.key);
  const turn = new Map(snapshot.turns.map((t) => [t.presenter, t]));
  const sheets = new Map<string, Map<string, HostSheet>>();
  for (const s of snapshot.sheets) {
    let byJudge = sheets.get(s.presenter);
    if (!byJudge) sheets.set(s.presenter, (byJudge = new Map()));
    byJudge.set(s.judge, s);
  }
  const expected = new Map(
    snapshot.presenters.map((p) => [p.key, snapshot.judges.filter((j) => !p.recused.includes(j.key) && !p.absent.includes(j.key)).map((j) => j.key)]),
  );
  return {
    snapshot,
    order,
    presenter: new Map(snapshot.presenters.map((p) => [p.key, p])),
    judge: new Map(snapshot.judges.map((j) => [j.key, j])),
    result: new Map(snapshot.results.map((r) => [r.presenter, r])),
    turn,
    sheets,
    expected,
    allowed: new Set(snapshot.allowed.map(actionKey)),
  };
}

const phaseOf = (ix: SnapshotIndex, presenter: string): TurnPhase => ix.turn.get(presenter)?.phase ?? 'waiting';

/** The turn on stage (presenting or scoring), if any. The server allows at most one. */
export function onStage(ix: SnapshotIndex): string | null {
  return ix.order.find((p) => ON_STAGE.has(phaseOf(ix, p))) ?? null;
}

/** Expected judges of the presenter who have no sheet in, in list order. */
export function missingJudges(ix: SnapshotIndex, presenter: string): string[] {
  const sheets = ix.sheets.get(presenter);
  return (ix.expected.get(presenter) ?? []).filter((j) => !sheets?.has(j));
}

export function focusTurn(ix: SnapshotIndex, selected: string | null): string | null {
  if (selected !== null && ix.turn.has(selected)) return selected;
  const active = onStage(ix);
  if (active) return active;
  const current = ix.snapshot.board.current;
  if (current !== null && ix.turn.has(current) && phaseOf(ix, current) !== 'waiting') return current;
  return ix.order.find((p) => phaseOf(ix, p) === 'waiting') ?? ix.order.find((p) => phaseOf(ix, p) === 'closed') ?? ix.order.at(-1) ?? null;
}

/**
 * What the live turn is doing: the console keeps a row the host selected only while this stays
 * the same, so a turn that closes by itself (or another console's move) brings the panel back to
 * the live turn instead of leaving the big button on a row the host clicked a while ago.
 */
export function liveSignature(ix: SnapshotIndex): string {
  const live = focusTurn(ix, null);
  return live === null ? '' : `${live}:${phaseOf(ix, live)}`;
}

/** The first waiting presenter after `after` in running order, else the first waiting one from the top. */
function nextWaiting(ix: SnapshotIndex, after: string | null): string | null {
  const from = after === null ? -1 : ix.order.indexOf(after);
  const later = ix.order.slice(from + 1).find((p) => phaseOf(ix, p) === 'waiting');
  return later ?? ix.order.find((p) => phaseOf(ix, p) === 'waiting') ?? null;
}

/** Award level names, lowest first: the order the host reveals them in. */
function awardLevels(snapshot: HostSnapshot): string[] {
  return [...snapshot.awardLevels].reverse();
}

/**
 * `step` when the server allows its command now; else, when another turn is on stage (the reason
 * the server refuses to start or reveal a turn), the step that says who is.
 */
function unlessBusy(ix: SnapshotIndex, action: HostAction & { presenter: string }, step: Step): Step {
  const active = onStage(ix);
  if (allows(ix, action) || active === null) return step;
  return { kind: 'busy', presenter: action.presenter, busy: active, busyPhase: phaseOf(ix, active) };
}

function afterFinished(ix: SnapshotIndex, focus: string): Step {
  const next = nextWaiting(ix, focus);
  if (next) return unlessBusy(ix, { type: 'turn:start', presenter: next }, { kind: 'start', presenter: next, next: true });
  const closed = ix.order.find((p) => phaseOf(ix, p) === 'closed');
  if (closed) return { kind: 'reveal', presenter: closed, other: closed !== focus };
  if (ix.order.some((p) => !DECIDED.has(phaseOf(ix, p)))) {
    // only turns on stage are left
    const active = onStage(ix)!;
    return { kind: 'busy', presenter: focus, busy: active, busyPhase: phaseOf(ix, active) };
  }
  const owed = owedReveals(ix)[0];
  if (owed) return { kind: 'rereveal', presenter: owed };
  const levels = awardLevels(ix.snapshot);
  const shown = ix.snapshot.awardsShown;
  if (shown < levels.length) return { kind: 'awards', level: levels[shown]!, index: shown };
  return { kind: 'finished' };
}

export function nextStep(ix: SnapshotIndex, focus: string | null): Step {
  if (focus === null) return { kind: 'empty' };
  const phase = phaseOf(ix, focus);
  switch (phase) {
    case 'waiting':
      return unlessBusy(ix, { type: 'turn:start', presenter: focus }, { kind: 'start', presenter: focus, next: false });
    case 'presenting':
      return { kind: 'open-scoring', presenter: focus };
    case 'scoring':
      return { kind: 'close', presenter: focus, missing: missingJudges(ix, focus) };
    case 'closed':
      // a reveal takes the projector: not in the middle of someone else's talk or scoring
      return unlessBusy(ix, { type: 'turn:reveal', presenter: focus }, { kind: 'reveal', presenter: focus, other: false });
    case 'revealed':
    case 'skipped':
      return afterFinished(ix, focus);
  }
}

/** Revealed turns whose corrected score the projector has not shown yet, in running order: the host owes a re-reveal. */
export function owedReveals(ix: SnapshotIndex): string[] {
  return ix.order.filter((p) => ix.turn.get(p)?.correctionPending === true);
}

/** Does the projector lack a correction of this revealed turn? The server knows which sheets it showed. */
export function correctionPending(ix: SnapshotIndex, presenter: string): Correction {
  const turn = ix.turn.get(presenter);
  if (!turn || turn.phase !== 'revealed') return 'no';
  if (turn.reopened.length > 0) return 'reopened';
  return turn.correctionPending ? 'yes' : 'no';
}

export function secondaryActions(ix: SnapshotIndex, focus: string | null, step: Step): Secondary {
  const none: Secondary = { pause: false, resume: false, skip: null, undo: null, reReveal: null };
  if (focus === null) return none;
  const turn = ix.turn.get(focus);
  if (!turn) return none;
  const phase = turn.phase;
  const skip = phase === 'waiting' ? focus : step.kind === 'start' && step.next ? step.presenter : null;
  const undo =
    phase === 'presenting' || phase === 'scoring' || phase === 'skipped'
      ? { presenter: focus, from: phase, blocked: allows(ix, { type: 'turn:reset', presenter: focus }) ? null : turn.votes > 0 ? ('votes' as const) : ('sheets' as const) }
      : null;
  return {
    pause: phase === 'presenting' && allows(ix, { type: 'clock:pause' }),
    resume: phase === 'presenting' && allows(ix, { type: 'clock:resume' }),
    skip,
    undo,
    reReveal: phase === 'revealed' && allows(ix, { type: 'turn:reveal', presenter: focus }) ? { presenter: focus, pending: correctionPending(ix, focus) } : null,
  };
}

/** The socket command a step sends, or null when the step is not a command. */
export function stepCommand(step: Step): { event: 'turn:start' | 'turn:open-scoring' | 'turn:close' | 'turn:reveal'; presenter: string } | { event: 'awards:reveal-next' } | null {
  switch (step.kind) {
    case 'start':
      return { event: 'turn:start', presenter: step.presenter };
    case 'open-scoring':
      return { event: 'turn:open-scoring', presenter: step.presenter };
    case 'close':
      return { event: 'turn:close', presenter: step.presenter };
    case 'reveal':
    case 'rereveal':
      return { event: 'turn:reveal', presenter: step.presenter };
    case 'awards':
      return { event: 'awards:reveal-next' };
    default:
      return null;
  }
}

/** m:ss (or h:mm:ss) of a duration, rounding the seconds down (or up, for a countdown); unsigned. */
export function formatDuration(ms: number, rounding: 'floor' | 'ceil' = 'floor'): string {
  const total = rounding === 'ceil' ? Math.ceil(Math.abs(ms) / 1000) : Math.floor(Math.abs(ms) / 1000);
  return clockDigits(total, { hours: true });
}

/**
 * Every presenter is decided (revealed or skipped): only then are the awards what they will be.
 * Before that the live ranking shows no award: one more presenter can move everyone's.
 */
export function everyTurnDecided(ix: SnapshotIndex): boolean {
  return ix.order.every((p) => DECIDED.has(phaseOf(ix, p)));
}

/**
 * How a judge's phone is doing, for the host. A locked screen drops the connection within a
 * ping time-out, so "not connected" is normal between talks: what matters is since when.
 */
export type Presence = { kind: 'online' } | { kind: 'left'; minutes: number } | { kind: 'never' };

export function judgePresence(judge: Pick<HostJudge, 'connected' | 'lastSeenAt'>, serverNow: number): Presence {
  if (judge.connected) return { kind: 'online' };
  if (judge.lastSeenAt === null) return { kind: 'never' };
  return { kind: 'left', minutes: Math.max(0, Math.floor((serverNow - judge.lastSeenAt) / 60_000)) };
}
