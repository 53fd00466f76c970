import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Key, Reason } from './schemas/common.schema.ts';

/**
 * The Socket.IO protocol between the server and every client (judge phone, host console,
 * projector, or a third party's overlay). The client imports this module too, so an event or a
 * payload is declared once. docs/protocol.md explains it in prose.
 *
 * Conventions:
 * - events are `entity:verb`; every client → server event takes a payload (possibly {}) and an
 *   acknowledgement callback answered with an AckResult;
 * - numbers that are scores travel as decimal strings ("18.5", "87.30"), never as floats;
 * - after any (re)connect the server sends `state:snapshot`, the whole state as this client's role
 *   may see it, with a `version`; clients keep the highest version and never merge.
 */

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------- payload schemas (client → server)

/** a decimal as a JSON number or as text ("18.5") */
const DecimalValue = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d{1,9}(\\.\\d{1,9})?$' })]);
const Items = Type.Record(Key, DecimalValue, { maxProperties: 50, additionalProperties: false });
const SubmissionId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'client-generated, unique per sheet; a retry sends the same one' });
const TurnsVersion = Type.Integer({ minimum: 0, description: 'the turnsVersion of the snapshot the command was made against' });

const strict = { additionalProperties: false } as const;

export const PayloadSchemas = {
  'contest:sync': Type.Object({}, strict),
  'turn:start': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'turn:open-scoring': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'turn:close': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'turn:reveal': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'turn:skip': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'turn:reset': Type.Object({ presenter: Key, turnsVersion: TurnsVersion }, strict),
  'clock:pause': Type.Object({ turnsVersion: TurnsVersion }, strict),
  'clock:resume': Type.Object({ turnsVersion: TurnsVersion }, strict),
  'sheet:reopen': Type.Object({ presenter: Key, judge: Key, reason: Reason, turnsVersion: TurnsVersion }, strict),
  'judge:excuse': Type.Object({ presenter: Key, judge: Key, reason: Reason, turnsVersion: TurnsVersion }, strict),
  'sheet:submit': Type.Object({ presenter: Key, items: Items, submissionId: SubmissionId }, strict),
  'sheet:enter': Type.Object({ presenter: Key, judge: Key, items: Items, submissionId: SubmissionId }, strict),
  'screen:show': Type.Object(
    { screen: Type.Union([Type.Literal('title'), Type.Literal('turn'), Type.Literal('ranking'), Type.Literal('awards')]), turnsVersion: TurnsVersion },
    strict,
  ),
  'awards:reveal-next': Type.Object({ turnsVersion: TurnsVersion }, strict),
} satisfies Record<string, TSchema>;

export type CommandEvent = keyof typeof PayloadSchemas;
export type Payload<E extends CommandEvent> = Static<(typeof PayloadSchemas)[E]>;

/** Who may send what. The server refuses anything else with `forbidden`. */
export const EVENT_ROLES: Record<CommandEvent, ReadonlyArray<Role>> = {
  'contest:sync': ['host', 'judge', 'display'],
  'turn:start': ['host'],
  'turn:open-scoring': ['host'],
  'turn:close': ['host'],
  'turn:reveal': ['host'],
  'turn:skip': ['host'],
  'turn:reset': ['host'],
  'clock:pause': ['host'],
  'clock:resume': ['host'],
  'sheet:reopen': ['host'],
  'judge:excuse': ['host'],
  'sheet:submit': ['judge'],
  'sheet:enter': ['host'],
  'screen:show': ['host'],
  'awards:reveal-next': ['host'],
};

// ---------------------------------------------------------------- acknowledgements

export type AckErrorCode =
  | 'invalid_input' // the payload does not match the schema
  | 'unauthorized'
  | 'forbidden' // this role may not send this event
  | 'not_found' // no such presenter or judge
  | 'stale_version' // turnsVersion is not the current one: someone else moved first
  | 'invalid_transition' // the turn is not in a phase where this can happen
  | 'turn_not_open' // the turn is not taking sheets
  | 'already_submitted' // this judge's sheet is in; only a host reopen allows another
  | 'recused' // the judge is recused (回避) from this presenter
  | 'out_of_range' // an item outside 0..max, off its step, missing or unknown
  | 'submission_conflict' // this submissionId was used before with a different sheet
  | 'not_finished' // awards before every turn is decided
  | 'correction_pending' // the ranking or the awards while a revealed turn has a correction not revealed again
  | 'db_unavailable' // not saved: the database did not answer; send the same submission again
  | 'rate_limited' // this connection sent too many events; nothing was done, send it again in a moment
  | 'internal';

