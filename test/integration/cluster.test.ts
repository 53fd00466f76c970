import pg from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisplaySnapshot, HostSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import type { ClientSocket } from '../helpers/app.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { ack, adminFetch, createContestOverApi, hostDo, itemsFor, SMALL_CONTEST, submissionId, submit, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { listContests } from '../../server/db/contests.repository.ts';
import { migrateToLatest } from '../../server/db/migrator.ts';
import { loadDemoIfEmpty } from '../../server/startup.ts';
import { adminClient, createEmptyPostgresDatabase } from '../helpers/databases.ts';
import { connectAs, type Connection } from '../helpers/security.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * Two real server processes (A and B, two ports) on one Postgres, joined through the Socket.IO
 * Postgres adapter (server/realtime/cluster.ts), as behind a load balancer: whatever process a
 * phone, the console or the projector is connected to, it sees every change, and commands on one
 * contest are decided one at a time across both.
 */

const postgres = process.env.TEST_DATABASE_URL;

/** 40 evaluation judges besides the 4 main ones: enough phones for a burst */
const BIG_CONTEST = {
  ...SMALL_CONTEST,
  judges: [
    ...SMALL_CONTEST.judges.filter((j: { panel: string }) => j.panel === 'main'),
    ...Array.from({ length: 40 }, (_, i) => ({ key: `e${i + 1}`, name: `测评${i + 1}`, panel: 'eval' })),
  ],
  presenters: SMALL_CONTEST.presenters.map((p: { recused?: string[] }) => ({ ...p, recused: [] })),
};

const submitted = (s: DisplaySnapshot): number => s.board.progress.reduce((n, p) => n + p.submitted, 0);

