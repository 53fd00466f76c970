import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostSnapshot, Snapshot, StatePatch } from '../../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { ack, createContestOverApi, itemsFor, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { follow, type SnapshotFollower } from '../helpers/snapshot-follower.ts';

/**
 * Every page after its first snapshot gets `state:patch` (docs/protocol.md §4). Through a whole
 * contest (sheets, a reopened sheet and its correction, an absent judge, reveals, the ranking and
 * the awards, phones reconnecting), what each host, display and judge page shows, patches
 * applied, is what `contest:sync` answers at that moment; a page that loses patches asks again
 * and ends the same.
 */

interface Page {
  name: string;
  socket: ClientSocket;
  follower: SnapshotFollower<Snapshot>;
  /** loses patches: every third, from the second on */
  flaky: boolean;
}

const lossy = (_patch: StatePatch, index: number) => index % 3 === 1;

function open(url: string, token: string, name: string, drop?: typeof lossy): Promise<Page> {
  const socket: ClientSocket = connectSocket(url, { auth: { token, protocol: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
  const follower = follow<Snapshot>(socket, drop);
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('state:snapshot', () => resolve({ name, socket, follower, flaky: drop !== undefined }));
  });
}

/** the snapshot the page shows, less the clock (a sync's answer is made later) */
const shown = (s: Snapshot) => ({ ...s, serverNow: 0 });

describeEachDatabase('state patches to every page', (ctx) => {
  let server: RunningTestServer;
  let run: CreatedContest;
  const pages: Page[] = [];
  let host: Page;

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    run = await createContestOverApi(server.url);
    host = await open(server.url, tokenOf(run.hostUrl), 'host');
    pages.push(host);
    pages.push(await open(server.url, tokenOf(run.hostUrl), 'host (lossy)', lossy));
    pages.push(await open(server.url, tokenOf(run.displayUrl), 'display'));
    pages.push(await open(server.url, tokenOf(run.displayUrl), 'display (lossy)', lossy));
    for (const j of run.judges) pages.push(await open(server.url, tokenOf(j.url), `judge ${j.key}`, j.key === 'e1' ? lossy : undefined));
  });
  afterAll(async () => {
    for (const page of pages) page.socket.disconnect();
    await server.close();
  });

  const judge = (key: string) => pages.find((p) => p.name === `judge ${key}`)!;
  const latestHost = () => host.follower.latest() as HostSnapshot;

  /** every page shows what contest:sync answers it (asked until it does, a few seconds at most) */
  async function everyPageIsCurrent(step: string): Promise<void> {
    for (const page of pages) {
      // a lost patch is noticed at the next one: until then the page shows what it had
      if (page.flaky && lossy(page.follower.patches.at(-1)!, page.follower.patches.length - 1)) continue;
      let answer: Snapshot | null = null;
      const deadline = Date.now() + 5000;
      for (;;) {
        const sync = await ack<{ snapshot: Snapshot }>(page.socket, 'contest:sync', {});
        if (!sync.ok) throw new Error(`${page.name}: contest:sync refused: ${sync.error.code}`);
        answer = sync.snapshot;
        if (JSON.stringify(shown(page.follower.latest())) === JSON.stringify(shown(answer)) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(shown(page.follower.latest()), `${page.name} after ${step}`).toEqual(shown(answer));
    }
  }

  async function hostDo(event: string, payload: Record<string, unknown> = {}): Promise<void> {
    const answer = await ack(host.socket, event, { ...payload, turnsVersion: latestHost().turnsVersion });
    if (!answer.ok) throw new Error(`${event} refused: ${answer.error.code}: ${answer.error.message}`);
    await waitFor(() => latestHost().version >= (answer as { version: number }).version);
    await everyPageIsCurrent(`${event} ${JSON.stringify(payload)}`);
  }

  async function sheet(presenter: string, judgeKey: string, items = itemsFor(presenter, judgeKey)): Promise<void> {
    const answer = await ack(judge(judgeKey).socket, 'sheet:submit', { presenter, items, submissionId: submissionId() });
    expect(answer, `${judgeKey} on ${presenter}`).toMatchObject({ ok: true });
    await waitFor(() => latestHost().version >= (answer as { version: number }).version);
    await everyPageIsCurrent(`${judgeKey}'s sheet on ${presenter}`);
  }

  it('through a whole contest every page shows, patches applied, what contest:sync answers; the lossy ones ask again', async () => {
    const before = JSON.stringify(latestHost()).length;
    for (const [n, presenter] of ['p1', 'p2', 'p3'].entries()) {
      await hostDo('turn:start', { presenter });
      await hostDo('turn:open-scoring', { presenter });
      if (presenter === 'p2') await hostDo('judge:excuse', { presenter, judge: 'm4', reason: '临时有事' });
      for (const j of run.judges) {
        if (presenter === 'p2' && (j.key === 'm4' || j.key === 'e3')) continue; // absent; recused
        await sheet(presenter, j.key);
      }
      if (n === 0) {
        // a reopened sheet and its correction, after the turn closed by itself
        await hostDo('sheet:reopen', { presenter, judge: 'm2', reason: '填错了' });
        await sheet(presenter, 'm2', { content: '41', delivery: '22' });
      }
      await hostDo('turn:reveal', { presenter });
      if (n === 1) {
        // a judge's phone goes and comes back: the console shows it, the new phone gets the snapshot the room holds
        const m1 = judge('m1');
        m1.socket.disconnect();
        await waitFor(() => latestHost().judges.find((j) => j.key === 'm1')!.connected === false);
        pages.splice(pages.indexOf(m1), 1, await open(server.url, tokenOf(run.judges.find((j) => j.key === 'm1')!.url), 'judge m1'));
        await waitFor(() => latestHost().judges.find((j) => j.key === 'm1')!.connected);
        await everyPageIsCurrent('m1 reconnected');
      }
    }
    await hostDo('screen:show', { screen: 'ranking' });
    for (const p of ['p4', 'p5']) await hostDo('turn:skip', { presenter: p });
    await hostDo('awards:reveal-next');
    await hostDo('awards:reveal-next');

    // the patches were what went: the steady pages never had to ask, the lossy ones did and caught up
    for (const page of pages) {
      if (page.name === 'judge m1') continue; // reconnected: a fresh page
      expect(page.follower.patches.length, page.name).toBeGreaterThan(3);
      if (page.flaky) expect(page.follower.resyncs(), page.name).toBeGreaterThan(0);
      else expect(page.follower.resyncs(), page.name).toBe(0);
      // never an older state
      const order = page.follower.frames.map((f) => f.version);
      expect(order, page.name).toEqual([...order].sort((a, b) => a - b));
    }
    const patches = host.follower.patches.map((p) => JSON.stringify(p).length);
    const whole = JSON.stringify(latestHost()).length;
    console.log(`host console: ${patches.length} patches, ${Math.round(patches.reduce((a, b) => a + b, 0) / patches.length)} bytes on average (largest ${Math.max(...patches)}); the whole snapshot ${before} bytes at the start, ${whole} at the end`);
  }, 120_000);
});
