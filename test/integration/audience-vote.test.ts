import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import type { DisplaySnapshot, HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { ack, adminFetch, createContestOverApi, hostDo, recountFile, SMALL_CONTEST, submit, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { openVoter, voteId, withAudiencePanel, type Voter } from '../helpers/voters.ts';

/**
 * The audience vote (大众评审) over real sockets: a phone gets a voter id, votes while its
 * presenter's turn is in scoring, may change its vote (the last one counts), and a vote is
 * acknowledged only once stored; the close of a turn is exact even while votes pour in.
 */

const codeOf = (watchUrl: string): string => new URL(watchUrl).pathname.replace(/^\/watch\//, '');

const DEMO = JSON.parse(readFileSync(new URL('../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));

/** A judge's sheet for the demo rubric (topic 20, measures 30, results 30, delivery 20, steps of 0.5), varied and deterministic. */
function demoItems(presenter: string, judge: string): Record<string, string> {
  const seed = [...`${presenter}/${judge}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 11);
  return { topic: String(14 + (seed % 12) / 2), measures: String(20 + ((seed >> 2) % 20) / 2), results: String(20 + ((seed >> 4) % 20) / 2), delivery: String(14 + ((seed >> 1) % 12) / 2) };
}

async function exported(url: string, id: string): Promise<ContestFile> {
  return (await (await adminFetch(url, `/api/contests/${id}/export`)).json()) as ContestFile;
}

describeEachDatabase('the audience vote', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle, { env: { AUDIENCE_VOTER_CAP: '400' } });
  });
  afterAll(() => server.close());

  it('a phone votes while the turn is in scoring, changes its vote, and a retry of the same vote id stores nothing', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const judge = await server.connect<JudgeSnapshot>(tokenOf(run.judges[0]!.url));
    const judgeFrames: JudgeSnapshot[] = [];
    judge.onFrame((s) => judgeFrames.push(s));
    const phone = await openVoter(server.url, codeOf(run.watchUrl));
    const storageOnly = await openVoter(server.url, codeOf(run.watchUrl), 'storage');
    const noId = await openVoter(server.url, codeOf(run.watchUrl), 'none');
    try {
      expect(await phone.vote('p1', 8)).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      expect(await phone.vote('p1', 8)).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });

      const id = voteId();
      const first = await phone.vote('p1', 8, id);
      expect(first).toMatchObject({ ok: true, presenter: 'p1', value: '8', duplicate: false });
      expect(await phone.vote('p1', 8, id)).toMatchObject({ ok: true, value: '8', duplicate: true });
      expect(await phone.vote('p1', 9, id)).toMatchObject({ ok: false, error: { code: 'submission_conflict' } });
      expect(await phone.vote('p1', 6)).toMatchObject({ ok: true, value: '6', duplicate: false });
      expect(await storageOnly.vote('p1', '10')).toMatchObject({ ok: true, value: '10' });
      expect(await noId.vote('p1', 5)).toMatchObject({ ok: false, error: { code: 'no_voter' } });
      expect(await phone.vote('p1', 11)).toMatchObject({ ok: false, error: { code: 'out_of_range' } });
      expect(await phone.vote('p1', 7.5)).toMatchObject({ ok: false, error: { code: 'out_of_range' } });
      expect(await phone.vote('p2', 7)).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
      expect(await phone.vote('p9', 7)).toMatchObject({ ok: false, error: { code: 'not_found' } });

      // two phones count: the first phone's last vote (6), not its first (8)
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === 'p1')!.votes === 2);
      await waitFor(() => phone.latest().board.votes?.count === 2);
      expect(phone.latest().board.votes).toEqual({ presenter: 'p1', count: 2 });
      await hostDo(host, 'turn:close', { presenter: 'p1' });
      expect(await phone.vote('p1', 3)).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
      // a retry of a vote stored before the close still answers as the first time
      expect(await phone.vote('p1', 8, id)).toMatchObject({ ok: true, duplicate: true });

      const file = await exported(server.url, run.id);
      expect(file.audienceVotes!.map((v) => v.value).sort()).toEqual([10, 6]);
      expect(new Set(file.audienceVotes!.map((v) => v.voter)).size).toBe(2);
      // the exported voter id is not the phone's secret
      expect(JSON.stringify(file)).not.toContain(phone.secret);
      // the judges heard nothing of the votes
      expect(JSON.stringify(judgeFrames)).not.toMatch(/"votes"/);
      const audit = (await (await adminFetch(server.url, `/api/contests/${run.id}/audit`)).json()) as { entries: Array<{ action: string; detail: Record<string, unknown> }> };
      expect(audit.entries.find((e) => e.action === 'turn:close')!.detail).toMatchObject({ votes: { cast: 3, counted: 2 } });
      expect(audit.entries.some((e) => e.action.startsWith('vote:cast'))).toBe(false);
    } finally {
      for (const s of [host.socket, judge.socket, phone.socket, storageOnly.socket, noId.socket]) s.disconnect();
    }
  });

  it('a server started on the same database counts the stored votes, and a turn voted on cannot be undone', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const phones = await Promise.all([0, 1, 2].map(() => openVoter(server.url, codeOf(run.watchUrl))));
    const restarted = await startTestServer(ctx.handle);
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      for (const [i, phone] of phones.entries()) expect(await phone.vote('p1', i + 4)).toMatchObject({ ok: true });
      expect(await phones[0]!.vote('p1', 9)).toMatchObject({ ok: true });
      // the console is told so (it shows undo disabled, with the reason), and the server refuses it
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === 'p1')!.votes === 3);
      expect(host.snapshot().allowed).not.toContainEqual({ type: 'turn:reset', presenter: 'p1' });
      expect(host.snapshot().allowed).toContainEqual({ type: 'turn:close', presenter: 'p1' });
      const undo = await ack(host.socket, 'turn:reset', { presenter: 'p1', turnsVersion: host.snapshot().turnsVersion });
      expect(undo).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
      // another server on the same database loads the contest with its votes: 3 counted, 4 rows
      const other = await restarted.connect<HostSnapshot>(tokenOf(run.hostUrl));
      expect(other.snapshot().turns.find((t) => t.presenter === 'p1')!.votes).toBe(3);
      expect(other.snapshot().votes).toBe(4);
      other.socket.disconnect();
    } finally {
      for (const s of [host.socket, ...phones.map((p) => p.socket)]) s.disconnect();
      await restarted.close();
    }
  });

  it('an entry code shown on the projector keeps out votes without it', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const display = await server.connect<DisplaySnapshot>(tokenOf(run.displayUrl));
    const set = await adminFetch(server.url, `/api/contests/${run.id}/audience`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entryCode: 'hall7' }) });
    expect(await set.json()).toEqual({ ok: true, entryCode: 'HALL7' });
    await waitFor(() => display.snapshot().entryCode === 'HALL7');
    const phone = await openVoter(server.url, codeOf(run.watchUrl));
    try {
      expect(phone.latest()).toMatchObject({ entryCodeRequired: true });
      expect(JSON.stringify(phone.frames)).not.toContain('HALL7');
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      expect(await phone.vote('p1', 7)).toMatchObject({ ok: false, error: { code: 'entry_code' } });
      expect(await phone.vote('p1', 7, voteId(), 'HALL8')).toMatchObject({ ok: false, error: { code: 'entry_code' } });
      expect(await phone.vote('p1', 7, voteId(), ' hall7 ')).toMatchObject({ ok: true });
      const bad = await adminFetch(server.url, `/api/contests/${run.id}/audience`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entryCode: 'a b' }) });
      expect(bad.status).toBe(400);
    } finally {
      for (const s of [host.socket, display.socket, phone.socket]) s.disconnect();
    }
  });

  it('a contest without an audience panel takes no votes', async () => {
    const run = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const phone = await openVoter(server.url, codeOf(run.watchUrl));
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      expect(await phone.vote('p1', 7)).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
      expect(phone.latest().board.votes).toBeNull();
    } finally {
      for (const s of [host.socket, phone.socket]) s.disconnect();
    }
  });

  it('race: a flood of votes while the host closes — every vote acknowledged ok is counted, and no other', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const code = codeOf(run.watchUrl);
    for (const [round, presenter] of ['p1', 'p2', 'p3', 'p4', 'p5'].entries()) {
      const phones: Voter[] = await Promise.all(Array.from({ length: 30 }, (_, i) => openVoter(server.url, code, i % 3 === 0 ? 'storage' : 'cookie')));
      try {
        await hostDo(host, 'turn:start', { presenter });
        await hostDo(host, 'turn:open-scoring', { presenter });
        // each phone votes again and again (changing its mind) until it is refused as closed
        const lastOk = new Map<string, number>();
        let okCount = 0;
        const flood = phones.map(async (phone, i) => {
          for (let n = 0; n < 15; n++) {
            const value = ((i + n + round) % 10) + 1;
            const answer = await phone.vote(presenter, value);
            if (answer.ok) {
              lastOk.set(phone.secret, value);
              okCount++;
            } else if (answer.error.code === 'voting_closed') return;
            else if (answer.error.code !== 'rate_limited') throw new Error(`unexpected refusal ${answer.error.code}: ${answer.error.message}`);
          }
        });
        // the host closes while the flood is on, a little later each round
        await new Promise((r) => setTimeout(r, 5 + round * 12));
        await hostDo(host, 'turn:close', { presenter });
        await Promise.all(flood);

        const counted = (await exported(server.url, run.id)).audienceVotes?.filter((v) => v.presenter === presenter) ?? [];
        expect(counted.length, `round ${round}: counted votes = phones with a vote acknowledged`).toBe(lastOk.size);
        expect(counted.map((v) => v.value).sort(), `round ${round}: each phone's last acknowledged vote counts`).toEqual([...lastOk.values()].sort());
        const audit = (await (await adminFetch(server.url, `/api/contests/${run.id}/audit?presenter=${presenter}`)).json()) as { entries: Array<{ action: string; detail: { votes?: { cast: number } } }> };
        expect(audit.entries.find((e) => e.action === 'turn:close')!.detail.votes!.cast, `round ${round}: rows stored = votes acknowledged`).toBe(okCount);
        await waitFor(() => host.snapshot().turns.find((t) => t.presenter === presenter)!.votes === lastOk.size);
        await hostDo(host, 'turn:reveal', { presenter });
      } finally {
        for (const phone of phones) phone.socket.disconnect();
      }
    }
  });

  it('phones that join or reconnect while votes keep coming in follow the hall’s paced updates without asking for the whole state again', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const code = codeOf(run.watchUrl);
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const voters = await Promise.all(Array.from({ length: 12 }, () => openVoter(server.url, code)));
    const late: Voter[] = [];
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      // votes arrive faster than the hall's 4 updates a second, while phones join one after another
      for (let round = 0; round < 24; round++) {
        await Promise.all(voters.slice(0, 4).map((v, i) => v.vote('p1', ((round + i) % 10) + 1)));
        if (round % 3 === 1) late.push(await openVoter(server.url, code));
        await new Promise((r) => setTimeout(r, 40));
      }
      await Promise.all(voters.slice(4).map((v) => v.vote('p1', 7)));
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === 'p1')!.votes === 12);
      await waitFor(() => late.every((phone) => phone.latest().board.votes?.count === 12));
      // each joined between two updates and was given the last one sent: it applied every patch after it
      expect(late.map((phone) => phone.resyncs())).toEqual(late.map(() => 0));
      expect(late.every((phone) => phone.frames.length > 1)).toBe(true);
    } finally {
      for (const phone of [...voters, ...late]) phone.socket.close();
      host.socket.close();
    }
  });

  it('300 phones and the 22-judge demo in one contest: the projector’s and the phones’ numbers are the recount of the export', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(DEMO));
    const code = codeOf(run.watchUrl);
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const display = await server.connect<DisplaySnapshot>(tokenOf(run.displayUrl));
    const displayFrames: DisplaySnapshot[] = [display.snapshot()];
    display.onFrame((f) => displayFrames.push(f));
    const judges = await Promise.all(run.judges.map(async (j) => ({ key: j.key, conn: await server.connect<JudgeSnapshot>(tokenOf(j.url)) })));
    const phones: Voter[] = [];
    for (let i = 0; i < 300; i += 50) phones.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => openVoter(server.url, code, (i + k) % 4 === 0 ? 'storage' : 'cookie')))));
    const presenters = ['p01', 'p02', 'p03'];
    try {
      for (const [round, presenter] of presenters.entries()) {
        await hostDo(host, 'turn:start', { presenter });
        // before the opening: refused, nothing stored
        const early = await Promise.all(phones.slice(0, 20).map((p) => p.vote(presenter, 5)));
        expect(early.every((a) => !a.ok && a.error.code === 'voting_closed')).toBe(true);
        await hostDo(host, 'turn:open-scoring', { presenter });

        const firstIds = phones.map(() => voteId());
        const first = await Promise.all(phones.map((p, i) => p.vote(presenter, ((i * 7 + round) % 10) + 1, firstIds[i])));
        expect(first.filter((a) => !a.ok)).toEqual([]);
        // 100 phones change their minds; 50 resend their first vote (a lost answer): answered as the first time
        const changed = await Promise.all(phones.slice(0, 100).map((p, i) => p.vote(presenter, ((i * 3 + round) % 10) + 1)));
        expect(changed.filter((a) => !a.ok)).toEqual([]);
        const retried = await Promise.all(phones.slice(200, 250).map((p, i) => p.vote(presenter, ((((200 + i) * 7 + round) % 10) + 1), firstIds[200 + i])));
        expect(retried.every((a) => a.ok && a.duplicate)).toBe(true);

        // the judges' sheets; the last one closes the turn
        for (const { key, conn } of judges) {
          const mine = conn.snapshot().presenters.find((p) => p.key === presenter)!;
          if (mine.recused || mine.absent) continue;
          expect(await submit(conn, presenter, demoItems(presenter, key))).toMatchObject({ ok: true });
        }
        await waitFor(() => host.snapshot().turns.find((t) => t.presenter === presenter)!.phase === 'closed');
        const late = await Promise.all(phones.slice(0, 20).map((p) => p.vote(presenter, 10)));
        expect(late.every((a) => !a.ok && a.error.code === 'voting_closed')).toBe(true);
        expect(host.snapshot().turns.find((t) => t.presenter === presenter)!.votes).toBe(300);
        await hostDo(host, 'turn:reveal', { presenter });
      }
      const final = host.snapshot().version;
      await waitFor(() => displayFrames.at(-1)!.version === final && phones[0]!.latest().version === final, 20_000);

      const file = await exported(server.url, run.id);
      expect(file.audienceVotes).toHaveLength(900);
      const dir = mkdtempSync(join(tmpdir(), 'leitai-votes-'));
      writeFileSync(join(dir, 'export.json'), JSON.stringify(file));
      type Counted = { presenter: string; rank: number | null; final: string | null; panels: Array<{ panel: string; score: string | null; votes?: { counted: number; trimmed: { low: number; high: number } } }> };
      const { results } = await recountFile<Counted>(join(dir, 'export.json'));
      for (const presenter of presenters) {
        const counted = results.find((r) => r.presenter === presenter)!;
        const audience = counted.panels.find((p) => p.panel === 'public')!;
        // 300 votes at 10 %: 30 dropped from each end
        expect(audience.votes).toMatchObject({ counted: 300, trimmed: { low: 30, high: 30 } });
        const onProjector = displayFrames.findLast((f) => f.board.reveal?.presenter === presenter)!.board.reveal!;
        expect(onProjector.final).toBe(counted.final);
        expect(onProjector.panels.map((p) => [p.panel, p.score])).toEqual(counted.panels.map((p) => [p.panel, p.score]));
        expect(onProjector.panels.find((p) => p.panel === 'public')!.votes).toMatchObject({ counted: 300, trimmed: { low: 30, high: 30 }, kept: 240 });
      }
      // the phones are sent the latest state a few times a second: the last reveal is the projector's
      expect(phones[150]!.latest().board.reveal).toEqual(displayFrames.at(-1)!.board.reveal);
      // the ranking on the projector and on the phones is the recount's, among the revealed
      const recounted = presenters.map((p) => [p, results.find((r) => r.presenter === p)!.final]);
      expect(displayFrames.at(-1)!.board.ranking.map((r) => [r.presenter, r.final])).toEqual(expect.arrayContaining(recounted));
      expect(phones[299]!.latest().board.ranking).toEqual(displayFrames.at(-1)!.board.ranking);
    } finally {
      for (const s of [host.socket, display.socket, ...judges.map((j) => j.conn.socket), ...phones.map((p) => p.socket)]) s.disconnect();
    }
  }, 120_000);

  it('hostile votes from a phone are all refused with a known code, never internal, and store nothing', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    const code = codeOf(run.watchUrl);
    const junk = fc.oneof(fc.anything(), fc.constantFrom<unknown>('', 'x'.repeat(70), null, -1, 1e308, NaN, '__proto__', 'constructor', ['p1'], { p: 1 }));
    const payload = fc.oneof(
      junk,
      // well-formed but wrong: off the scale, between steps, not exact, an unknown or closed presenter
      fc.record({
        presenter: fc.constantFrom('p1', 'p2', 'p99'),
        value: fc.constantFrom<unknown>(0, 11, 5.5, '5.5', '-1', '0.1', 1e308, 10.000000000000002, '99999.5', 1e-7),
        voteId: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      }),
      fc.record(
        {
          presenter: fc.oneof(fc.constantFrom('p1', 'p2', 'p99', 'P1', 'p1 ', '__proto__'), junk),
          value: fc.oneof(fc.constantFrom<unknown>(0, 11, 5.5, '5.5', '1e1', ' 5', '0x5', '-1', 10.000000000000002, '５'), junk),
          voteId: fc.oneof(fc.constantFrom('short', 'x'.repeat(65), 'abc def gh'), junk),
          entryCode: junk,
          extra: junk,
        },
        { requiredKeys: [] },
      ),
    );
    const allowed = ['invalid_input', 'out_of_range', 'not_found', 'voting_closed', 'rate_limited'];
    let phone = await openVoter(server.url, code);
    try {
      const refused: Record<string, number> = {};
      for (const [n, body] of fc.sample(payload, { numRuns: 300, seed: 11 }).entries()) {
        // a new phone every 40 votes, so the payloads reach the checks rather than the event budget
        if (!phone.socket.connected || n % 40 === 39) {
          phone.socket.disconnect();
          phone = await openVoter(server.url, code);
        }
        const answer = await (phone.socket.timeout(3000).emitWithAck as (e: string, p: unknown) => Promise<{ ok: boolean; error?: { code: string } }>)('vote:cast', body).catch(() => null);
        if (answer === null) continue; // a payload socket.io would not carry, or a socket closed for flooding: nothing came back, nothing was stored
        expect(answer.ok, JSON.stringify(body)?.slice(0, 200)).toBe(false);
        expect(allowed, JSON.stringify(body)?.slice(0, 200)).toContain(answer.error!.code);
        refused[answer.error!.code] = (refused[answer.error!.code] ?? 0) + 1;
      }
      // the storm reached the vote's own checks, not only the schema
      expect(Object.keys(refused)).toEqual(expect.arrayContaining(['invalid_input', 'out_of_range', 'not_found']));
      expect(await ctx.db.selectFrom('audience_votes').select('id').where('contest_id', '=', run.id).execute()).toEqual([]);
      // and the phone can still vote properly afterwards
      const fresh = await openVoter(server.url, code);
      expect(await fresh.vote('p1', 6)).toMatchObject({ ok: true });
      fresh.socket.disconnect();
    } finally {
      for (const s of [host.socket, phone.socket]) s.disconnect();
    }
  }, 60_000);
});
