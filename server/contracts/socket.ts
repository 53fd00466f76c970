import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Key, Reason } from '../schemas/common.schema.ts';
import type { HostJudge, SheetReceipt, Snapshot, StatePatch, VoteReceipt } from './snapshots.ts';
import { PROTOCOL_VERSION, SCREENS, type AckErrorCode, type Role } from './vocabulary.ts';

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
 *   may see it, with a `version`; after that, `state:patch`, the change from the snapshot it holds
 *   (snapshots.ts StatePatch); clients keep the highest version.
 */

// ---------------------------------------------------------------- payload schemas (client → server)

/** a decimal as a JSON number or as text ("18.5") */
const DecimalValue = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d{1,9}(\\.\\d{1,9})?$' })]);
const Items = Type.Record(Key, DecimalValue, { maxProperties: 50, additionalProperties: false });
const SubmissionId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'client-generated, unique per sheet; a retry sends the same one' });
const VoteId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'client-generated, unique per vote; a retry sends the same one' });
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
    { screen: Type.Union(SCREENS.map((s) => Type.Literal(s))), turnsVersion: TurnsVersion },
    strict,
  ),
  'awards:reveal-next': Type.Object({ turnsVersion: TurnsVersion }, strict),
  /** an audience vote on a presenter being scored; entryCode when the projector shows one */
  'vote:cast': Type.Object({ presenter: Key, value: DecimalValue, voteId: VoteId, entryCode: Type.Optional(Type.String({ maxLength: 32 })) }, strict),
} satisfies Record<string, TSchema>;

export type CommandEvent = keyof typeof PayloadSchemas;
export type Payload<E extends CommandEvent> = Static<(typeof PayloadSchemas)[E]>;

/** Who may send what. The server refuses anything else with `forbidden`. */
export const EVENT_ROLES: Record<CommandEvent, ReadonlyArray<Role>> = {
  'contest:sync': ['host', 'judge', 'display', 'audience'],
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
  'vote:cast': ['audience'],
};

// ---------------------------------------------------------------- acknowledgements

export interface AckError {
  code: AckErrorCode;
  message: string;
}

export type AckResult<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

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
  'vote:cast': Command<'vote:cast', VoteReceipt>;
}

export interface ServerToClientEvents {
  'state:snapshot': (snapshot: Snapshot) => void;
  /** what changed since the snapshot last sent to this client's room (snapshots.ts StatePatch) */
  'state:patch': (patch: StatePatch) => void;
  /** a judge's link was opened on another device, which now holds the seat; this one is disconnected */
  'session:replaced': () => void;
}

/**
 * Between server processes on one Postgres (server/realtime/cluster.ts), never seen by a client:
 * a contest's version after a change committed there (null: its definition changed), so the
 * others reload it and send their own pages the new snapshot.
 */
export interface InterServerEvents {
  'contest:changed': (contestId: string, version: number | null) => void;
  /** the sending process stored audience votes of the contest (a few times a second at most): the others read the counts */
  'contest:votes': (contestId: string) => void;
  /** the sending process reissued the contest's watch code: the others forget the old one and close the phones watching with it */
  'watch:revoked': (contestId: string) => void;
  /**
   * the judges' phones connected to the sending process, per contest (sent on each change and every
   * few seconds: a process that stops sending is gone), so every host console sees them all
   */
  'judges:presence': (processId: string, reports: Record<string, Record<string, Pick<HostJudge, 'connected' | 'lastSeenAt' | 'seatMoves' | 'seatMovedAt'>>>) => void;
}

export interface SocketData {
  contestId: string;
  role: Role;
  judgeKey: string | null;
  /** the SHA-256 of the link's token (server side only: the grant is checked again after a revocation); '' for an audience socket, which has none */
  tokenHash: string;
  /** the watch code an audience socket joined with (checked again after a reissue); null for the other roles */
  watchCode: string | null;
  /** the revocation sequence number from just before the grant was last read (server/auth/link-revocations.ts) */
  grantCheckedAt: number;
  /** an audience socket's voter id in its contest (a digest of the phone's secret); null without one, and for the other roles */
  voter?: string | null;
  /** the client's address (behind TRUST_PROXY, the first of X-Forwarded-For): votes are rate-limited per address */
  address?: string;
  /** an audience socket was given its first snapshot: from then on the hall's paced sends include it (broadcaster.ts) */
  greeted?: boolean;
}

/**
 * Handshake: `io(url, { auth: { token, protocol: PROTOCOL_VERSION } })` (`protocol` may be left
 * out; a client that sends another version is refused); a watcher in the hall joins with the
 * contest's public code instead of a token, `auth: { watch: code, protocol }`, as the `audience`
 * role, with `voter` (the secret the watch page got from POST /api/watch/:code/voter and keeps in
 * local storage) in case the browser did not keep the httpOnly cookie `leitai_voter`. A refused
 * handshake's error message is one of these.
 */
export const HANDSHAKE_ERRORS = {
  unauthorized: 'unauthorized: unknown or revoked token',
  unknownWatchCode: 'unauthorized: unknown watch code (it may have been replaced by a new one)',
  outdatedClient: `outdated_client: this client speaks another protocol version than the server's (${PROTOCOL_VERSION}); reload the page`,
  rateLimited: 'rate_limited: too many attempts, wait a minute',
} as const;
