/**
 * The bare baseline `npm run bench` measures Leitai against: Fastify 5 + Socket.IO 4 on the same
 * database (Postgres, or PGlite in DATA_DIR opened exactly as Leitai opens it, flushed after each
 * commit), taking the same handshake shape and `sheet:submit` payload, storing each sheet with one
 * INSERT, acking after the commit and emitting a small message to the display and audience rooms.
 * No state machine, no projections, no pacing, no audit: what is left is the floor any design pays.
 *
 * Tokens are not checked against anything: `judge-<key>` is that judge, anything else a display;
 * `{ watch }` joins the audience. Env: PORT, DATABASE_URL or DATA_DIR.
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { Server } from 'socket.io';
import { openDatabase } from '../server/db/connection.ts';

const handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL ?? null, dataDir: process.env.DATA_DIR ?? null });
await sql`create table if not exists bench_sheets (
  id bigserial primary key,
  submission_id text not null unique,
  judge text not null,
  presenter text not null,
  items jsonb not null,
  at timestamptz not null default now()
)`.execute(handle.db);

const app = Fastify();
// the same engine settings as Leitai's (server/realtime/socket.plugin.ts)
const io = new Server(app.server, { serveClient: false, maxHttpBufferSize: 64 * 1024, pingInterval: 10_000, pingTimeout: 8_000, connectTimeout: 10_000 });

io.use((socket, next) => {
  const auth = socket.handshake.auth as { token?: unknown; watch?: unknown };
  if (typeof auth.watch === 'string') socket.data.role = 'audience';
  else if (typeof auth.token === 'string') socket.data.role = auth.token.startsWith('judge-') ? 'judge' : 'display';
  else return next(new Error('unauthorized: no token'));
  socket.data.judge = socket.data.role === 'judge' ? (auth.token as string).slice('judge-'.length) : null;
  next();
});

/** goes up by one with every stored sheet, like Leitai's contest version */
let version = 0;

io.on('connection', (socket) => {
  const role = socket.data.role as 'judge' | 'display' | 'audience';
  if (role !== 'judge') void socket.join(role);
  socket.emit('state:snapshot', { version });
  socket.on('sheet:submit', async (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') return;
    const { presenter, items, submissionId } = (payload ?? {}) as { presenter?: unknown; items?: unknown; submissionId?: unknown };
    if (role !== 'judge' || typeof presenter !== 'string' || typeof submissionId !== 'string' || typeof items !== 'object' || items === null) {
      ack({ ok: false, error: { code: 'invalid_input', message: 'bad sheet' } });
      return;
    }
    try {
      await sql`insert into bench_sheets (submission_id, judge, presenter, items) values (${submissionId}, ${socket.data.judge as string}, ${presenter}, ${JSON.stringify(items)})`.execute(handle.db);
    } catch (error) {
      ack({ ok: false, error: { code: 'internal', message: (error as Error).message } });
      return;
    }
    version += 1;
    ack({ ok: true, version });
    io.to('display').emit('state:snapshot', { version });
    io.to('audience').emit('state:snapshot', { version });
  });
});

await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' });
console.log(`baseline is ready · database: ${handle.kind}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => handle.close())
      .then(() => process.exit(0));
  });
}
