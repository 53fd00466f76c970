import type { EnteredBy, Role, Screen, TurnPhase } from './vocabulary.ts';

/**
 * What the server sends: the snapshot each role may see (`state:snapshot`) and the receipt of a
 * stored sheet. Pure types, so the domain's projections (server/domain/projections.ts) build
 * them and the client reads them without either importing the other.
 */

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

/** What a stored audience vote's acknowledgement says. Sent only after the vote is committed. */
export interface VoteReceipt {
  voteId: string;
  presenter: string;
  /** the vote as stored, exact decimal text */
  value: string;
  /** true when this voteId had already been stored: nothing new was stored */
  duplicate: boolean;
  /** epoch ms the vote was stored */
  at: number;
  /** the contest's vote counter once this vote is in (the snapshots' `votes`) */
  votes: number;
}

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
  /** 'audience': the audience panel (大众评审), scored by votes, never by judges */
  kind: 'judges' | 'audience';
  /** the audience panel's vote scale (exact decimal text) and trim share; null for a judges' panel */
  audience: { min: string; max: string; step: string; trimPercent: number } | null;
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
  /** the audience panel: votes counted, trimmed from each end, kept (fixed once the turn closed); null for a judges' panel */
  votes: { counted: number; trimmed: { low: number; high: number }; kept: number } | null;
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
  /** the audience votes counted so far for the presenter being scored (scoring or closed); null without an audience panel or a turn in scoring */
  votes: { presenter: string; count: number } | null;
  reveal: Reveal | null;
  ranking: RankingRow[];
  /** the award levels revealed so far (whatever the screen), lowest first; empty until the first is revealed */
  awards: AwardLevel[];
  revealedCount: number;
}

interface SnapshotBase {
  protocol: number;
  version: number;
  /**
   * the name of this state as the server sent it to the client's room: the next `state:patch`
   * to that room has it as `from`. null: a snapshot made for this client alone, which no patch
   * is made from (the page asks `contest:sync` at the next patch that is newer).
   */
  rev: string | null;
  /** server epoch ms when the snapshot was made: clients correct their clock with it */
  serverNow: number;
  contest: ContestInfo;
  criteria: CriterionInfo[];
  panels: PanelInfo[];
}

/**
 * `votes` on the display's, the audience's and the host's snapshot: how many audience votes the
 * contest has stored. A vote does not move `version` (it never takes the judges' lock); a page
 * keeps the snapshot with the highest (version, votes), compared in that order.
 */
interface VoteCounter {
  votes: number;
}

export interface DisplaySnapshot extends SnapshotBase, VoteCounter {
  role: 'display';
  presenters: PresenterInfo[];
  board: Board;
  /**
   * the audience page's code, while the projector is to show its QR and short address (on the
   * title, presenting and ranking views); null when the admin turned that off
   */
  watch: { code: string } | null;
  /** the audience vote's entry code, for the projector's scoring view; null when there is none. Never sent to the audience. */
  entryCode: string | null;
}

/**
 * What a watcher's phone gets (/watch/<code>): the projector's snapshot without the watch code it
 * already knows. Never more than the display's at the same version: the phone shows what the
 * hall sees on the projector, on a smaller screen.
 */
export interface AudienceSnapshot extends SnapshotBase, VoteCounter {
  role: 'audience';
  presenters: PresenterInfo[];
  board: Board;
  /** a vote must carry the entry code shown on the projector */
  entryCodeRequired: boolean;
}

/**
 * One change of a `StatePatch`, at `path` (field names from the snapshot's top; a path never goes
 * into a list). `set`: the value there is replaced by this one, whole. Otherwise the value there is
 * a list: at index `at`, `remove` entries are taken out and the entries of `insert` put in their
 * place (Array.prototype.splice).
 */
export type PatchChange = { path: string[]; set: unknown } | { path: string[]; at: number; remove: number; insert: unknown[] };

/**
 * `state:patch`, to every role: the change from the snapshot the server last sent this client's
 * room (named `from`, its `rev`) to the next one (named `rev`). A page holding the snapshot named
 * `from` makes the next one with `changes`, then takes `version`, `votes` (only for the roles whose
 * snapshots carry it), `serverNow` and `rev` from the patch (server/domain/state-patch.ts:
 * applyPatch); one holding anything else ignores it when it is older, else asks `contest:sync`
 * (docs/protocol.md §4).
 */
export interface StatePatch {
  from: string;
  rev: string;
  version: number;
  votes?: number;
  serverNow: number;
  changes: PatchChange[];
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
  enteredBy: EnteredBy;
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
  /** audience votes that count for this presenter (one per voter) */
  votes: number;
}

export interface HostSheet {
  id: string;
  presenter: string;
  judge: string;
  items: Record<string, string>;
  total: string;
  at: number;
  enteredBy: EnteredBy;
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

/**
 * A host command the server would accept now (HostSnapshot.allowed): the turn, clock, screen and
 * award commands. Sheet commands (reopen, excuse, a paper sheet) name a judge too and are not listed.
 */
export type HostAction =
  | { type: 'turn:start' | 'turn:open-scoring' | 'turn:close' | 'turn:reveal' | 'turn:skip' | 'turn:reset'; presenter: string }
  | { type: 'clock:pause' | 'clock:resume' | 'awards:reveal-next' }
  | { type: 'screen:show'; screen: Screen };

export interface HostSnapshot extends SnapshotBase, VoteCounter {
  role: 'host';
  turnsVersion: number;
  /**
   * the host commands the server would accept now, decided by the same guards as the commands
   * themselves (server/domain/live/decide.ts), so the console offers exactly what will work
   */
  allowed: HostAction[];
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

export type Snapshot = HostSnapshot | JudgeSnapshot | DisplaySnapshot | AudienceSnapshot;
