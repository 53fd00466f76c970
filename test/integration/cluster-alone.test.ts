import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { DisplaySnapshot, HostSnapshot } from '../../server/contracts/snapshots.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { createContestOverApi, hostDo, itemsFor, submit, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { createEmptyPostgresDatabase } from '../helpers/databases.ts';
import { connectAs, type Connection } from '../helpers/security.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * One server process on Postgres (most venues) has nobody to tell of its changes: it sends no
 * cluster news of the sheets and steps it takes (each was a NOTIFY that Postgres hands back to the
 * process itself). The moment a second process starts, the news goes out again, and that
 * process's pages follow the first one's changes.
 */

const postgres = process.env.TEST_DATABASE_URL;
/** the Socket.IO Postgres adapter's channel for the main namespace */
const CHANNEL = 'socket.io#/';

const submitted = (s: DisplaySnapshot): number => s.board.progress.reduce((n, p) => n + p.submitted, 0);

describe.skipIf(!postgres)('one server process alone on Postgres, then a second (needs TEST_DATABASE_URL)', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('sends no news of its commands while alone, and sends it once a second process has started', async () => {
    const database = await createEmptyPostgresDatabase();
    cleanups.push(() => database.drop());
    const env = { DATABASE_URL: database.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' };
    const a: ServerProcess = await startServer(env);
    cleanups.push(() => a.stop('SIGTERM'));

    // what the processes say to each other, as Postgres delivers it
    const listener = new pg.Client({ connectionString: database.url });
    listener.on('error', () => undefined);
    await listener.connect();
    cleanups.push(() => listener.end());
    const news: string[] = [];
    listener.on('notification', (n) => {
      if (n.payload?.includes('contest:changed')) news.push(n.payload);
    });
    await listener.query(`LISTEN "${CHANNEL}"`);

    const contest = await createContestOverApi(a.url);
    const judge = async (server: ServerProcess, key: string): Promise<Connection> => {
      const connection = await connectAs(server.url, tokenOf(contest.judges.find((j) => j.key === key)!.url));
      cleanups.push(() => void connection.socket.disconnect());
      return connection;
    };
    const host = await connectAs<HostSnapshot>(a.url, tokenOf(contest.hostUrl));
    cleanups.push(() => void host.socket.disconnect());
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    for (const key of ['m1', 'm2']) expect(await submit(await judge(a, key), 'p1', itemsFor('p1', key))).toMatchObject({ ok: true });
    // a little longer than the next turn of A's event loop, where news would be sent
    await new Promise((r) => setTimeout(r, 300));
    expect(news).toEqual([]);

    const b: ServerProcess = await startServer(env);
    cleanups.push(() => b.stop('SIGTERM'));
    const display = await connectAs<DisplaySnapshot>(b.url, tokenOf(contest.displayUrl));
    cleanups.push(() => void display.socket.disconnect());
    expect(submitted(display.snapshot())).toBe(2);

    // A heard of B when B started (its first heartbeat): A's next sheet is news, and B's projector shows it
    expect(await submit(await judge(a, 'm3'), 'p1', itemsFor('p1', 'm3'))).toMatchObject({ ok: true });
    await waitFor(() => news.length > 0);
    expect(news.some((payload) => payload.includes(contest.id))).toBe(true);
    await waitFor(() => submitted(display.snapshot()) === 3);
  });
});
