import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Server } from 'socket.io';
import { FailedAttempts } from '../auth/failed-attempts.ts';
import type { Database } from '../db/database.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../protocol.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import { Broadcaster } from './broadcaster.ts';
import { registerContestEvents } from './contest.socket.ts';
import { handshakeAuth, type LeitaiSocket } from './handshake.ts';
import { rooms } from './rooms.ts';

export interface RealtimeDeps {
  db: Kysely<Database>;
  live: LiveContests;
}

/**
 * Socket.IO on Fastify's own HTTP server (fastify-socket.io targets Fastify 4). Each connection is
 * authenticated at the handshake, joins its contest's rooms, gets a snapshot at once, and from
 * then on one after every committed change.
 */
export function attachSocketServer(app: FastifyInstance, { db, live }: RealtimeDeps): Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(app.server, {
    serveClient: false,
    // the largest legitimate message is a sheet of a few hundred bytes
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 8_000,
  });
  const broadcaster = new Broadcaster(io, live);
  live.onChange((contestId) => broadcaster.schedule(contestId));

  // 20 wrong tokens a minute from one address, then that address waits out the minute
  io.use(handshakeAuth(db, new FailedAttempts(20, 60), (message) => app.log.warn(message)));
  io.on('connection', (socket: LeitaiSocket) => void connect(socket));

  async function connect(socket: LeitaiSocket): Promise<void> {
    const { contestId, role, judgeKey } = socket.data;
    registerContestEvents(socket, { live, snapshotFor: (s) => broadcaster.snapshotFor(s), log: app.log });
    if (role === 'judge') {
      // One device per judge: the newest connection takes the seat, the others are told and closed.
      const room = rooms.judge(contestId, judgeKey!);
      const others = await io.in(room).fetchSockets();
      for (const other of others) {
        other.emit('session:replaced');
        other.disconnect(true);
      }
      if (others.length > 0) broadcaster.judgeSeatMoved(socket);
      await socket.join([room, rooms.judges(contestId)]);
      broadcaster.judgeConnected(socket);
      socket.on('disconnect', () => broadcaster.judgeDisconnected(socket));
    } else {
      await socket.join(role === 'host' ? rooms.hosts(contestId) : rooms.displays(contestId));
    }
    try {
      socket.emit('state:snapshot', await broadcaster.snapshotFor(socket));
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
  });
  return io;
}
