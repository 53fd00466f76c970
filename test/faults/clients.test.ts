import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DisplaySnapshot, HostSnapshot, JudgeSnapshot, SheetReceipt, Snapshot } from '../../server/contracts/snapshots.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { ack, createContestOverApi, hostDo, itemsFor, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { follow } from '../helpers/snapshot-follower.ts';
import { io as connectSocket } from 'socket.io-client';

/** Clients misbehaving the way real ones do: all dropping at once, sending the same sheet twice at once. */

describeEachDatabase('clients under stress', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  let host: { socket: ClientSocket; snapshot: () => HostSnapshot; next: () => Promise<HostSnapshot> };

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    contest = await createContestOverApi(server.url);
    host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
  });
  afterAll(() => server.close());

  it('a reconnect storm (every client dropped at once, all reconnecting while the contest moves on) ends with every client on the current state', async () => {
    // reconnecting clients, like the real pages: Socket.IO's own reconnection after a network loss.
    // Judge m1 is left out: its sheet comes through another phone below, and a judge's seat is held
    // by one phone at a time (a reconnecting m1 would take it back and cut that phone's answer off)
    const clients = [contest.hostUrl, contest.displayUrl, ...contest.judges.slice(1).map((j) => j.url)].map((url) => {
      const socket: ClientSocket = connectSocket(server.url, { auth: { token: tokenOf(url) }, transports: ['websocket'], forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 200 });
      const page = follow<Snapshot>(socket);
      return { socket, latest: () => page.frames.at(-1) ?? null };
    });
    /** what a snapshot shows, less its version and clock: a judge is sent nothing for another judge's sheet (protocol §4) */
    const shown = (s: Snapshot | null) => {
      if (!s) return null;
      const { version: _version, serverNow: _serverNow, ...rest } = s;
      return JSON.stringify(rest);
    };
    await waitFor(() => clients.every((c) => c.latest() !== null));
    // the network goes: every transport closes at the same moment
    for (const c of clients) c.socket.io.engine.close();
    // meanwhile two judges' sheets land through other connections and the contest changes
    const m1 = await server.connect<JudgeSnapshot>(tokenOf(contest.judges[0]!.url));
    expect((await ack<SheetReceipt>(m1.socket, 'sheet:submit', { presenter: 'p1', items: itemsFor('p1', 'm1'), submissionId: submissionId() })).ok).toBe(true);
    const current = async (socket: ClientSocket) => ((await ack<{ snapshot: Snapshot }>(socket, 'contest:sync', {})) as { snapshot: Snapshot }).snapshot;
    const version = (await current(host.socket)).version;
    // the host and the display end on the current version, every judge on what the server would send it now
    await waitFor(() => clients.every((c) => c.socket.connected && c.latest() !== null), 15_000);
    await waitFor(() => clients.slice(0, 2).every((c) => c.latest()!.version === version), 15_000);
    const deadline = Date.now() + 15_000;
    for (const c of clients) {
      let now = await current(c.socket);
      while (shown(c.latest()) !== shown(now) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        now = await current(c.socket);
      }
      expect(shown(c.latest())).toBe(shown(now));
      expect(c.latest()!.version).toBeLessThanOrEqual(version);
    }
    for (const c of clients) c.socket.disconnect();
  });

  it('the same submission sent twice at once (a double tap, a retry racing the first) stores one sheet, and both answers name it', async () => {
    const judge = await server.connect<JudgeSnapshot>(tokenOf(contest.judges[1]!.url));
    const id = submissionId();
    const payload = { presenter: 'p1', items: itemsFor('p1', 'm2'), submissionId: id };
    const [a, b] = await Promise.all([ack<SheetReceipt>(judge.socket, 'sheet:submit', payload), ack<SheetReceipt>(judge.socket, 'sheet:submit', payload)]);
    expect(a.ok && b.ok).toBe(true);
    const [first, second] = [a, b] as SheetReceipt[];
    expect(first!.sheetId).toBe(second!.sheetId);
    expect([first!.duplicate, second!.duplicate].sort()).toEqual([false, true]);
    expect(await ctx.db.selectFrom('score_sheets').select('id').where('submission_id', '=', id).execute()).toHaveLength(1);
  });

  it('the same submission id with different values is refused and stores nothing new', async () => {
    const judge = await server.connect<JudgeSnapshot>(tokenOf(contest.judges[2]!.url));
    const id = submissionId();
    const [a, b] = await Promise.all([
      ack(judge.socket, 'sheet:submit', { presenter: 'p1', items: { content: '50', delivery: '30' }, submissionId: id }),
      ack(judge.socket, 'sheet:submit', { presenter: 'p1', items: { content: '51', delivery: '30' }, submissionId: id }),
    ]);
    const codes = [a, b].map((r) => (r.ok ? 'ok' : r.error.code)).sort();
    expect(codes).toEqual(['ok', 'submission_conflict']);
    const rows = await ctx.db.selectFrom('score_sheets').select(['total']).where('submission_id', '=', id).execute();
    expect(rows).toHaveLength(1);
  });

  it('the display that was away sees the current board when it is back, never an older one', async () => {
    const display = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
    display.socket.io.engine.close();
    await hostDo(host, 'turn:close', { presenter: 'p1' });
    await hostDo(host, 'turn:reveal', { presenter: 'p1' });
    const fresh = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
    expect(fresh.snapshot().board.reveal?.presenter).toBe('p1');
    expect(fresh.snapshot().version).toBe(host.snapshot().version);
  });
});
