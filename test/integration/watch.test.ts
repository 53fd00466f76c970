import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LinksAnswer, WatchAnswer } from '../../server/contracts/admin-api.ts';
import type { StatePatch, AudienceSnapshot, DisplaySnapshot, HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { follow, type SnapshotFollower } from '../helpers/snapshot-follower.ts';
import { ack, adminFetch, createContestOverApi, hostDo, itemsFor, SMALL_CONTEST, submit, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { openVoter, withAudiencePanel } from '../helpers/voters.ts';

/**
 * The audience page's socket (/watch/<code>): a watcher joins with the contest's public code and
 * no token, may only ask for the state, is cut off when the code is reissued, and never receives
 * anything the projector did not show at the same version.
 */

interface Watcher extends SnapshotFollower<AudienceSnapshot> {
  socket: ClientSocket;
}

/** a phone on the audience page (test/helpers/snapshot-follower.ts), once its first snapshot is in; `drop` loses the patches it says */
function openWatcher(url: string, code: string, drop?: (patch: StatePatch, index: number) => boolean): Promise<Watcher> {
  const socket: ClientSocket = connectSocket(url, { auth: { watch: code, protocol: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
  const follower = follow<AudienceSnapshot>(socket, drop);
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
    socket.once('state:snapshot', () => resolve({ socket, ...follower }));
  });
}

const codeOf = (watchUrl: string): string => new URL(watchUrl).pathname.replace(/^\/watch\//, '');

async function links(url: string, id: string): Promise<LinksAnswer> {
  return (await (await adminFetch(url, `/api/contests/${id}/links`)).json()) as LinksAnswer;
}

/** what the display's frame shows, as an audience frame would carry it (each room's snapshots have their own names, `rev`) */
function asAudience(display: DisplaySnapshot): Omit<AudienceSnapshot, 'serverNow' | 'rev'> {
  const { role: _role, watch: _watch, entryCode, serverNow: _now, rev: _rev, ...shown } = display;
  return { ...shown, role: 'audience', entryCodeRequired: entryCode !== null };
}

/** counts the server's reads of the watch_codes table: what the phones of a hall cost the database */
class WatchCodeReads implements KyselyPlugin {
  count = 0;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    // the look-up by code (where code = …), not the projector's settings (by contest)
    if (node.kind === 'SelectQueryNode' && (JSON.stringify(node.from) ?? '').includes('"watch_codes"') && (JSON.stringify(node.where) ?? '').includes('"code"')) this.count++;
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

describeEachDatabase('the audience socket', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  const reads = new WatchCodeReads();
  beforeAll(async () => {
    server = await startTestServer({ ...ctx.handle, db: ctx.handle.db.withPlugin(reads) });
    contest = (await createContestOverApi(server.url))
  });
  afterAll(() => server.close());

  it('the links answer and the create answer carry watchUrl, a short public code built like the display link', async () => {
    expect(contest.watchUrl).toMatch(new RegExp(`^${server.url}/watch/[a-z2-9]{7}$`));
    const answer = await links(server.url, contest.id);
    expect(answer).toMatchObject({ ok: true, watchUrl: contest.watchUrl, watchQr: true });
    expect(new URL(answer.displayUrl).origin).toBe(new URL(answer.watchUrl).origin);
    // nothing of a token in it
    expect(answer.watchUrl).not.toContain(tokenOf(answer.displayUrl));
    expect(answer.watchUrl).not.toContain('#');
  });

  it('a watcher joins with the code and no token, and gets the projector’s state without the code', async () => {
    const watcher = await openWatcher(server.url, codeOf(contest.watchUrl));
    try {
      const first = watcher.latest();
      expect(first).toMatchObject({ role: 'audience', contest: { id: contest.id }, board: { screen: 'title' } });
      expect(first).not.toHaveProperty('watch');
      expect(JSON.stringify(first)).not.toMatch(/主评委甲|m1|token/);
      // upper case off a poster works too
      const shouting = await openWatcher(server.url, codeOf(contest.watchUrl).toUpperCase());
      shouting.socket.disconnect();
      const sync = await ack<{ snapshot: AudienceSnapshot }>(watcher.socket, 'contest:sync', {});
      expect(sync).toMatchObject({ ok: true, snapshot: { role: 'audience' } });
    } finally {
      watcher.socket.disconnect();
    }
  });

  it('an unknown code is refused like an unknown token', async () => {
    await expect(openWatcher(server.url, 'zzzzzzz')).rejects.toThrow(/^unauthorized/);
    await expect(openWatcher(server.url, '../../x')).rejects.toThrow(/^unauthorized/);
  });

  it('a watcher may send nothing but contest:sync', async () => {
    const watcher = await openWatcher(server.url, codeOf(contest.watchUrl));
    try {
      for (const [event, payload] of [
        ['turn:start', { presenter: 'p1', turnsVersion: 0 }],
        ['sheet:submit', { presenter: 'p1', items: { content: '1', delivery: '1' }, submissionId: 'abcdefgh12' }],
        ['screen:show', { screen: 'ranking', turnsVersion: 0 }],
      ] as const) {
        expect(await ack(watcher.socket, event, payload), event).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    } finally {
      watcher.socket.disconnect();
    }
  });

  it('the toggle hides the QR from the projector; the display gets it at once', async () => {
    const display = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
    try {
      expect(display.snapshot().watch).toEqual({ code: codeOf(contest.watchUrl) });
      const off = adminFetch(server.url, `/api/contests/${contest.id}/watch`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ showQr: false }) });
      expect(await (await off).json()).toMatchObject({ ok: true, watchQr: false, watchUrl: contest.watchUrl });
      await waitFor(() => display.snapshot().watch === null);
      const on = await adminFetch(server.url, `/api/contests/${contest.id}/watch`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ showQr: true }) });
      expect(on.status).toBe(200);
      await waitFor(() => display.snapshot().watch !== null);
      const bad = await adminFetch(server.url, `/api/contests/${contest.id}/watch`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ showQr: 'yes' }) });
      expect(bad.status).toBe(400);
    } finally {
      display.socket.disconnect();
    }
  });

  it('a hall of phones arriving at once (voter id, then the socket) costs one read of the code, not two per phone', async () => {
    const hall = await createContestOverApi(server.url);
    const before = reads.count;
    const phones = await Promise.all(Array.from({ length: 40 }, () => openVoter(server.url, codeOf(hall.watchUrl))));
    for (const phone of phones) phone.socket.disconnect();
    // a second read only if the machine took longer than the cache keeps a code (10 s)
    expect(reads.count - before).toBeGreaterThanOrEqual(1);
    expect(reads.count - before).toBeLessThanOrEqual(2);
  });

  it('reissuing the code disconnects the old code’s watchers at once, refuses the old code, and is audited', async () => {
    const oldCode = codeOf(contest.watchUrl);
    const watcher = await openWatcher(server.url, oldCode);
    const display = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
    const closed = new Promise<string>((resolve) => watcher.socket.once('disconnect', resolve));
    const response = await adminFetch(server.url, `/api/contests/${contest.id}/watch/reissue`, { method: 'POST' });
    const answer = (await response.json()) as WatchAnswer;
    expect(answer).toMatchObject({ ok: true, watchQr: true });
    const newCode = codeOf(answer.watchUrl);
    expect(newCode).not.toBe(oldCode);
    expect(await closed).toBe('io server disconnect');
    await expect(openWatcher(server.url, oldCode)).rejects.toThrow(/^unauthorized/);
    // and the page at the old address gets no voter id (it says the code was replaced)
    expect((await fetch(`${server.url}/api/watch/${oldCode}/voter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    const fresh = await openWatcher(server.url, newCode);
    fresh.socket.disconnect();
    await waitFor(() => display.snapshot().watch?.code === newCode);
    display.socket.disconnect();
    expect((await links(server.url, contest.id)).watchUrl).toBe(answer.watchUrl);
    const audit = (await (await adminFetch(server.url, `/api/contests/${contest.id}/audit`)).json()) as { entries: Array<{ action: string; actorRole: string }> };
    expect(audit.entries.filter((e) => e.action === 'watch:reissue-code')).toEqual([expect.objectContaining({ actorRole: 'admin' })]);
    contest = { ...contest, watchUrl: answer.watchUrl };
  });

  it('secrecy: through a whole contest with an audience vote, every frame a watcher receives is what the display showed at that version and vote count', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const display = await server.connect<DisplaySnapshot>(tokenOf(run.displayUrl));
    const displayFrames: DisplaySnapshot[] = [display.snapshot()];
    display.onFrame((s) => displayFrames.push(s));
    const watcher = await openWatcher(server.url, codeOf(run.watchUrl));
    const phones = await Promise.all(Array.from({ length: 5 }, () => openVoter(server.url, codeOf(run.watchUrl))));
    const judges: Record<string, { socket: ClientSocket; snapshot: () => JudgeSnapshot }> = {};
    for (const j of run.judges) judges[j.key] = await server.connect<JudgeSnapshot>(tokenOf(j.url));
    try {
      for (const presenter of ['p1', 'p2', 'p3', 'p4']) {
        await hostDo(host, 'turn:start', { presenter });
        await hostDo(host, 'turn:open-scoring', { presenter });
        // the hall votes (and changes its mind) while the judges score
        for (const [i, phone] of phones.entries()) expect(await phone.vote(presenter, ((i + presenter.length) % 10) + 1)).toMatchObject({ ok: true });
        expect(await phones[0]!.vote(presenter, 10)).toMatchObject({ ok: true });
        // the hall sees the count while the turn is open (sends are paced, a few a second: wait for one)
        await waitFor(() => watcher.latest().board.votes?.count === phones.length);
        const expected = Object.keys(judges).filter((key) => !(presenter === 'p2' && key === 'e3'));
        for (const key of expected) expect(await submit(judges[key]!, presenter, itemsFor(presenter, key))).toMatchObject({ ok: true });
        await waitFor(() => host.snapshot().turns.find((t) => t.presenter === presenter)!.phase === 'closed');
        await hostDo(host, 'turn:reveal', { presenter });
      }
      await hostDo(host, 'turn:skip', { presenter: 'p5' });
      await hostDo(host, 'screen:show', { screen: 'ranking' });
      for (let i = 0; i < 3; i++) await hostDo(host, 'awards:reveal-next');
      const final = host.snapshot().version;
      await waitFor(() => watcher.latest().version === final && displayFrames.at(-1)!.version === final);

      // the display is sent a frame whenever what it shows changes (not for a change that leaves it
      // as it was), and votes do not move the version: what it showed at a version and vote count
      // is its last frame at or below them
      const shownAt = (version: number, votes: number) => displayFrames.filter((f) => f.version < version || (f.version === version && f.votes <= votes)).at(-1);
      for (const frame of watcher.frames) {
        const shown = shownAt(frame.version, frame.votes);
        expect(shown, `the display had no frame at or before version ${frame.version} with ${frame.votes} votes`).toBeDefined();
        // the version itself may be newer: a change the projector shows nothing of moves it without a display frame
        const { serverNow: _now, version: _version, rev: _rev, ...audience } = frame;
        const { version: _shownVersion, ...expected } = asAudience(shown!);
        expect(audience).toEqual(expected);
      }
      // and every patch, the ones a phone would have ignored included, carried only what the display showed
      expect(watcher.patches.length).toBeGreaterThan(0);
      for (const patch of watcher.patches) {
        const shown = asAudience(shownAt(patch.version, patch.votes!)!) as Record<string, unknown>;
        for (const change of patch.changes) {
          const there = change.path.reduce<unknown>((v, field) => (v as Record<string, unknown>)[field], shown);
          if ('set' in change) expect(change.set, `${change.path.join('.')} at version ${patch.version}`).toEqual(there);
          else expect(change.insert).toEqual((there as unknown[]).slice(change.at, change.at + change.insert.length));
        }
      }
      // versions never go backwards, and the reveal, the ranking and the awards all reached the hall
      const order = watcher.frames.map((f) => f.version * 1e6 + f.votes);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(watcher.frames.some((f) => f.board.votes !== null && f.board.votes.count > 0)).toBe(true);
      expect(watcher.frames.some((f) => f.board.reveal?.presenter === 'p4')).toBe(true);
      expect(watcher.latest().votes).toBe(24);
      expect(watcher.latest().board).toMatchObject({ screen: 'awards' });
      expect(watcher.latest().board.awards.length).toBe(3);
    } finally {
      for (const s of [host.socket, display.socket, watcher.socket, ...phones.map((p) => p.socket), ...Object.values(judges).map((j) => j.socket)]) s.disconnect();
    }
  });

  it('coalescing: a burst of 22 sheets makes far fewer audience frames than changes, the last one the final state, for every phone of the hall', async () => {
    const judgeList = Array.from({ length: 22 }, (_, i) => ({ key: `j${i + 1}`, name: `评委${i + 1}`, panel: i < 7 ? 'main' : 'eval' }));
    const file = { ...SMALL_CONTEST, judges: judgeList, presenters: SMALL_CONTEST.presenters.map((p: { recused?: string[] }) => ({ ...p, recused: [] })) };
    const run = (await createContestOverApi(server.url, file))
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const judges = await Promise.all(run.judges.map((j) => server.connect<JudgeSnapshot>(tokenOf(j.url))));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    // enough phones to fill every slice of the audience room (a send goes out a slice per event-loop turn)
    const watchers = await Promise.all(Array.from({ length: 96 }, () => openWatcher(server.url, codeOf(run.watchUrl))));
    const watcher = watchers[0]!;
    try {
      const before = watcher.frames.length;
      const startVersion = host.snapshot().version;
      const results = await Promise.all(judges.map((j, i) => submit(j, 'p1', itemsFor('p1', `j${i + 1}`))));
      expect(results.every((r) => r.ok)).toBe(true);
      const final = (await ack<{ snapshot: HostSnapshot }>(host.socket, 'contest:sync', {})) as { ok: true; snapshot: HostSnapshot };
      const changes = final.snapshot.version - startVersion;
      expect(changes).toBeGreaterThanOrEqual(22);
      await waitFor(() => watcher.latest().version === final.snapshot.version);
      // a little longer: no frame is owed after the last one
      await new Promise((r) => setTimeout(r, 400));
      const burst = watcher.frames.slice(before);
      expect(burst.length).toBeLessThan(changes / 2);
      expect(watcher.latest().version).toBe(final.snapshot.version);
      expect(watcher.latest().board.currentPhase).toBe('closed');
      for (const phone of watchers) {
        await waitFor(() => phone.latest().version === final.snapshot.version);
        expect(phone.latest()).toEqual(watcher.latest());
        const versions = phone.frames.map((f) => f.version);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      }
    } finally {
      for (const s of [host.socket, ...watchers.map((w) => w.socket), ...judges.map((j) => j.socket)]) s.disconnect();
    }
  });

  it('during scoring a sheet reaches the hall as a patch of what changed, smaller than the whole snapshot, and the phone rebuilds the display’s frame', async () => {
    const run = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const display = await server.connect<DisplaySnapshot>(tokenOf(run.displayUrl));
    const judges = await Promise.all(run.judges.map((j) => server.connect<JudgeSnapshot>(tokenOf(j.url))));
    const watcher = await openWatcher(server.url, codeOf(run.watchUrl));
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      await waitFor(() => watcher.latest().board.currentPhase === 'scoring');
      // a quiet spell, so the sheet's change goes out on its own
      await new Promise((r) => setTimeout(r, 400));
      const patchesBefore = watcher.patches.length;
      const receipt = await submit(judges[0]!, 'p1', itemsFor('p1', run.judges[0]!.key));
      expect(receipt).toMatchObject({ ok: true });
      await waitFor(() => watcher.patches.length > patchesBefore && watcher.latest().version >= (receipt as { version: number }).version);
      const patch = watcher.patches.at(-1)!;
      const rebuilt = watcher.latest();
      expect(rebuilt.version).toBe(patch.version);
      // the progress count moved on the board; the presenters, panels and criteria were not sent again
      expect([...new Set(patch.changes.map((c) => c.path[0]))]).toEqual(['board']);
      expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(rebuilt).length / 2);
      await waitFor(() => display.snapshot().version >= rebuilt.version);
      const { serverNow: _now, rev: _rev, ...shown } = rebuilt;
      expect(shown).toEqual(asAudience(display.snapshot()));
      expect(watcher.resyncs()).toBe(0);
    } finally {
      for (const s of [host.socket, display.socket, watcher.socket, ...judges.map((j) => j.socket)]) s.disconnect();
    }
  });

  it('a phone that missed a patch asks for the state again and ends showing what the display shows', async () => {
    const run = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const display = await server.connect<DisplaySnapshot>(tokenOf(run.displayUrl));
    const judges = await Promise.all(run.judges.map((j) => server.connect<JudgeSnapshot>(tokenOf(j.url))));
    const code = codeOf(run.watchUrl);
    // one phone loses the second patch it is sent; the other gets them all
    const flaky = await openWatcher(server.url, code, (_patch, index) => index === 1);
    const steady = await openWatcher(server.url, code);
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      for (const [i, judge] of judges.entries()) {
        expect(await submit(judge, 'p1', itemsFor('p1', run.judges[i]!.key))).toMatchObject({ ok: true });
        // apart, so each sheet is its own send
        await new Promise((r) => setTimeout(r, 300));
      }
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === 'p1')!.phase === 'closed');
      await hostDo(host, 'turn:reveal', { presenter: 'p1' });
      const final = host.snapshot().version;
      await waitFor(() => display.snapshot().version === final && flaky.latest().version === final && steady.latest().version === final);
      expect(flaky.patches.length).toBeGreaterThan(2);
      expect(flaky.resyncs()).toBeGreaterThanOrEqual(1);
      expect(steady.resyncs()).toBe(0);
      const { serverNow: _now, rev: _rev, ...shown } = flaky.latest();
      expect(shown).toEqual(asAudience(display.snapshot()));
      expect(flaky.latest().board.reveal?.presenter).toBe('p1');
      // it never showed an older state, before or after the gap
      const order = flaky.frames.map((f) => f.version * 1e6 + f.votes);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    } finally {
      for (const s of [host.socket, display.socket, flaky.socket, steady.socket, ...judges.map((j) => j.socket)]) s.disconnect();
    }
  });

  it('a watcher’s events count against the same budget as anyone’s', async () => {
    const watcher = await openWatcher(server.url, codeOf(contest.watchUrl));
    try {
      const answers = await Promise.all(Array.from({ length: 80 }, () => ack(watcher.socket, 'contest:sync', {})));
      expect(answers.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThan(0);
    } finally {
      watcher.socket.disconnect();
    }
  });
});