export interface AckError {
  code: AckErrorCode;
  message: string;
}

export type AckResult<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

/** What a stored sheet's acknowledgement says. Sent only after the sheet is committed. */
export interface SheetReceipt {
  sheetId: string;
  presenter: string;
  judge: string;
  total: string;
  /** true when this submissionId had already been stored: nothing new was stored */
  duplicate: boolean;
  /** epoch ms the sheet was stored */
  at: number;
  /** the contest's version once this sheet is in: the first snapshot with at least this version includes it */
  version: number;
}

// ---------------------------------------------------------------- snapshots (server → client)

export type Role = 'host' | 'judge' | 'display';
export type TurnPhase = 'waiting' | 'presenting' | 'scoring' | 'closed' | 'revealed' | 'skipped';
export type Screen = 'title' | 'turn' | 'ranking' | 'awards';

export interface ContestInfo {
  id: string;
  title: string;
  decimals: number;
  timeLimitSeconds: number | null;
}

export interface CriterionInfo {
  key: string;
  name: string;
  max: string;
  step: string;
}

export interface PanelInfo {
  key: string;
  name: string;
  weight: string;
  dropHighest: number;
  dropLowest: number;
  judgeCount: number;
}

export interface PresenterInfo {
  key: string;
  name: string;
  unit: string;
  topic: string;
  /** 1-based position in the running order */
  position: number;
}

export interface ClockInfo {
  /** server epoch ms when the clock last started; null while stopped */
  runningSince: number | null;
  elapsedMs: number;
  limitMs: number | null;
}

export interface PanelProgress {
  panel: string;
  submitted: number;
  expected: number;
}

export interface RevealedTotal {
  /** the judge's seat in the panel, 1-based (the display shows seats, not names) */
  seat: number;
  total: string;
  dropped: 'highest' | 'lowest' | null;
  /** this sheet replaced an earlier one (已更正) */
  corrected: boolean;
}

/** A seat of the panel with no total in the reveal, and why. */
export interface UnscoredSeat {
  seat: number;
  /** recused: 回避 (known before the contest); absent: 缺席 (marked by the host); missing: no sheet (incomplete) */
  reason: 'recused' | 'absent' | 'missing';
}

export interface RevealedPanel {
  panel: string;
  score: string | null;
  totals: RevealedTotal[];
  /** the panel's other seats, in seat order: every seat of the panel is in `totals` or here */
  unscored: UnscoredSeat[];
}

export interface Reveal {
  presenter: string;
  panels: RevealedPanel[];
  final: string | null;
  rank: number | null;
  /** 1 at the first reveal; more after a correction was revealed again */
  count: number;
}

export interface RankingRow {
  presenter: string;
  rank: number | null;
  final: string | null;
  award: string | null;
  complete: boolean;
}

export interface AwardLevel {
  name: string;
  presenters: Array<{ presenter: string; rank: number; final: string }>;
}

/** What the projector shows, and what the host sees of it. Only revealed values are in it. */
export interface Board {
  screen: Screen;
  current: string | null;
  currentPhase: TurnPhase | null;
  clock: ClockInfo | null;
  progress: PanelProgress[];
  reveal: Reveal | null;
  ranking: RankingRow[];
  /** the award levels revealed so far (whatever the screen), lowest first; empty until the first is revealed */
  awards: AwardLevel[];
  revealedCount: number;
}

interface SnapshotBase {
  protocol: number;
  version: number;
  /** server epoch ms when the snapshot was made: clients correct their clock with it */
  serverNow: number;
  contest: ContestInfo;
  criteria: CriterionInfo[];
  panels: PanelInfo[];
}

export interface DisplaySnapshot extends SnapshotBase {
  role: 'display';
  presenters: PresenterInfo[];
  board: Board;
}

export interface JudgePresenter extends PresenterInfo {
  phase: TurnPhase;
  /** this judge is recused (回避) from this presenter */
  recused: boolean;
  /** the host marked this judge absent (缺席) for this presenter */
  absent: boolean;
  /** this judge may submit (or resubmit) a sheet for this presenter now */
  canSubmit: boolean;
  /** set while the host has reopened this judge's sheet */
  reopenReason: string | null;
}

export interface OwnSheet {
  presenter: string;
  items: Record<string, string>;
  total: string;
  at: number;
  enteredBy: 'judge' | 'host' | 'import';
  corrected: boolean;
}

