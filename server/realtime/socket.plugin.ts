import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Server } from 'socket.io';
import { FailedAttempts } from '../auth/failed-attempts.ts';
import { LinkRevocations } from '../auth/link-revocations.ts';
import type { WatchCodeCache } from '../auth/watch-code-cache.ts';
import type { Database } from '../db/database.ts';
import type { ConnectionGuard } from '../http/connection-guard.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../contracts/socket.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { AudienceVotes } from '../services/audience-votes.service.ts';
import { VoteLimits } from './vote-limits.ts';
import { Broadcaster } from './broadcaster.ts';
import { joinCluster, type ClusterOptions } from './cluster.ts';
import { JudgePresences } from './presence.ts';
import { registerContestEvents } from './contest.socket.ts';
import { handshakeAuth, type LeitaiSocket } from './handshake.ts';
import { rooms } from './rooms.ts';

export interface RealtimeDeps {
  db: Kysely<Database>;
  live: LiveContests;
  votes: AudienceVotes;
  /** the contest each audience code opens (also asked by the audience's voter-id route) */
  watchCodes: WatchCodeCache;
  /** told of each authenticated connection, whose WebSocket is then never closed as waiting */
  connections: Pick<ConnectionGuard, 'live'>;
  /** behind a reverse proxy (TRUST_PROXY) */
  trustProxy: boolean;
  /** join the other server processes on this Postgres (null: this process is alone) */
  cluster: Pick<ClusterOptions, 'databaseUrl' | 'timeoutMs'> | null;
}

/**
 * Socket.IO on Fastify's own HTTP server (fastify-socket.io targets Fastify 4). Each connection is
 * authenticated at the handshake, joins its contest's rooms, gets a snapshot at once, and from
 * then on one after every committed change.
 */
export interface SocketServer {
  io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
  /** after a judge's link was revoked (reissued, or the judge removed) and that committed: the phones using it are closed */
  judgeLinkRevoked(contestId: string, judgeKey: string): void;
  /** after the contest's watch code was reissued and that committed: the phones watching with the old one are closed */
  watchCodeRevoked(contestId: string): void;
}

export function attachSocketServer(app: FastifyInstance, { db, live, votes, watchCodes, connections, trustProxy, cluster }: RealtimeDeps): SocketServer {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(app.server, {
    serveClient: false,
    // the largest legitimate message is a sheet of a few hundred bytes
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 8_000,
    // a connection that has not completed its handshake by then is closed (default 45 s)
    connectTimeout: 10_000,
  });
  const presence = new JudgePresences();
  const broadcaster = new Broadcaster(io, live, presence);
  const revocations = new LinkRevocations(db);
  /** a watch code was reissued and that committed: its phones here are closed, and its old code opens nothing here from now on */
  const forgetWatchCode = (contestId: string) => {
    watchCodes.revoked(contestId);
    revocations.revoked(contestId);
    io.local.in(rooms.audience(contestId)).disconnectSockets(true);
  };
  const peers = cluster
    ? joinCluster(io, live, {
        ...cluster,
        db,
        votes,
        presence,
        hostsChanged: (contestId) => broadcaster.schedule(contestId, 'host'),
        watchCodeRevoked: forgetWatchCode,
        warn: (detail, message) => app.log.warn(detail, message),
        info: (message) => app.log.info(message),
      })
    : null;
  live.onChange((contestId) => broadcaster.schedule(contestId));
  // vote counts go to the projector, the host and the audience, never to the judges
  votes.onChange((contestId) => broadcaster.schedule(contestId, 'votes'));
  const voteLimits = new VoteLimits();
  /** judge room → the socket holding that judge's seat in this process */
  const seated = new Map<string, LeitaiSocket>();

  // 20 wrong tokens a minute from one address, then that address waits out the minute
  io.use(handshakeAuth({ db, revocations, watchCodes, failures: new FailedAttempts(20, 60), trustProxy, log: (message) => app.log.warn(message) }));
  io.on('connection', (socket: LeitaiSocket) => void connect(socket));

  /** Closes the socket when its link was revoked since its grant was read (a database that does not answer counts as revoked: the phone reconnects). */
  async function closeIfRevoked(socket: LeitaiSocket, refusal?: () => void): Promise<boolean> {
    if (await revocations.inForce(socket.data).catch(() => false)) return false;
    app.log.warn({ contest: socket.data.contestId, role: socket.data.role, judge: socket.data.judgeKey }, 'closed a connection whose link was revoked');
    refusal?.();
    socket.disconnect(true);
    return true;
  }

  async function connect(socket: LeitaiSocket): Promise<void> {
    const { contestId, role, judgeKey } = socket.data;
    // engine.io types its session id as private; it is the `sid` of every request of the session
    connections.live(socket.conn, (socket.conn as unknown as { id: string }).id);
    registerContestEvents(socket, { live, votes, voteLimits, snapshotFor: (s) => broadcaster.snapshotFor(s), closeIfRevoked, log: app.log });
    // a judge also joins its seat's room
    const seat = role === 'judge' ? rooms.judge(contestId, judgeKey!) : null;
    const room = { host: rooms.hosts, display: rooms.displays, audience: rooms.audience, judge: rooms.judges }[role](contestId);
    await socket.join(seat ? [seat, room] : [room]);
    // Joined first, checked second: a revocation from now on finds this socket in its room, and one
    // that committed while the handshake was reading the grant is seen here.
    if ((await closeIfRevoked(socket)) || socket.disconnected) return;
    if (seat) {
      // One device per judge: the connection that got here last takes the seat (decided without an
      // await, so two phones connecting at once cannot close each other), the holder is told and closed.
      const holder = seated.get(seat);
      if (holder && holder !== socket && holder.connected) {
        holder.emit('session:replaced');
        holder.disconnect(true);
        broadcaster.judgeSeatMoved(socket);
      }
      seated.set(seat, socket);
      broadcaster.judgeConnected(socket);
      socket.on('disconnect', () => {
        if (seated.get(seat) === socket) seated.delete(seat);
        broadcaster.judgeDisconnected(socket);
      });
    }
    try {
      if (role === 'audience') await broadcaster.greetAudience(socket);
      else socket.emit('state:snapshot', await broadcaster.snapshotFor(socket));
    } catch (error) {
      // The database may be down: the client keeps what it shows, marked stale, and asks again.
      app.log.warn({ err: error, contest: contestId }, 'could not send the first snapshot');
    }
  }

  app.addHook('preClose', (done) => {
    io.local.disconnectSockets(true);
    done();
  });
  app.addHook('onClose', async () => {
    // Fastify closes the HTTP server itself; only the Socket.IO side is closed here.
    io.engine.close();
    await peers?.close();
  });
  return {
    io,
    judgeLinkRevoked(contestId, judgeKey) {
      revocations.revoked(contestId);
      io.in(rooms.judge(contestId, judgeKey)).disconnectSockets(true);
    },
    watchCodeRevoked(contestId) {
      forgetWatchCode(contestId);
      peers?.watchCodeRevoked(contestId);
    },
  };
}
