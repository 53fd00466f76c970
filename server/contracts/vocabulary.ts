/**
 * The words both sides of every contract use, declared once: the server, the client, the database
 * rows and the audit log all name a phase, a screen, a role or an action with these. Pure: no
 * imports, so the domain (server/domain/) may use it.
 */

/** Sent by a client in its handshake (`auth.protocol`) and by the server in every snapshot. Bump it when a change would break an older client. */
export const PROTOCOL_VERSION = 2;

/** Who a connection is: the host console, one judge's phone, the projector (each by its link's token), or a watcher in the hall (by the contest's public watch code). */
export type Role = 'host' | 'judge' | 'display' | 'audience';

/** Who wrote an audit entry: a link's role, the admin pages, or the server itself. */
export type ActorRole = 'admin' | Role | 'system';

/** A turn's phase, in the order a turn goes through them (skipped: the presenter did not appear, 弃权). */
export type TurnPhase = 'waiting' | 'presenting' | 'scoring' | 'closed' | 'revealed' | 'skipped';

/** What the projector shows. */
export const SCREENS = ['title', 'turn', 'ranking', 'awards'] as const;
export type Screen = (typeof SCREENS)[number];

/** Who entered a sheet: the judge on their phone, the host from a paper sheet (代录), or an imported contest file. */
export type EnteredBy = 'judge' | 'host' | 'import';

/**
 * Every action the audit log records, as the server writes it. The admin audit page has a label
 * for each (a record keyed by this union, so a new action cannot go unlabelled).
 */
export const AUDIT_ACTIONS = [
  'contest:create',
  'contest:update',
  'contest:lots',
  'judge:reissue-link',
  'watch:reissue-code',
  'watch:qr',
  'vote:entry-code',
  'turn:start',
  'turn:open-scoring',
  'turn:close',
  'turn:reveal',
  'turn:re-reveal',
  'turn:skip',
  'turn:reset',
  'clock:pause',
  'clock:resume',
  'sheet:submit',
  'sheet:correct',
  'sheet:reopen',
  'judge:excuse',
  'screen:show',
  'awards:reveal',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Why a command or a request was refused: the `code` of every `{ok: false, error}` answer, over HTTP and over sockets. */
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
  | 'voting_closed' // the audience vote on this presenter is not open (their turn is not in scoring), or the contest has none
  | 'voter_cap' // the contest already has as many voters as the server takes (AUDIENCE_VOTER_CAP)
  | 'entry_code' // the vote needs the entry code shown on the projector, and it was missing or wrong
  | 'no_voter' // the phone has no voter id yet: the watch page asks for one (POST /api/watch/:code/voter) and reconnects
  | 'internal';

/** Every code an answer can carry: the socket's (AckErrorCode) and a few that exist only over HTTP. */
export type ErrorCode =
  | AckErrorCode
  | 'invalid_contest_file' // a contest file that fails the schema or the rules
  | 'conflict'; // would contradict stored data