export interface JudgeSnapshot extends SnapshotBase {
  role: 'judge';
  judge: { key: string; name: string; panel: string };
  current: string | null;
  presenters: JudgePresenter[];
  /** this judge's own effective sheets, and nobody else's */
  sheets: OwnSheet[];
}

export interface HostTurn {
  presenter: string;
  phase: TurnPhase;
  clock: ClockInfo;
  reopened: Array<{ judge: string; reason: string }>;
  revealCount: number;
  /** revealed, and the sheets in force differ from those the projector showed: reveal again */
  correctionPending: boolean;
}

export interface HostSheet {
  id: string;
  presenter: string;
  judge: string;
  items: Record<string, string>;
  total: string;
  at: number;
  enteredBy: 'judge' | 'host' | 'import';
  corrected: boolean;
}

export interface HostResult {
  presenter: string;
  rank: number | null;
  final: string | null;
  award: string | null;
  complete: boolean;
  panels: Array<{ panel: string; score: string | null; submitted: number; expected: number }>;
}

/**
 * A judge as the host console sees them, with how their phone is doing. Presence is kept in the
 * server's memory: after a restart it starts again from "not seen".
 */
export interface HostJudge {
  key: string;
  name: string;
  panel: string;
  /** a phone holds this judge's seat now */
  connected: boolean;
  /**
   * server epoch ms of the last time a phone took or left the seat (while `connected`: when it
   * took it; else when the last phone went away, e.g. its screen locked); null when no phone has
   * held the seat since the server started
   */
  lastSeenAt: number | null;
  /** how many times since the server started the seat moved: the link opened on another device while one held it */
  seatMoves: number;
  /** server epoch ms of the last such move; null when there was none */
  seatMovedAt: number | null;
}

export interface HostSnapshot extends SnapshotBase {
  role: 'host';
  turnsVersion: number;
  /** recused: judges recused (回避); absent: judges the host marked absent (缺席); neither is expected to score */
  presenters: Array<PresenterInfo & { recused: string[]; absent: string[] }>;
  judges: HostJudge[];
  turns: HostTurn[];
  /** every effective sheet: the host sees values, to check and to correct */
  sheets: HostSheet[];
  /** the live results over every sheet in, revealed or not */
  results: HostResult[];
  /** what the projector shows now */
  board: Board;
  /** the award levels, highest first, as the rules list them */
  awardLevels: string[];
  /** how many of them have been revealed, counted from the lowest */
  awardsShown: number;
}

export type Snapshot = HostSnapshot | JudgeSnapshot | DisplaySnapshot;

// ---------------------------------------------------------------- Socket.IO generics

type Ack<T extends object = object> = (result: AckResult<T>) => void;
type Command<E extends CommandEvent, T extends object = { version: number }> = (payload: Payload<E>, ack: Ack<T>) => void;

export interface ClientToServerEvents {
  'contest:sync': Command<'contest:sync', { snapshot: Snapshot }>;
  'turn:start': Command<'turn:start'>;
  'turn:open-scoring': Command<'turn:open-scoring'>;
  'turn:close': Command<'turn:close'>;
  'turn:reveal': Command<'turn:reveal'>;
  'turn:skip': Command<'turn:skip'>;
  'turn:reset': Command<'turn:reset'>;
  'clock:pause': Command<'clock:pause'>;
  'clock:resume': Command<'clock:resume'>;
  'sheet:reopen': Command<'sheet:reopen'>;
  /** an absent judge is marked absent (缺席) for one presenter: not expected there, so the presenter can be complete */
  'judge:excuse': Command<'judge:excuse'>;
  'sheet:submit': Command<'sheet:submit', SheetReceipt>;
  'sheet:enter': Command<'sheet:enter', SheetReceipt>;
  'screen:show': Command<'screen:show'>;
  'awards:reveal-next': Command<'awards:reveal-next'>;
}

export interface ServerToClientEvents {
  'state:snapshot': (snapshot: Snapshot) => void;
  /** a judge's link was opened on another device, which now holds the seat; this one is disconnected */
  'session:replaced': () => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  contestId: string;
  role: Role;
  judgeKey: string | null;
  /** the SHA-256 of the link's token (server side only: the grant is checked again after a revocation) */
  tokenHash: string;
  /** the revocation sequence number from just before the grant was last read (server/auth/link-revocations.ts) */
  grantCheckedAt: number;
}

/** Handshake: `io(url, { auth: { token } })`. A refused handshake's error message is one of these. */
export const HANDSHAKE_ERRORS = {
  unauthorized: 'unauthorized: unknown or revoked token',
  rateLimited: 'rate_limited: too many attempts, wait a minute',
} as const;
