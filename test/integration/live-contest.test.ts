import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostSnapshot, JudgeSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { contestAt, type LiveRun, type Step } from '../helpers/contest-at.ts';
import { ack, adminFetch, createContestOverApi, hostDo, itemsFor, recountFile, submissionId, submit, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * A whole contest run through the socket protocol by real socket.io clients, the way the host
 * console, the judges' phones and the projector run it, checked against an independent recount of
 * the exported contest file.
 */

/** The story's steps, in order; each test drives a fresh contest (or the one the test before left) up to the step it checks. */

const p1Presenting: Step = async ({ host }) => hostDo(host, 'turn:start', { presenter: 'p1' });

const p1ScoringOpen: Step = async ({ host }) => hostDo(host, 'turn:open-scoring', { presenter: 'p1' });

const p1SixSheetsIn: Step = async ({ judges }) => {
  await waitFor(() => judges.m1!.snapshot().presenters[0]!.canSubmit);
  for (const key of ['m1', 'm2', 'm3', 'm4', 'e1', 'e2']) {
    const result = await submit(judges[key]!, 'p1', itemsFor('p1', key));
    expect(result).toMatchObject({ ok: true, presenter: 'p1', judge: key, duplicate: false });
  }
};

const p1LastSheetIn: Step = async ({ judges }) => {
  expect(await submit(judges.e3!, 'p1', itemsFor('p1', 'e3'))).toMatchObject({ ok: true });
};

const p1Revealed: Step = async ({ host }) => hostDo(host, 'turn:reveal', { presenter: 'p1' });

const p2ToP4RevealedP5Skipped: Step = async ({ host, judges }) => {
  for (const presenter of ['p2', 'p3', 'p4']) {
    await hostDo(host, 'turn:start', { presenter });
    await hostDo(host, 'turn:open-scoring', { presenter });
    const expected = Object.keys(judges).filter((key) => !(presenter === 'p2' && key === 'e3'));
    await Promise.all(expected.map((key) => submit(judges[key]!, presenter, itemsFor(presenter, key))));
    await waitFor(() => host.snapshot().turns.find((t) => t.presenter === presenter)!.phase === 'closed');
    await hostDo(host, 'turn:reveal', { presenter });
  }
  await hostDo(host, 'turn:skip', { presenter: 'p5' });
  await hostDo(host, 'screen:show', { screen: 'ranking' });
};

const p3SheetReopened: Step = async ({ host }) => hostDo(host, 'sheet:reopen', { presenter: 'p3', judge: 'e1', reason: '评委误触，申请更正' });

const p3SheetCorrected: Step = async ({ host, judges }) => {
  const before = host.snapshot().results.find((r) => r.presenter === 'p3')!.final;
  await waitFor(() => judges.e1!.snapshot().presenters[2]!.canSubmit);
  expect(await submit(judges.e1!, 'p3', { content: '20', delivery: '10' })).toMatchObject({ ok: true, total: '30' });
  await waitFor(() => host.snapshot().results.find((r) => r.presenter === 'p3')!.final !== before);
};

const p3RevealedAgain: Step = async ({ host }) => hostDo(host, 'turn:reveal', { presenter: 'p3' });

const p5ScoredWithM4Absent: Step = async ({ host, judges }) => {
  await hostDo(host, 'turn:reset', { presenter: 'p5' });
  await hostDo(host, 'turn:start', { presenter: 'p5' });
  await hostDo(host, 'turn:open-scoring', { presenter: 'p5' });
  await Promise.all(['m1', 'm2', 'm3', 'e1', 'e2', 'e3'].map((key) => submit(judges[key]!, 'p5', itemsFor('p5', key))));
  await hostDo(host, 'judge:excuse', { presenter: 'p5', judge: 'm4', reason: '评委临时离场' });
  await waitFor(() => host.snapshot().turns[4]!.phase === 'closed');
};

const p5Revealed: Step = async ({ host }) => hostDo(host, 'turn:reveal', { presenter: 'p5' });

const lowestAwardRevealed: Step = async ({ host }) => hostDo(host, 'awards:reveal-next');

const allAwardsRevealed: Step = async ({ host }) => {
  await hostDo(host, 'awards:reveal-next');
  await hostDo(host, 'awards:reveal-next');
};

const P1_SCORED = [p1Presenting, p1ScoringOpen, p1SixSheetsIn, p1LastSheetIn, p1Revealed];
const ALL_REVEALED = [...P1_SCORED, p2ToP4RevealedP5Skipped];
const P3_CORRECTED = [...ALL_REVEALED, p3SheetReopened, p3SheetCorrected, p3RevealedAgain];
const P5_DECIDED = [...P3_CORRECTED, p5ScoredWithM4Absent, p5Revealed];
const THE_WHOLE_STORY = [...P5_DECIDED, lowestAwardRevealed, allAwardsRevealed];

/** the recount (`npm run recount`) of the contest as the admin API exports it now */
async function recountOfExport({ server, contest }: LiveRun) {
  const exported = await adminFetch(server.url, `/api/contests/${contest.id}/export`);
  expect(exported.status).toBe(200);
  const file = join(mkdtempSync(join(tmpdir(), 'leitai-export-')), 'export.json');
  writeFileSync(file, await exported.text());
  return (await recountFile(file)).results;
}

describeEachDatabase('a live contest over Socket.IO', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  it('creates the contest over the admin API with a link per role and per judge', async () => {
    const { contest, display, judges } = await contestAt(server);
    expect(contest.hostUrl).toMatch(new RegExp(`^${server.url}/host#token=[A-Za-z0-9_-]{22}$`));
    expect(contest.displayUrl).toMatch(/\/display#token=/);
    expect(contest.judges.map((j) => j.key)).toEqual(['m1', 'm2', 'm3', 'm4', 'e1', 'e2', 'e3']);
    expect(display.snapshot().board.screen).toBe('title');
    expect(judges.m1!.snapshot().judge).toEqual({ key: 'm1', name: '主评委甲', panel: 'main' });
  });

  it('refuses a handshake with an unknown token', async () => {
    const socket = connectSocket(server.url, { auth: { token: 'A'.repeat(22) }, transports: ['websocket'], reconnection: false, forceNew: true });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toMatch(/^unauthorized/);
    socket.disconnect();
  });

  it('refuses a client of another protocol version with a message saying to reload, and takes one that sends none', async () => {
    const { contest } = await contestAt(server);
    const attempt = (auth: Record<string, unknown>) => {
      const socket = connectSocket(server.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      return new Promise<string>((resolve) => {
        socket.once('connect_error', (error) => resolve(error.message));
        socket.once('state:snapshot', () => resolve('connected'));
      }).finally(() => socket.disconnect());
    };
    const token = tokenOf(contest.displayUrl);
    expect(await attempt({ token, protocol: PROTOCOL_VERSION + 1 })).toMatch(/^outdated_client: .*reload the page/);
    expect(await attempt({ token, protocol: String(PROTOCOL_VERSION) })).toMatch(/^outdated_client/);
    expect(await attempt({ token, protocol: PROTOCOL_VERSION })).toBe('connected');
    expect(await attempt({ token })).toBe('connected');
  });

  it('p1 presenting: the projector shows the talk clock running', async () => {
    const { display } = await contestAt(server, p1Presenting);
    await waitFor(() => display.snapshot().board.currentPhase === 'presenting');
    expect(display.snapshot().board.clock!.runningSince).not.toBeNull();
    expect(display.snapshot().board.clock!.limitMs).toBe(300_000);
  });

  it('p1 scoring, six of seven sheets in: the projector counts them per panel and the turn stays open', async () => {
    const { display, host } = await contestAt(server, p1Presenting, p1ScoringOpen, p1SixSheetsIn);
    await waitFor(() => display.snapshot().board.progress.find((p) => p.panel === 'eval')?.submitted === 2);
    expect(display.snapshot().board.progress).toEqual([
      { panel: 'main', submitted: 4, expected: 4 },
      { panel: 'eval', submitted: 2, expected: 3 },
    ]);
    expect(host.snapshot().turns[0]!.phase).toBe('scoring');
  });

  it('p1 closes by itself on the last sheet, and the projector has no value yet', async () => {
    const { display, host } = await contestAt(server, p1Presenting, p1ScoringOpen, p1SixSheetsIn, p1LastSheetIn);
    await waitFor(() => host.snapshot().turns[0]!.phase === 'closed');
    await waitFor(() => display.snapshot().board.currentPhase === 'closed');
    expect(display.snapshot().board.reveal).toBeNull();
    expect(display.snapshot().board.ranking).toEqual([]);
  });

  it('p1 revealed: the projector shows the host’s result with the extremes struck, and no award before the host announces the awards', async () => {
    const { display, host } = await contestAt(server, ...P1_SCORED);
    await waitFor(() => display.snapshot().board.reveal !== null);
    const reveal = display.snapshot().board.reveal!;
    const hostResult = host.snapshot().results.find((r) => r.presenter === 'p1')!;
    expect(reveal.final).toBe(hostResult.final);
    expect(reveal.panels[0]!.totals.filter((t) => t.dropped !== null)).toHaveLength(2);
    expect(reveal.panels[1]!.totals.filter((t) => t.dropped !== null)).toHaveLength(0);
    expect(display.snapshot().board.ranking).toEqual([{ presenter: 'p1', rank: 1, final: hostResult.final, award: null, complete: true }]);
  });

  it('runs p2 to p4 the same way (e3 recused from p2), skips the absent p5, and ranks like the recount of the export', async () => {
    const run = await contestAt(server, ...ALL_REVEALED);
    const { display, host } = run;
    await waitFor(() => display.snapshot().board.ranking.length === 4 && display.snapshot().board.screen === 'ranking');
    const recount = await recountOfExport(run);
    expect(recount.filter((r) => r.rank !== null).map((r) => [r.presenter, r.rank, r.final])).toEqual(
      display.snapshot().board.ranking.map((r) => [r.presenter, r.rank, r.final]),
    );
    expect(recount.find((r) => r.presenter === 'p5')).toMatchObject({ rank: null, final: null });
    expect(host.snapshot().sheets).toHaveLength(7 + 6 + 7 + 7);
  });

  it('a reopened sheet: the judge is told why and may send it again', async () => {
    const { judges } = await contestAt(server, ...ALL_REVEALED, p3SheetReopened);
    await waitFor(() => judges.e1!.snapshot().presenters[2]!.canSubmit);
    expect(judges.e1!.snapshot().presenters[2]!.reopenReason).toBe('评委误触，申请更正');
  });

  it('a corrected sheet: the console sees the new number at once, the hall does not', async () => {
    const { display, host } = await contestAt(server, ...ALL_REVEALED, p3SheetReopened, p3SheetCorrected);
    const onConsole = host.snapshot().results.find((r) => r.presenter === 'p3')!.final;
    expect(display.snapshot().board.ranking.find((r) => r.presenter === 'p3')!.final).not.toBe(onConsole);
    expect(host.snapshot().turns[2]).toMatchObject({ correctionPending: true, revealCount: 1 });
  });

  it('shows a correction on the projector only when the host reveals again, marked as corrected', async () => {
    const { display, host } = await contestAt(server, ...P3_CORRECTED);
    await waitFor(() => display.snapshot().board.reveal?.count === 2);
    const eval1 = display.snapshot().board.reveal!.panels[1]!.totals.find((t) => t.seat === 1)!;
    expect(eval1).toMatchObject({ total: '30', corrected: true });
    expect(display.snapshot().board.ranking.find((r) => r.presenter === 'p3')!.final).toBe(host.snapshot().results.find((r) => r.presenter === 'p3')!.final);
  });

  it('lets the host mark a judge absent so the presenter is complete; absent is not recused on the judge’s page and the console', async () => {
    const { host, judges } = await contestAt(server, ...P3_CORRECTED, p5ScoredWithM4Absent);
    await waitFor(() => judges.m4!.snapshot().presenters[4]!.absent);
    expect(judges.m4!.snapshot().presenters[4]).toMatchObject({ recused: false, absent: true, canSubmit: false });
    expect(host.snapshot().presenters[4]).toMatchObject({ recused: [], absent: ['m4'] });
    expect(host.snapshot().results.find((r) => r.presenter === 'p5')).toMatchObject({ complete: true, rank: expect.any(Number) });
  });

  it('tells absent from recused on the projector, in the export and in the audit log', async () => {
    const { contest, display } = await contestAt(server, ...P5_DECIDED);
    // the projector says why seat 4 of 主评委 has no total; e3's recusal from p2 reads differently
    await waitFor(() => display.snapshot().board.reveal?.presenter === 'p5');
    expect(display.snapshot().board.reveal!.panels.map((p) => p.unscored)).toEqual([[{ seat: 4, reason: 'absent' }], []]);
    const exported = (await (await adminFetch(server.url, `/api/contests/${contest.id}/export`)).json()) as { presenters: Array<{ key: string; recused: string[]; absent?: string[] }> };
    expect(exported.presenters[4]).toMatchObject({ recused: [], absent: ['m4'] });
    expect(exported.presenters[1]).toMatchObject({ recused: ['e3'] });
    expect(exported.presenters[1]!.absent).toBeUndefined();
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('contest_id', '=', contest.id).where('action', '=', 'judge:excuse').execute();
    expect(audit).toEqual([expect.objectContaining({ presenter_key: 'p5', judge_key: 'm4', actor_role: 'host', detail: { reason: '评委临时离场' } })]);
  });

  it('reveals the lowest award first once every turn is decided', async () => {
    const { display } = await contestAt(server, ...P5_DECIDED, lowestAwardRevealed);
    await waitFor(() => display.snapshot().board.screen === 'awards');
    expect(display.snapshot().board.awards.map((a) => a.name)).toEqual(['优秀奖']);
  });

  it('reveals the awards up to the highest, and the ranking then carries them as the recount gives them', async () => {
    const run = await contestAt(server, ...THE_WHOLE_STORY);
    const { display } = run;
    await waitFor(() => display.snapshot().board.awards.length === 3);
    expect(display.snapshot().board.awards.map((a) => a.name)).toEqual(['优秀奖', '二等奖', '一等奖']);
    expect(display.snapshot().board.awards[2]!.presenters).toHaveLength(1);
    const recount = await recountOfExport(run);
    expect(display.snapshot().board.ranking.map((r) => [r.presenter, r.rank, r.final, r.award])).toEqual(recount.map((r) => [r.presenter, r.rank, r.final, r.award]));
  });

  it('never sent a judge another judge’s values: every frame a judge received holds only its own sheets', async () => {
    const { judgeFrames } = await contestAt(server, ...THE_WHOLE_STORY);
    for (const [key, frames] of Object.entries(judgeFrames)) {
      expect(frames.length).toBeGreaterThan(5);
      for (const frame of frames) {
        expect(frame.role).toBe('judge');
        expect(frame.sheets.every((s) => frame.judge.key === key && typeof s.presenter === 'string')).toBe(true);
        // nothing shaped like another judge's sheet or the host's data can be in it
        const text = JSON.stringify(frame);
        expect(text).not.toMatch(/"(judges|results|board|turnsVersion|votes)":|token/);
        for (const other of Object.keys(judgeFrames).filter((k) => k !== key)) expect(text).not.toContain(`"${other}"`);
      }
    }
  });

  it('never sent the display a value before its reveal', async () => {
    const { displayFrames } = await contestAt(server, ...THE_WHOLE_STORY);
    expect(displayFrames.length).toBeGreaterThan(10);
    for (const frame of displayFrames) {
      // a reveal is only ever that of a revealed turn; the ranking holds revealed presenters only
      if (frame.board.reveal) expect(frame.board.currentPhase).toBe('revealed');
      expect(frame.board.ranking).toHaveLength(frame.board.revealedCount);
      expect(JSON.stringify(frame)).not.toMatch(/"(items|sheets|judges)":|token/);
    }
    // while p1 was being scored, the display had counts and no value of any kind
    const scoring = displayFrames.filter((f) => f.board.current === 'p1' && f.board.currentPhase === 'scoring');
    expect(scoring.length).toBeGreaterThan(0);
    for (const frame of scoring) expect([frame.board.reveal, frame.board.ranking]).toEqual([null, []]);
  });

  it('sends a judge nothing when another judge’s sheet comes in (only the version moved), and the judge whose sheet it is their stored sheet', async () => {
    const { display, judges, judgeFrames, displayFrames } = await contestAt(server, p1Presenting, p1ScoringOpen);
    await waitFor(() => judges.m2!.snapshot().presenters[0]!.canSubmit);
    const m2Before = judgeFrames.m2!.length;
    const displayBefore = displayFrames.length;
    const receipt = await submit(judges.m1!, 'p1', itemsFor('p1', 'm1'));
    expect(receipt).toMatchObject({ ok: true });
    // one broadcast sends the display and m1 their frames; m2's would have gone out with them
    await waitFor(() => display.snapshot().board.progress.some((p) => p.panel === 'main' && p.submitted === 1));
    await waitFor(() => judges.m1!.snapshot().sheets.some((s) => s.presenter === 'p1'));
    expect(displayFrames.length).toBe(displayBefore + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(judgeFrames.m2!.length).toBe(m2Before);
    // m2 still sees p1 open, at the version before m1's sheet: nothing it shows has changed
    expect(judges.m2!.snapshot().presenters[0]).toMatchObject({ canSubmit: true, phase: 'scoring' });

    expect(await submit(judges.m2!, 'p1', itemsFor('p1', 'm2'))).toMatchObject({ ok: true });
    await waitFor(() => judgeFrames.m2!.length === m2Before + 1);
    expect(judges.m2!.snapshot().sheets.map((s) => s.presenter)).toEqual(['p1']);
  });

  it('stores sheets sent at once in fewer transactions than sheets, acknowledges each only once committed, and one refused sheet fails none of the others', async () => {
    const { judges } = await contestAt(server, p1Presenting, p1ScoringOpen);
    await waitFor(() => Object.values(judges).every((j) => j.snapshot().presenters[0]!.canSubmit));
    const keys = Object.keys(judges);
    const ids = new Map(keys.map((key) => [key, submissionId()]));
    const storedAtAck = new Map<string, Promise<number>>();
    const rowsOf = (id: string) => ctx.db.selectFrom('score_sheets').select('id').where('submission_id', '=', id).execute();
    const answers = await Promise.all(
      keys.map(async (key) => {
        // m3's sheet is over the maximum: refused by the rules, in the middle of the others
        const items = key === 'm3' ? { content: '61', delivery: '30' } : itemsFor('p1', key);
        const answer = await submit(judges[key]!, 'p1', items, ids.get(key));
        // looked up the moment the ack arrives: an ack before the COMMIT would find no row
        if (answer.ok) storedAtAck.set(key, rowsOf(ids.get(key)!).then((rows) => rows.length));
        return [key, answer] as const;
      }),
    );
    for (const [key, answer] of answers) {
      if (key === 'm3') expect(answer).toMatchObject({ ok: false, error: { code: 'out_of_range' } });
      else expect(answer, key).toMatchObject({ ok: true, judge: key, duplicate: false });
    }
    for (const [key, rows] of storedAtAck) expect(await rows, key).toBe(1);
    expect(await rowsOf(ids.get('m3')!)).toHaveLength(0);
    // now() is the transaction's start: sheets of one transaction share it to the microsecond
    const { transactions } = await ctx.db
      .selectFrom('score_sheets')
      .select(({ fn }) => fn.count<string>(sql`distinct created_at`).as('transactions'))
      .where('submission_id', 'in', [...ids.values()])
      .executeTakeFirstOrThrow();
    expect(Number(transactions)).toBeGreaterThanOrEqual(1);
    expect(Number(transactions)).toBeLessThan(keys.length - 1);
  });
});

/** Steps of the refusals' contests (the story's p1Presenting and p1ScoringOpen come first) */
const m1SheetInForP1: Step = async ({ judges }) => {
  expect(await submit(judges.m1!, 'p1', { content: '50', delivery: '30' })).toMatchObject({ ok: true });
};
const p1ClosedAndRevealed: Step = async ({ host }) => {
  await hostDo(host, 'turn:close', { presenter: 'p1' });
  await hostDo(host, 'turn:reveal', { presenter: 'p1' });
};
const p2Scoring: Step = async ({ host }) => {
  await hostDo(host, 'turn:start', { presenter: 'p2' });
  await hostDo(host, 'turn:open-scoring', { presenter: 'p2' });
};

describeEachDatabase('refusals over Socket.IO, one of each code', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  const refused = (result: { ok: boolean; error?: { code: string; message: string } }) => (result.ok ? 'accepted' : result.error!.code);

  it('invalid_input: a payload that does not match the schema', async () => {
    const { host } = await contestAt(server);
    const result = await ack(host.socket, 'turn:start', { presenter: 'p1', turnsVersion: 'zero', extra: true });
    expect(refused(result)).toBe('invalid_input');
    expect(result.ok ? '' : result.error.message).toMatch(/turn:start: /);
  });

  it('forbidden: a judge trying to move a turn, a host trying to submit as a judge', async () => {
    const { host, judges } = await contestAt(server);
    expect(refused(await ack(judges.m1!.socket, 'turn:start', { presenter: 'p1', turnsVersion: 0 }))).toBe('forbidden');
    expect(refused(await ack(host.socket, 'sheet:submit', { presenter: 'p1', items: {}, submissionId: submissionId() }))).toBe('forbidden');
  });

  it('not_found: a presenter that is not in the contest', async () => {
    const { host } = await contestAt(server);
    expect(refused(await ack(host.socket, 'turn:start', { presenter: 'p99', turnsVersion: host.snapshot().turnsVersion }))).toBe('not_found');
  });

  it('turn_not_open: a sheet for a turn that is not scoring', async () => {
    const { judges } = await contestAt(server);
    expect(refused(await submit(judges.m1!, 'p1', { content: '50', delivery: '30' }))).toBe('turn_not_open');
  });

  it('invalid_transition: closing a turn that never started', async () => {
    const { host } = await contestAt(server);
    expect(refused(await ack(host.socket, 'turn:close', { presenter: 'p1', turnsVersion: host.snapshot().turnsVersion }))).toBe('invalid_transition');
  });

  it('not_finished: the awards before every turn is decided', async () => {
    const { host } = await contestAt(server);
    expect(refused(await ack(host.socket, 'awards:reveal-next', { turnsVersion: host.snapshot().turnsVersion }))).toBe('not_finished');
  });

  it('answers a command sent without an acknowledgement callback, and a junk event, without breaking the connection', async () => {
    const { host } = await contestAt(server);
    (host.socket.emit as (e: string, p: unknown) => void)('turn:start', null);
    (host.socket.emit as (e: string, p: unknown) => void)('no:such-event', { x: 1 });
    const sync = await ack<{ snapshot: HostSnapshot }>(host.socket, 'contest:sync', {});
    expect(sync.ok && sync.snapshot.role).toBe('host');
  });

  it('stale_version: two consoles pressing the same button, one moves and one is refused', async () => {
    const { contest, host } = await contestAt(server);
    const second = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
    const seen = host.snapshot().turnsVersion;
    const [a, b] = await Promise.all([
      ack(host.socket, 'turn:start', { presenter: 'p1', turnsVersion: seen }),
      ack(second.socket, 'turn:start', { presenter: 'p1', turnsVersion: seen }),
    ]);
    expect([refused(a), refused(b)].sort()).toEqual(['accepted', 'stale_version']);
    await waitFor(() => host.snapshot().turnsVersion === seen + 1);
  });

  it('out_of_range: an item over its max, off its step, or missing', async () => {
    const { judges } = await contestAt(server, p1Presenting, p1ScoringOpen);
    const m1 = judges.m1!;
    const over = await submit(m1, 'p1', { content: '60.5', delivery: '30' });
    expect(refused(over)).toBe('out_of_range');
    expect(over.ok ? '' : over.error.message).toMatch(/criterion content \(内容\) is 60\.5, over the maximum 60/);
    expect(refused(await submit(m1, 'p1', { content: '50.25', delivery: '30' }))).toBe('out_of_range');
    expect(refused(await submit(m1, 'p1', { content: '50' }))).toBe('out_of_range');
    expect(refused(await submit(m1, 'p1', { content: '1e400', delivery: '1' }))).toBe('invalid_input');
  });

  it('already_submitted: a second sheet without a reopen', async () => {
    const { judges } = await contestAt(server, p1Presenting, p1ScoringOpen, m1SheetInForP1);
    expect(refused(await submit(judges.m1!, 'p1', { content: '51', delivery: '30' }))).toBe('already_submitted');
  });

  it('recused: a judge scoring a presenter they are recused from', async () => {
    const { judges } = await contestAt(server, p1Presenting, p1ScoringOpen, m1SheetInForP1, p1ClosedAndRevealed, p2Scoring);
    const id = submissionId();
    const result = await submit(judges.e3!, 'p2', { content: '50', delivery: '30' }, id);
    expect(refused(result)).toBe('recused');
    expect(judges.e3!.snapshot().presenters[1]).toMatchObject({ recused: true, canSubmit: false });
    // nothing was stored, so the id is not used up
    expect(await ctx.db.selectFrom('score_sheets').select('id').where('submission_id', '=', id).execute()).toEqual([]);
    expect(await submit(judges.m1!, 'p2', { content: '50', delivery: '30' }, id)).toMatchObject({ ok: true, duplicate: false, judge: 'm1' });
  });

  it('a retried submission id stores one sheet and answers as the first time; the same id with other values is submission_conflict', async () => {
    // an id refused (turn_not_open) before the turn opened is not used up by the refusal
    const id = submissionId();
    const early = await contestAt(server, p1Presenting);
    expect(refused(await submit(early.judges.m1!, 'p1', { content: '50', delivery: '30' }, id))).toBe('turn_not_open');
    const run = await contestAt(server, p1Presenting, p1ScoringOpen);
    expect(run).toBe(early); // the same contest, one step on
    const { host } = run;
    const m1 = run.judges.m1!;
    const seen: HostSnapshot[] = [];
    const stop = host.onFrame((s) => seen.push(s));
    const first = await submit(m1, 'p1', { content: '50', delivery: '30' }, id);
    const again = await submit(m1, 'p1', { content: '50', delivery: '30' }, id);
    expect(first).toMatchObject({ ok: true, duplicate: false, total: '80' });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(refused(await submit(m1, 'p1', { content: '51', delivery: '30' }, id))).toBe('submission_conflict');
    const rows = await ctx.db.selectFrom('score_sheets').select('id').where('submission_id', '=', id).execute();
    expect(rows).toHaveLength(1);

    // the receipt's version says which snapshots include the sheet: those with at least that version
    const { sheetId, version } = first as SheetReceipt;
    await waitFor(() => host.snapshot().version >= version);
    stop();
    expect(seen.length).toBeGreaterThan(0);
    for (const snapshot of [...seen, host.snapshot()]) expect(snapshot.sheets.some((s) => s.id === sheetId)).toBe(snapshot.version >= version);
  });
});

describeEachDatabase('one device per judge', (ctx) => {
  it('the second phone opening a judge’s link takes over, and the first is told it was replaced; the host sees the move and when the phone left', async () => {
    const server = await startTestServer(ctx.handle);
    try {
      const contest = await createContestOverApi(server.url);
      const host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
      const seat = () => host.snapshot().judges.find((j) => j.key === contest.judges[0]!.key)!;
      expect(seat()).toMatchObject({ connected: false, lastSeenAt: null, seatMoves: 0, seatMovedAt: null });

      const token = tokenOf(contest.judges[0]!.url);
      const first = await server.connect<JudgeSnapshot>(token);
      await waitFor(() => seat().connected);
      const joinedAt = seat().lastSeenAt!;
      expect(Math.abs(joinedAt - host.snapshot().serverNow)).toBeLessThan(5000);
      expect(seat().seatMoves).toBe(0);

      const replaced = new Promise<void>((resolve) => first.socket.on('session:replaced', () => resolve()));
      const second = await server.connect<JudgeSnapshot>(token);
      await replaced;
      await waitFor(() => first.socket.disconnected);
      expect(second.socket.connected).toBe(true);
      await waitFor(() => seat().seatMoves === 1);
      expect(seat()).toMatchObject({ connected: true, seatMoves: 1 });
      expect(seat().seatMovedAt).toBeGreaterThanOrEqual(joinedAt);

      // the phone's screen locks: the seat is empty, and the host knows since when
      second.socket.close();
      await waitFor(() => !seat().connected);
      expect(seat().lastSeenAt).toBeGreaterThanOrEqual(seat().seatMovedAt!);
      expect(seat().seatMoves).toBe(1);
    } finally {
      await server.close();
    }
  });
});