describe.skipIf(!postgres)('two server processes on one Postgres (needs TEST_DATABASE_URL: PGlite is one process only)', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: ClientSocket[] = [];
  const connect = async <S extends DisplaySnapshot | HostSnapshot>(server: ServerProcess, url: string): Promise<Connection<S>> => {
    const connection = await connectAs<S>(server.url, tokenOf(url));
    sockets.push(connection.socket);
    return connection;
  };

  beforeAll(async () => {
    database = await createEmptyPostgresDatabase();
    const env = { DATABASE_URL: database.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' };
    // one after the other: the first migrates the new database
    a = await startServer(env);
    b = await startServer(env);
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await database?.drop();
  });

  it('a judge on process A submits and the projector on process B shows it; a judge on B can score the turn A opened', async () => {
    const contest = await createContestOverApi(a.url);
    const host = await connect<HostSnapshot>(a, contest.hostUrl);
    const display = await connect<DisplaySnapshot>(b, contest.displayUrl);
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await waitFor(() => display.snapshot().board.currentPhase === 'presenting');
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    await waitFor(() => display.snapshot().board.currentPhase === 'scoring');

    const m1 = await connectAs(a.url, tokenOf(contest.judges.find((j) => j.key === 'm1')!.url));
    sockets.push(m1.socket);
    expect(await submit(m1, 'p1', itemsFor('p1', 'm1'))).toMatchObject({ ok: true });
    await waitFor(() => submitted(display.snapshot()) === 1);

    const m2 = await connectAs(b.url, tokenOf(contest.judges.find((j) => j.key === 'm2')!.url));
    sockets.push(m2.socket);
    expect(await submit(m2, 'p1', itemsFor('p1', 'm2'))).toMatchObject({ ok: true });
    await waitFor(() => submitted(display.snapshot()) === 2 && host.snapshot().sheets.length === 2);

    // the console on A sees the judges' phones on both processes, and the one on B leave
    const phone = (key: string) => host.snapshot().judges.find((j) => j.key === key)!;
    await waitFor(() => phone('m1').connected && phone('m2').connected);
    m2.socket.disconnect();
    await waitFor(() => !phone('m2').connected && phone('m2').lastSeenAt !== null);
    expect(phone('m1').connected).toBe(true);
  });

  it('an admin edit on process A reaches the host console on process B', async () => {
    const contest = await createContestOverApi(a.url);
    const host = await connect<HostSnapshot>(b, contest.hostUrl);
    const detail = (await (await adminFetch(a.url, `/api/contests/${contest.id}`)).json()) as { file: { title: string } };
    const saved = await adminFetch(a.url, `/api/contests/${contest.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...detail.file, title: '改过的标题（A）' }),
    });
    expect(saved.status).toBe(200);
    await waitFor(() => host.snapshot().contest.title === '改过的标题（A）');
  });

  it('hosts on A and on B press the next step at the same moment: each time exactly one step is taken, the other console is refused', async () => {
    const contest = await createContestOverApi(a.url);
    const hosts = [await connect<HostSnapshot>(a, contest.hostUrl), await connect<HostSnapshot>(b, contest.hostUrl)];
    const steps: Array<[string, string]> = [];
    for (const presenter of ['p1', 'p2', 'p3']) steps.push(['turn:start', presenter], ['turn:open-scoring', presenter], ['turn:close', presenter]);
    for (const [event, presenter] of steps) {
      const before = hosts[0]!.snapshot().turnsVersion;
      expect(hosts[1]!.snapshot().turnsVersion).toBe(before);
      const answers = await Promise.all(hosts.map((h) => ack(h.socket, event, { presenter, turnsVersion: before })));
      const accepted = answers.filter((r) => r.ok);
      expect(accepted, `${event} ${presenter}: ${JSON.stringify(answers)}`).toHaveLength(1);
      const refused = answers.find((r) => !r.ok) as { ok: false; error: { code: string; message: string } };
      expect(refused.error.code).toBe('stale_version');
      // both consoles then show the step that was taken, and nothing else was done
      await waitFor(() => hosts.every((h) => h.snapshot().turnsVersion === before + 1));
    }
    expect(hosts[1]!.snapshot().turns.slice(0, 3).map((t) => t.phase)).toEqual(['closed', 'closed', 'closed']);
  });

  it('keeps the projector on B up to date when the LISTEN connections are cut (what was notified meanwhile never arrives)', async () => {
    const contest = await createContestOverApi(a.url);
    const host = await connect<HostSnapshot>(a, contest.hostUrl);
    const display = await connect<DisplaySnapshot>(b, contest.displayUrl);
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await waitFor(() => display.snapshot().board.currentPhase === 'presenting');
    const admin = adminClient();
    await admin.connect();
    const listeners = `from pg_stat_activity where datname = '${new URL(database.url).pathname.slice(1)}' and application_name = 'leitai-cluster' and query ilike 'listen%'`;
    const bothListen = async () => {
      const deadline = Date.now() + 10_000;
      for (let n = 0; n < 2; ) {
        expect(Date.now(), 'both processes LISTEN again within 10 s').toBeLessThan(deadline);
        n = Number((await admin.query<{ n: string }>(`select count(*) as n ${listeners}`)).rows[0]!.n);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      // three times, and each process listens again after: a LISTEN connection that dies again
      // and again must not use up the adapter's pool (of three)
      for (const [event, phase] of [['turn:open-scoring', 'scoring'], ['turn:close', 'closed'], ['turn:reveal', 'revealed']] as const) {
        await bothListen();
        await admin.query(`select pg_terminate_backend(pid) ${listeners}`);
        await hostDo(host, event, { presenter: 'p1' });
        await waitFor(() => display.snapshot().board.currentPhase === phase, 10_000);
      }
      await bothListen();
    } finally {
      await admin.end();
    }
  });

  it('process A is killed in the middle of a burst of sheets: its phones go on with B and every sheet is stored exactly once', async () => {
    const contest: CreatedContest = await createContestOverApi(a.url, BIG_CONTEST);
    const host = await connect<HostSnapshot>(b, contest.hostUrl);
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });

    // Each phone knows both addresses, as a load balancer would send it to either, and keeps its
    // sheet (with its submission id) until the server acknowledged it, as the judge page does:
    // after a lost connection or no answer, it sends the same sheet again through the next address.
    const acked = new Map<string, SheetReceipt>();
    /** phones whose sheet was on its way when its process died, and went again through the other */
    const resent = new Set<string>();
    const sendOnce = (url: string, token: string, sheet: object): Promise<{ ok: boolean; error?: { code: string } } & SheetReceipt> =>
      new Promise((resolve, reject) => {
        const socket: ClientSocket = connectSocket(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        const fail = (why: unknown) => {
          socket.disconnect();
          reject(why);
        };
        socket.once('connect_error', fail);
        socket.once('disconnect', fail);
        socket.once('state:snapshot', () => {
          (socket.timeout(10_000).emitWithAck as (e: string, p: unknown) => Promise<{ ok: boolean; error?: { code: string } } & SheetReceipt>)('sheet:submit', sheet).then((answer) => {
            socket.off('disconnect', fail);
            socket.disconnect();
            resolve(answer);
          }, fail);
        });
      });
    const phones = contest.judges.map(async (judge, i) => {
      const sheet = { presenter: 'p1', items: itemsFor('p1', judge.key), submissionId: submissionId() };
      const urls = i % 2 === 0 ? [a.url, b.url] : [b.url, a.url];
      for (let attempt = 0; ; attempt++) {
        const answer = await sendOnce(urls[attempt % 2]!, tokenOf(judge.url), sheet).catch(() => null);
        if (answer === null) {
          resent.add(judge.key);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (!answer.ok) throw new Error(`${judge.key}'s sheet was refused: ${JSON.stringify(answer.error)}`);
        acked.set(judge.key, answer);
        return;
      }
    });
    await waitFor(() => acked.size >= 4);
    expect(a.child.kill('SIGKILL')).toBe(true);
    await Promise.all(phones);

    expect([...acked.keys()].sort()).toEqual(contest.judges.map((j) => j.key).sort());
    expect(resent.size, 'phones cut off in the middle of their send').toBeGreaterThan(0);
    // what the database holds: one sheet per judge, the very one each phone was acknowledged
    const stored = new pg.Client({ connectionString: database.url });
    stored.on('error', () => undefined);
    await stored.connect();
    try {
      const { rows } = await stored.query<{ id: string; judge_key: string }>(`select id::text, judge_key from score_sheets where contest_id = $1 and presenter_key = 'p1'`, [contest.id]);
      expect(rows.map((r) => [r.judge_key, r.id]).sort()).toEqual([...acked].map(([judge, receipt]) => [judge, receipt.sheetId]).sort());
    } finally {
      await stored.end();
    }
    await waitFor(() => host.snapshot().sheets.length === contest.judges.length);
  }, 60_000);
});

describe.skipIf(!postgres)('several server processes starting at once on an empty Postgres (needs TEST_DATABASE_URL)', () => {
  it('load the demo contest once, as when `docker compose up --scale app=3` starts them together', async () => {
    const database = await createEmptyPostgresDatabase();
    // three processes' connections, each asking "is it empty?" at the same moment
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: database.url, dataDir: null })));
    try {
      await migrateToLatest(handles[0]!.db);
      const ids = await Promise.all(handles.map((h) => loadDemoIfEmpty(h.db, 'link-secret-for-tests', true)));
      expect(ids.filter((id) => id !== null)).toHaveLength(1);
      expect(await listContests(handles[0]!.db)).toHaveLength(1);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await database.drop();
    }
  });
});
