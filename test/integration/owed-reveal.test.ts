import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResultsAnswer } from '../../server/contracts/admin-api.ts';
import type { ResultsTable } from '../../server/contracts/reports.ts';
import type { DisplaySnapshot, HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { ack, adminFetch, createContestOverApi, hostDo, submissionId, submit, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * Issue 9, A1: a correction the host does not reveal again must not change who wins in public.
 * The evening of the trial run, over real sockets: every turn revealed, a judge's sheet for 3号
 * reopened and resubmitted after its reveal (3号 falls from first to second), and the host goes on
 * to the awards. The server holds back the ranking and the awards until 3号 is revealed again, the
 * results and the workbook say a re-reveal is owed meanwhile, and once it is done the projector's
 * awards are the results' awards. Then a paper sheet entered late, after the awards, the same way.
 * Each step waits for the snapshot its command produced: no timing.
 */

type Conn<S> = { socket: ClientSocket; snapshot: () => S; next: () => Promise<S> };

/** every judge gives `total` (content + delivery) */
const itemsOf = (total: number) => ({ content: String(Math.min(60, total - 20)), delivery: String(total - Math.min(60, total - 20)) });
const TOTALS: Record<string, number> = { p1: 85, p2: 80, p3: 90, p4: 75, p5: 70 };

describeEachDatabase('a correction not revealed again (issue 9, A1)', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  let host: Conn<HostSnapshot>;
  let display: Conn<DisplaySnapshot>;
  const judges: Record<string, Conn<JudgeSnapshot>> = {};

  const refusal = async (event: string, payload: Record<string, unknown> = {}) => {
    const result = await ack(host.socket, event, { ...payload, turnsVersion: host.snapshot().turnsVersion });
    return result.ok ? 'accepted' : result.error.code;
  };
  const results = async (): Promise<ResultsTable> => ((await (await adminFetch(server.url, `/api/contests/${contest.id}/results`)).json()) as ResultsAnswer).results;
  /** presenter → award, as the projector's awards screen has them, and as the results table has them */
  const projectorAwards = () => Object.fromEntries(display.snapshot().board.awards.flatMap((a) => a.presenters.map((p) => [p.presenter, a.name])));
  const resultAwards = (table: ResultsTable) => Object.fromEntries(table.rows.filter((r) => r.award !== null).map((r) => [r.presenter, r.award]));
  /** the projector has heard of everything the host has */
  const displayCaughtUp = () => waitFor(() => display.snapshot().version >= host.snapshot().version);
  const owed = (presenter: string) => host.snapshot().turns.find((t) => t.presenter === presenter)!.correctionPending;

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    contest = await createContestOverApi(server.url);
    host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
    display = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
    for (const j of contest.judges) judges[j.key] = await server.connect<JudgeSnapshot>(tokenOf(j.url));

    // p1…p4 scored by everyone expected; p5 closed without e3's sheet (revealed incomplete, unranked)
    for (const presenter of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      await hostDo(host, 'turn:start', { presenter });
      await hostDo(host, 'turn:open-scoring', { presenter });
      const expected = Object.keys(judges).filter((key) => !(presenter === 'p2' && key === 'e3') && !(presenter === 'p5' && key === 'e3'));
      const receipts = await Promise.all(expected.map((key) => submit(judges[key]!, presenter, itemsOf(TOTALS[presenter]!))));
      for (const receipt of receipts) expect(receipt).toMatchObject({ ok: true });
      if (presenter === 'p5') await hostDo(host, 'turn:close', { presenter });
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === presenter)!.phase === 'closed');
      await hostDo(host, 'turn:reveal', { presenter });
    }
  });
  afterAll(() => server?.close());

  it('holds back the ranking and the awards while 3号’s correction is not revealed again, and the results say so', async () => {
    expect(host.snapshot().results[0]).toMatchObject({ presenter: 'p3', rank: 1, award: '一等奖' });
    await hostDo(host, 'sheet:reopen', { presenter: 'p3', judge: 'e1', reason: '评委误触，申请更正' });
    const seen = host.snapshot().turnsVersion;
    // 30 instead of 90 in 测评: 0.7 × 90 + 0.3 × 70 = 84, below p1's 85
    expect(await submit(judges.e1!, 'p3', { content: '20', delivery: '10' })).toMatchObject({ ok: true, total: '30' });
    await waitFor(() => host.snapshot().turnsVersion > seen);
    expect(owed('p3')).toBe(true);
    expect(host.snapshot().results.slice(0, 2).map((r) => [r.presenter, r.final, r.award])).toEqual([
      ['p1', '85.00', '一等奖'],
      ['p3', '84.00', '二等奖'],
    ]);

    // the host goes on to the awards (the trial run's mistake): refused, and the projector stays as it was
    // (the reopen and the corrected sheet changed nothing on the projector, so its last frame may be older than the host's version)
    const before = display.snapshot();
    expect(await refusal('awards:reveal-next')).toBe('correction_pending');
    expect(await refusal('screen:show', { screen: 'ranking' })).toBe('correction_pending');
    const sync = await ack<{ snapshot: DisplaySnapshot }>(display.socket, 'contest:sync', {});
    // the projector's room was last sent `before` (what it shows has not changed since; protocol §4): the answer is that one
    expect(sync.ok && [sync.snapshot.version, sync.snapshot.board.screen, sync.snapshot.board.awards]).toEqual([before.version, 'turn', []]);
    expect(sync.ok && sync.snapshot.board).toEqual(before.board);
    expect(display.snapshot().version).toBe(before.version);

    // the admin's results and the workbook warn that the projector still shows the old 3号
    const table = await results();
    expect(table.owedReveals).toEqual(['p3']);
    const response = await adminFetch(server.url, `/api/contests/${contest.id}/results.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const texts = (sheet: string) => workbook.getWorksheet(sheet)!.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n');
    expect(texts('成绩汇总')).toContain('王书记 的评分已更正，但尚未在大屏重新公布');
    expect(texts('说明')).toContain('尚未在大屏重新公布');
  });

  it('once 3号 is revealed again, the awards on the projector are the results’ awards', async () => {
    await hostDo(host, 'turn:reveal', { presenter: 'p3' });
    expect(owed('p3')).toBe(false);
    await displayCaughtUp();
    expect(display.snapshot().board.reveal).toMatchObject({ presenter: 'p3', final: '84.00', count: 2 });
    expect((await results()).owedReveals).toEqual([]);
    await hostDo(host, 'screen:show', { screen: 'ranking' });
    for (let level = 0; level < 3; level++) await hostDo(host, 'awards:reveal-next');
    await displayCaughtUp();
    expect(display.snapshot().board.awards).toHaveLength(3);
    const table = await results();
    expect(projectorAwards()).toEqual(resultAwards(table));
    expect(projectorAwards()).toMatchObject({ p1: '一等奖', p3: '二等奖', p2: '二等奖' });
  });

  it('a paper sheet entered late, after the awards, keeps the awards off the projector until that turn is revealed again', async () => {
    // p5 was revealed without e3 (unranked, no award); e3's paper sheet turns up
    const seen = host.snapshot().turnsVersion;
    const paper = await ack(host.socket, 'sheet:enter', { presenter: 'p5', judge: 'e3', items: itemsOf(100), submissionId: submissionId() });
    expect(paper).toMatchObject({ ok: true, judge: 'e3', total: '100' });
    await waitFor(() => host.snapshot().turnsVersion > seen);
    expect(owed('p5')).toBe(true);
    expect((await results()).owedReveals).toEqual(['p5']);
    await hostDo(host, 'screen:show', { screen: 'title' });
    expect(await refusal('screen:show', { screen: 'awards' })).toBe('correction_pending');
    expect(await refusal('screen:show', { screen: 'ranking' })).toBe('correction_pending');

    await hostDo(host, 'turn:reveal', { presenter: 'p5' });
    await hostDo(host, 'screen:show', { screen: 'awards' });
    await displayCaughtUp();
    const table = await results();
    expect(table.owedReveals).toEqual([]);
    // 0.7 × 70 + 0.3 × (70 + 70 + 100) / 3 = 73: p5 is now ranked, and its award is the same everywhere
    expect(table.rows.find((r) => r.presenter === 'p5')).toMatchObject({ final: '73.00', rank: 5, award: '优秀奖' });
    expect(projectorAwards()).toEqual(resultAwards(table));
    expect(display.snapshot().board.ranking.map((r) => [r.presenter, r.rank, r.final, r.award])).toEqual(
      table.rows.map((r) => [r.presenter, r.rank, r.final, r.award]),
    );
  });
});
