import pg from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudienceSnapshot, DisplaySnapshot, HostSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import type { WatchAnswer } from '../../server/contracts/admin-api.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import { hostSnapshot } from '../../server/domain/projections.ts';
import { LiveContests } from '../../server/services/live-contests.service.ts';
import { openVoter, withAudiencePanel, type Voter } from '../helpers/voters.ts';
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

/** the most different voters a contest takes on both processes (AUDIENCE_VOTER_CAP) */
const VOTER_CAP = 12;

const codeOf = (watchUrl: string): string => new URL(watchUrl).pathname.replace(/^\/watch\//, '');

/** What the console shows of the contest, apart from the moment (serverNow) and which process's phones are connected (presence). */
// `rev` names what a room was sent (protocol §4): a fresh load has none
const consoleView = (s: HostSnapshot) => ({ ...s, serverNow: 0, rev: null, judges: s.judges.map(({ key, name, panel }) => ({ key, name, panel })) });

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
    // LOG_LEVEL info: each process logs at its end how it caught up with the other's changes
    const env = { DATABASE_URL: database.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', AUDIENCE_VOTER_CAP: String(VOTER_CAP), LOG_LEVEL: 'info' };
    // one after the other: the first migrates the new database
    a = await startServer(env);
    b = await startServer(env);
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    // B ends as it would (A was killed by a test): it logs how it caught up with A's changes
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGTERM')]);
    for (const line of b?.output().split('\n') ?? []) if (line.includes('cluster: caught up')) console.log(`process B: ${JSON.parse(line).msg}`);
    await database?.drop();
  });

  /** the contest as a process that loads it now from the database holds it (a fresh load), as its console would show it */
  async function freshConsole(contestId: string): Promise<ReturnType<typeof consoleView>> {
    const handle = await openDatabase({ databaseUrl: database.url, dataDir: null });
    try {
      return consoleView(hostSnapshot(await new LiveContests(handle.db).view(contestId), new Map()));
    } finally {
      await handle.close();
    }
  }

  async function storedCounts(contestId: string): Promise<{ version: number; votes: number; voters: number }> {
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number; votes: string; voters: string }>(
        `select (select version from contest_live where contest_id = $1) as version,
                (select count(*) from audience_votes where contest_id = $1) as votes,
                (select count(distinct voter) from audience_votes where contest_id = $1) as voters`,
        [contestId],
      );
      return { version: rows[0]!.version, votes: Number(rows[0]!.votes), voters: Number(rows[0]!.voters) };
    } finally {
      await client.end();
    }
  }

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

  it('judges on both processes burst and hosts on both act: afterwards the console on each process shows what a fresh load of the contest shows', async () => {
    const contest: CreatedContest = await createContestOverApi(a.url, withAudiencePanel(BIG_CONTEST));
    const hosts = [await connect<HostSnapshot>(a, contest.hostUrl), await connect<HostSnapshot>(b, contest.hostUrl)];
    const judges = await Promise.all(contest.judges.map(async (judge, i) => ({ key: judge.key, ...(await connect(i % 2 === 0 ? a : b, judge.url)) })));
    const code = codeOf(contest.watchUrl);
    const phones = await Promise.all(Array.from({ length: 8 }, (_, i) => openVoter(i % 2 === 0 ? a.url : b.url, code)));
    for (const phone of phones) sockets.push(phone.socket);
    /** both consoles at the stored version and vote count: each has heard of every change */
    const settled = async () => {
      const stored = await storedCounts(contest.id);
      await waitFor(() => hosts.every((h) => h.snapshot().version === stored.version && h.snapshot().votes === stored.votes), 10_000);
    };
    const hostOn = (n: number) => hosts[n % 2]!;

    for (const [n, presenter] of ['p1', 'p2', 'p3'].entries()) {
      // the turn opened on one process, its sheets and votes from phones on both at once, revealed on the other
      await hostDo(hostOn(n), 'turn:start', { presenter });
      await hostDo(hostOn(n), 'turn:open-scoring', { presenter });
      await settled();
      // the hall votes first: the last judge's sheet closes the turn, and with it the vote
      const votes = await Promise.all(phones.map((phone, i) => phone.vote(presenter, 1 + ((i * 3 + n) % 10))));
      const sheets = await Promise.all(judges.map((j) => submit(j, presenter, itemsFor(presenter, j.key))));
      const refused = [...votes, ...sheets].filter((r) => !r.ok);
      expect(refused, JSON.stringify(refused)).toEqual([]);
      await settled();
      if (n === 1) {
        // a correction across processes: reopened on one, sent again from a phone on the other
        await hostDo(hostOn(n), 'sheet:reopen', { presenter, judge: 'e2', reason: '笔误' });
        await settled();
        const e2 = judges.find((j) => j.key === 'e2')!;
        expect(await submit(e2, presenter, { content: '41', delivery: '30' })).toMatchObject({ ok: true });
        await settled();
      }
      await hostDo(hostOn(n + 1), 'turn:reveal', { presenter });
    }
    await settled();
    const fresh = await freshConsole(contest.id);
    expect(fresh.sheets).toHaveLength(3 * contest.judges.length);
    for (const host of hosts) {
      const synced = await ack<{ snapshot: HostSnapshot }>(host.socket, 'contest:sync', {});
      expect(synced.ok).toBe(true);
      expect(consoleView((synced as { snapshot: HostSnapshot }).snapshot)).toEqual(fresh);
    }
  }, 120_000);

  it('while a turn is open the projector, the console and the phones on each process count the votes cast on both, and the count never goes back', async () => {
    const contest = await createContestOverApi(a.url, withAudiencePanel(SMALL_CONTEST));
    const host = await connect<HostSnapshot>(a, contest.hostUrl);
    const displays = [await connect<DisplaySnapshot>(a, contest.displayUrl), await connect<DisplaySnapshot>(b, contest.displayUrl)];
    const counts: number[][] = [[], []];
    displays.forEach((d, n) => d.socket.on('state:snapshot', (s) => void ((s as DisplaySnapshot).board.votes && counts[n]!.push((s as DisplaySnapshot).board.votes!.count))));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    const code = codeOf(contest.watchUrl);
    const onA: Voter[] = await Promise.all([0, 1, 2].map(() => openVoter(a.url, code)));
    const onB: Voter[] = await Promise.all([0, 1, 2, 3].map(() => openVoter(b.url, code)));
    for (const phone of [...onA, ...onB]) sockets.push(phone.socket);
    const shown = (s: DisplaySnapshot | AudienceSnapshot) => s.board.votes?.count ?? 0;
    const everywhere = (n: number) =>
      displays.every((d) => shown(d.snapshot()) === n) &&
      host.snapshot().turns.find((t) => t.presenter === 'p1')!.votes === n &&
      [...onA, ...onB].every((phone) => shown(phone.latest()) === n);

    // phones on A vote: the projector and the phones on B show them
    expect((await Promise.all(onA.map((phone, i) => phone.vote('p1', 8 + i)))).every((r) => r.ok)).toBe(true);
    await waitFor(() => everywhere(3), 10_000);
    // then phones on B: the console and the projector on A show them; a changed vote counts once
    expect((await Promise.all(onB.map((phone, i) => phone.vote('p1', 2 + i)))).every((r) => r.ok)).toBe(true);
    expect(await onA[0]!.vote('p1', 1)).toMatchObject({ ok: true });
    await waitFor(() => everywhere(7), 10_000);
    for (const seen of counts) expect(seen).toEqual([...seen].sort((x, y) => x - y));
  }, 60_000);

  it('the voter cap is exact across processes: phones on both voting at once, exactly AUDIENCE_VOTER_CAP voters are taken, and those keep voting', async () => {
    for (let round = 0; round < 3; round++) {
      const contest = await createContestOverApi(b.url, withAudiencePanel(SMALL_CONTEST));
      const host = await connect<HostSnapshot>(b, contest.hostUrl);
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      const code = codeOf(contest.watchUrl);
      const phones = await Promise.all(Array.from({ length: VOTER_CAP + 8 }, (_, i) => openVoter(i % 2 === 0 ? a.url : b.url, code)));
      for (const phone of phones) sockets.push(phone.socket);
      const answers = await Promise.all(phones.map((phone) => phone.vote('p1', 5)));
      const taken = phones.filter((_, i) => answers[i]!.ok);
      expect(taken, `round ${round}`).toHaveLength(VOTER_CAP);
      expect(answers.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(Array(8).fill('voter_cap'));
      // a voter the cap took may change the vote, on whichever process; one it refused is still refused
      expect(await taken[0]!.vote('p1', 9)).toMatchObject({ ok: true });
      const refused = phones.find((_, i) => !answers[i]!.ok)!;
      expect(await refused.vote('p1', 9)).toMatchObject({ ok: false, error: { code: 'voter_cap' } });
      expect(await storedCounts(contest.id)).toMatchObject({ voters: VOTER_CAP, votes: VOTER_CAP + 1 });
    }
  }, 120_000);

  it('the watch code reissued on A: B closes its phones watching with the old code and refuses that code at once, not when its cached copy runs out', async () => {
    const contest = await createContestOverApi(a.url);
    const oldCode = codeOf(contest.watchUrl);
    // a phone on B: B now holds the old code in memory
    const watching = await openVoter(b.url, oldCode);
    sockets.push(watching.socket);
    const closed = new Promise<string>((resolve) => watching.socket.once('disconnect', resolve));
    const answer = (await (await adminFetch(a.url, `/api/contests/${contest.id}/watch/reissue`, { method: 'POST' })).json()) as WatchAnswer;
    expect(await closed).toBe('io server disconnect');
    const handshake = (code: string) =>
      new Promise<string>((resolve) => {
        const socket: ClientSocket = connectSocket(b.url, { auth: { watch: code, protocol: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
        socket.once('connect_error', (error) => resolve(error.message));
        socket.once('state:snapshot', () => resolve('joined'));
        sockets.push(socket);
      });
    expect(await handshake(oldCode)).toMatch(/^unauthorized/);
    expect((await fetch(`${b.url}/api/watch/${oldCode}/voter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect(await handshake(codeOf(answer.watchUrl))).toBe('joined');
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
    /** `gate`: connected, the phone waits for it before sending (the phones sending as A dies) */
    const sendOnce = (url: string, token: string, sheet: object, gate?: { ready(): void; go: Promise<void> }): Promise<{ ok: boolean; error?: { code: string } } & SheetReceipt> =>
      new Promise((resolve, reject) => {
        const socket: ClientSocket = connectSocket(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        const fail = (why: unknown) => {
          socket.disconnect();
          reject(why);
        };
        socket.once('connect_error', fail);
        socket.once('disconnect', fail);
        const send = () =>
          (socket.timeout(10_000).emitWithAck as (e: string, p: unknown) => Promise<{ ok: boolean; error?: { code: string } } & SheetReceipt>)('sheet:submit', sheet).then((answer) => {
            socket.off('disconnect', fail);
            socket.disconnect();
            resolve(answer);
          }, fail);
        socket.once('state:snapshot', () => {
          if (!gate) return void send();
          gate.ready();
          void gate.go.then(send);
        });
      });
    // The last six phones connect to A and send their sheets all at once, the moment A is killed:
    // those are certainly on their way (A cannot commit and answer in between), whatever the
    // machine's load did to the timing of the others.
    const LAST = 6;
    let connectedToA = 0;
    let allConnected: () => void = () => undefined;
    const lastConnected = new Promise<void>((resolve) => (allConnected = resolve));
    let fire: () => void = () => undefined;
    const gate = { ready: () => ++connectedToA === LAST && allConnected(), go: new Promise<void>((resolve) => (fire = resolve)) };
    const sendFrom = async (judge: CreatedContest['judges'][number], urls: string[], first?: typeof gate): Promise<void> => {
      const sheet = { presenter: 'p1', items: itemsFor('p1', judge.key), submissionId: submissionId() };
      for (let attempt = 0; ; attempt++) {
        const answer = await sendOnce(urls[attempt % 2]!, tokenOf(judge.url), sheet, attempt === 0 ? first : undefined).catch(() => null);
        if (answer === null) {
          resent.add(judge.key);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (!answer.ok) throw new Error(`${judge.key}'s sheet was refused: ${JSON.stringify(answer.error)}`);
        acked.set(judge.key, answer);
        return;
      }
    };
    const early = contest.judges.slice(0, -LAST).map((judge, i) => sendFrom(judge, i % 2 === 0 ? [a.url, b.url] : [b.url, a.url]));
    const last = contest.judges.slice(-LAST).map((judge) => sendFrom(judge, [a.url, b.url], gate));
    await waitFor(() => acked.size >= 4);
    await lastConnected;
    fire();
    await gate.go; // the six sheets are written to their sockets (the gate's callbacks ran first)
    expect(a.child.kill('SIGKILL')).toBe(true);
    await Promise.all([...early, ...last]);

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
