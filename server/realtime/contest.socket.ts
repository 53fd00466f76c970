import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Exact } from '../domain/exact.ts';
import type { Actor, LiveCommand } from '../domain/live/commands.ts';
import { LINK_REVOKED } from '../auth/link-revocations.ts';
import { AppError } from '../errors.ts';
import type { Snapshot } from '../contracts/snapshots.ts';
import { type AckResult, type CommandEvent, EVENT_ROLES, type Payload, PayloadSchemas } from '../contracts/socket.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { AudienceVotes } from '../services/audience-votes.service.ts';
import type { VoteReceipt } from '../contracts/snapshots.ts';
import type { VoteLimits } from './vote-limits.ts';
import { ackError } from './acks.ts';
import { EVENT_LIMITS, EventBudget } from './event-budget.ts';
import type { LeitaiSocket } from './handshake.ts';

/**
 * The socket events of a contest: validate → service → ack. Broadcasting happens in
 * broadcaster.ts when the service reports a committed change. Nothing a client sends can throw
 * out of a handler: every path ends in an ack.
 */

const checks = Object.fromEntries(Object.entries(PayloadSchemas).map(([event, schema]) => [event, TypeCompiler.Compile(schema as TSchema)])) as {
  [E in CommandEvent]: TypeCheck<(typeof PayloadSchemas)[E]>;
};

