import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, hostDo, itemsFor, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * A reissued judge link stops working even when the old link is in the middle of its handshake
 * while the reissue commits: a socket opened with the old link is closed, and nothing it sends
 * after the reissue answered is accepted. Raced in a loop: the handshake and the reissue start
 * together, shifted by a few milliseconds each round.
 */

const ROUNDS = 30;
const PHONES = 8;

describeEachDatabase('a reissued link under a race', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    contest = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
  });
  afterAll(() => server.close());

  it(`never lets an old link store or stay connected once the reissue answered (${ROUNDS} rounds)`, async () => {
    const current = new Map(contest.judges.map((j) => [j.key, tokenOf(j.url)]));
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const judge = contest.judges[round % contest.judges.length]!.key;
      const oldToken = current.get(judge)!;
      // phones with the old link, their handshakes spread over the time the reissue takes; each
      // sends its sheet the moment it is connected
      const phones = Array.from({ length: PHONES }, (_, i) => oldLinkPhone(oldToken, judge, i, `127.1.${round}.${i + 1}`));
      await new Promise((resolve) => setTimeout(resolve, round % 3));
      const response = await adminFetch(server.url, `/api/contests/${contest.id}/judges/${judge}/reissue`, { method: 'POST' });
      expect(response.status).toBe(200);
      current.set(judge, tokenOf(((await response.json()) as { url: string }).url));

      // The reissue has answered: whatever the old link sends from now on is refused, and no
      // socket opened with it stays connected.
      await Promise.all(
        phones.map(async (phone) => {
          // refused at the handshake, or closed by the reissue: it can send nothing more
          if (!(await phone.settled) || !phone.socket.connected) return;
          const late = (await phone.socket
            .timeout(1500)
            .emitWithAck('sheet:submit', { presenter: 'p1', items: itemsFor('p1', judge), submissionId: submissionId() })
            .catch(() => null)) as AckResult<SheetReceipt> | null;
          if (late?.ok) problems.push(`round ${round}: a sheet was stored through the revoked link of ${judge}`);
          else if (late && late.error.code !== 'unauthorized') problems.push(`round ${round}: the revoked link of ${judge} was answered ${late.error.code}, not unauthorized`);
          const closed = await waitFor(() => !phone.socket.connected, 1500).then(
            () => true,
            () => false,
          );
          if (!closed) problems.push(`round ${round}: a socket with the revoked link of ${judge} was still connected 1.5 s after the reissue answered`);
        }),
      );
      for (const phone of phones) phone.socket.disconnect();
    }
    expect(problems).toEqual([]);
    // and the new links work
    const fresh = await server.connect(current.get('m1')!);
    expect(fresh.snapshot()).toMatchObject({ role: 'judge', judge: { key: 'm1' } });
  }, 120_000);

  it('stores nothing through a link that another server process reissued (that process cannot close the phone, its transaction check refuses)', async () => {
    const other = await startTestServer(ctx.handle);
    try {
      const fresh = await createContestOverApi(server.url);
      const host = await server.connect<HostSnapshot>(tokenOf(fresh.hostUrl));
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      const phone = await server.connect(tokenOf(fresh.judges[0]!.url));
      const response = await adminFetch(other.url, `/api/contests/${fresh.id}/judges/m1/reissue`, { method: 'POST' });
      expect(response.status).toBe(200);
      const answer = await phone.socket.emitWithAck('sheet:submit', { presenter: 'p1', items: itemsFor('p1', 'm1'), submissionId: submissionId() });
      expect(answer).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(await ctx.db.selectFrom('score_sheets').select('id').where('contest_id', '=', fresh.id).execute()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  /**
   * A phone opening the old link after `delayMs`; `settled` says whether it ever connected. Each
   * comes from its own loopback address, as phones on the venue Wi-Fi do (a refused link counts
   * against its address).
   */
  function oldLinkPhone(token: string, judge: string, delayMs: number, address: string): { socket: ClientSocket; settled: Promise<boolean> } {
    const socket: ClientSocket = connectSocket(server.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false, localAddress: address } as Parameters<typeof connectSocket>[1]);
    socket.on('connect', () => socket.emit('sheet:submit', { presenter: 'p1', items: itemsFor('p1', judge), submissionId: submissionId() }, () => undefined));
    const settled = new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    });
    setTimeout(() => socket.connect(), delayMs);
    return { socket, settled };
  }
});