function validPayload<E extends CommandEvent>(event: E, payload: unknown): Payload<E> {
  const check = checks[event] as TypeCheck<TSchema>;
  if (check.Check(payload)) return payload as Payload<E>;
  const first = check.Errors(payload).First();
  const where = first?.path ? first.path.slice(1).replace(/\//g, '.') : 'payload';
  throw new AppError('invalid_input', `${event}: ${where || 'payload'}: ${first?.message ?? 'invalid'}`);
}

/** Item values as exact decimals; a value that is not an exact decimal is refused, naming the criterion. */
function exactItems(items: Record<string, number | string>): Record<string, Exact> {
  // no prototype: a key can only ever be data (the schema already refuses reserved names)
  const exact: Record<string, Exact> = Object.create(null);
  for (const [key, value] of Object.entries(items)) {
    const parsed = typeof value === 'number' ? Exact.tryFromJsonNumber(value) : Exact.tryParse(value);
    if (parsed === null) throw new AppError('out_of_range', `criterion ${key}: ${String(value)} is not an exact decimal`);
    exact[key] = parsed;
  }
  return exact;
}

/** A command as the state machine takes it, with what the service checks before deciding it. */
type CommandRequest = { actor: Actor; command: LiveCommand; turnsVersion?: number; submissionId?: string };

/** From a validated payload to the domain's command, with the actor the socket's role makes it. */
function commandRequest(socket: LeitaiSocket, event: Exclude<CommandEvent, 'contest:sync' | 'vote:cast'>, payload: Payload<CommandEvent>): CommandRequest {
  const host: Actor = { role: 'host' };
  const p = payload as Record<string, unknown> & { turnsVersion?: number };
  switch (event) {
    case 'turn:start':
    case 'turn:open-scoring':
    case 'turn:close':
    case 'turn:reveal':
    case 'turn:skip':
    case 'turn:reset':
      return { actor: host, command: { type: event, presenter: p.presenter as string }, turnsVersion: p.turnsVersion };
    case 'clock:pause':
    case 'clock:resume':
    case 'awards:reveal-next':
      return { actor: host, command: { type: event }, turnsVersion: p.turnsVersion };
    case 'screen:show':
      return { actor: host, command: { type: event, screen: (payload as Payload<'screen:show'>).screen }, turnsVersion: p.turnsVersion };
    case 'sheet:reopen': {
      const { presenter, judge, reason } = payload as Payload<'sheet:reopen'>;
      return { actor: host, command: { type: 'sheet:reopen', presenter, judge, reason }, turnsVersion: p.turnsVersion };
    }
    case 'judge:excuse': {
      const { presenter, judge, reason } = payload as Payload<'judge:excuse'>;
      return { actor: host, command: { type: 'judge:excuse', presenter, judge, reason }, turnsVersion: p.turnsVersion };
    }
    case 'sheet:submit': {
      const { presenter, items, submissionId } = payload as Payload<'sheet:submit'>;
      const judge = socket.data.judgeKey!;
      return { actor: { role: 'judge', judge }, command: { type: 'sheet:submit', presenter, judge, items: exactItems(items) }, submissionId };
    }
    case 'sheet:enter': {
      const { presenter, judge, items, submissionId } = payload as Payload<'sheet:enter'>;
      return { actor: host, command: { type: 'sheet:submit', presenter, judge, items: exactItems(items) }, submissionId };
    }
  }
}

export interface ContestSocketDeps {
  live: LiveContests;
  votes: AudienceVotes;
  voteLimits: VoteLimits;
  snapshotFor(socket: LeitaiSocket): Promise<Snapshot>;
  /** true (the refusal sent, then the socket closed) when its link was revoked */
  closeIfRevoked(socket: LeitaiSocket, refusal: () => void): Promise<boolean>;
  log: { warn(obj: object, message: string): void };
}

const RATE_LIMITED = ackError(
  new AppError('rate_limited', `too many messages from this connection (at most ${EVENT_LIMITS.perSecond} a second); nothing was done, wait a moment and send it again`),
);

/** An audience vote: its own path, never the contest's command queue (audience-votes.service.ts). */
async function castVote(socket: LeitaiSocket, payload: Payload<'vote:cast'>, deps: ContestSocketDeps): Promise<VoteReceipt> {
  const voter = socket.data.voter;
  if (!voter) throw new AppError('no_voter', 'this phone has no voter id: the watch page gets one from POST /api/watch/:code/voter, then reconnects');
  const value = typeof payload.value === 'number' ? Exact.tryFromJsonNumber(payload.value) : Exact.tryParse(payload.value);
  if (value === null) throw new AppError('out_of_range', `the vote ${String(payload.value)} is not an exact decimal`);
  await deps.voteLimits.take(voter, socket.data.address ?? socket.handshake.address);
  return deps.votes.cast(socket.data.contestId, voter, { presenter: payload.presenter, value, voteId: payload.voteId, entryCode: payload.entryCode });
}

export function registerContestEvents(socket: LeitaiSocket, deps: ContestSocketDeps): void {
  const budget = new EventBudget();
  for (const event of Object.keys(PayloadSchemas) as CommandEvent[]) {
    socket.on(event, async (...args: unknown[]) => {
      // The acknowledgement callback is the last argument, wherever the client put it; a client that
      // sends none gets no answer, but is still refused or served safely.
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (result: AckResult<object>) => void) : null;
      const reply = ack ?? (() => undefined);
      const verdict = budget.take();
      if (verdict !== 'allowed') {
        // refused before anything is parsed, checked or built
        reply(RATE_LIMITED);
        if (verdict === 'close' && socket.connected) {
          deps.log.warn({ role: socket.data.role, contest: socket.data.contestId, judge: socket.data.judgeKey, address: socket.handshake.address }, 'closed a connection that kept flooding events');
          socket.disconnect(true);
        }
        return;
      }
      const payload = args[0];
      try {
        if (args.length !== 1) throw new AppError('invalid_input', `${event}: send exactly one payload object and an acknowledgement callback`);
        if (!EVENT_ROLES[event].includes(socket.data.role)) {
          throw new AppError('forbidden', `${event} is not allowed for the ${socket.data.role} role`);
        }
        if (await deps.closeIfRevoked(socket, () => reply(ackError(new AppError('unauthorized', LINK_REVOKED))))) return;
        const valid = validPayload(event, payload);
        if (event === 'contest:sync') return reply({ ok: true, snapshot: await deps.snapshotFor(socket) } as AckResult<object>);
        if (event === 'vote:cast') return reply({ ok: true, ...(await castVote(socket, valid as Payload<'vote:cast'>, deps)) });
        const { actor, command, turnsVersion, submissionId } = commandRequest(socket, event, valid);
        const result = await deps.live.execute(socket.data.contestId, actor, command, { turnsVersion, submissionId, linkTokenHash: socket.data.tokenHash });
        reply({ ok: true, ...result });
      } catch (error) {
        const answer = ackError(error);
        if (!answer.ok && (answer.error.code === 'internal' || answer.error.code === 'db_unavailable')) {
          const cause = error instanceof AppError ? error.details?.cause : undefined;
          deps.log.warn({ event, role: socket.data.role, contest: socket.data.contestId, err: error, cause }, `socket command failed: ${answer.error.message}`);
        }
        reply(answer);
      }
    });
  }
}
