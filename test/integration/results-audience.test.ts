import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResultsAnswer } from '../../server/contracts/admin-api.ts';
import type { ResultsTable } from '../../server/contracts/reports.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import type { ResultReport } from '../../server/domain/results-report.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, hostDo, recountFile, SMALL_CONTEST, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { openVoter, withAudiencePanel } from '../helpers/voters.ts';

/**
 * The results the organisers take after a contest with an audience vote (大众评审) read the votes
 * stored in the database: the last vote of each phone per presenter. The results table and the
 * workbook hold, for every presenter, the votes counted, dropped at each end and the audience
 * score, and those equal `npm run recount` on the contest's export to the digit. Two contests: the
 * demo final imported with its sheets and a hall's votes, and a small one voted on live over
 * sockets, where one phone changes its vote.
 */

const DEMO = JSON.parse(readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8'));
const codeOf = (watchUrl: string): string => new URL(watchUrl).pathname.replace(/^\/watch\//, '');

/** the demo with a 10 % audience vote and 0, 1 and 20–59 votes per presenter */
function demoWithVotes() {
  const file = withAudiencePanel(DEMO);
  let seed = 7;
  const draw = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  file.audienceVotes = (file.presenters as Array<{ key: string }>).flatMap((p, i) => {
    const n = i === 0 ? 0 : i === 1 ? 1 : 20 + (draw() % 40);
    return Array.from({ length: n }, (_, v) => ({ presenter: p.key, voter: `v${v}`, value: 1 + (draw() % 10) }));
  });
  return file;
}

describeEachDatabase('results with the audience vote, from the stored votes', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  const get = (path: string) => adminFetch(server.url, path);
  const results = async (id: string): Promise<ResultsTable> => ((await (await get(`/api/contests/${id}/results`)).json()) as ResultsAnswer).results;
  const recount = async (id: string): Promise<ResultReport[]> => {
    const file = join(mkdtempSync(join(tmpdir(), 'leitai-results-audience-')), `${id}.json`);
    writeFileSync(file, await (await get(`/api/contests/${id}/export`)).text());
    return (await recountFile<ResultReport>(file)).results;
  };
  /** every presenter's audience cell and final, as the results table has them and as the recount has them */
  const expectTableEqualsRecount = (table: ResultsTable, report: ResultReport[]) => {
    const at = table.panels.findIndex((p) => p.kind === 'audience');
    expect(at).toBeGreaterThan(-1);
    expect(table.rows.map((r) => [r.presenter, r.panels[at]!.votes, r.panels[at]!.score, r.final, r.rank])).toEqual(
      report.map((r) => [r.presenter, r.panels[at]!.votes, r.panels[at]!.score, r.final, r.rank]),
    );
  };

  const workbookOf = async (id: string): Promise<ExcelJS.Workbook> => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await (await get(`/api/contests/${id}/results.xlsx`)).arrayBuffer());
    return workbook;
  };
  /** the workbook's 大众评审投票 sheet, one entry per vote row (the note under the table ends it) */
  const voteSheet = (workbook: ExcelJS.Workbook) => {
    const sheet = workbook.getWorksheet('大众评审投票')!;
    const rows: Array<{ name: string; voter: string; value: number; dropped: string | null; struck: boolean }> = [];
    for (let r = 3; typeof sheet.getCell(r, 4).value === 'string'; r++) {
      const value = sheet.getCell(r, 5);
      rows.push({ name: String(sheet.getCell(r, 3).value), voter: String(sheet.getCell(r, 4).value), value: value.value as number, dropped: (sheet.getCell(r, 6).value as string | null) ?? null, struck: value.font?.strike === true });
    }
    return rows;
  };
  /** the export's counted votes, as (presenter's name, voter, value), sorted: what the vote sheet must list */
  const exportedVotes = async (id: string) => {
    const file = (await (await get(`/api/contests/${id}/export`)).json()) as { presenters: Array<{ key: string; name: string }>; audienceVotes?: Array<{ presenter: string; voter: string; value: number }> };
    const name = new Map(file.presenters.map((p) => [p.key, p.name]));
    return (file.audienceVotes ?? []).map((v) => `${name.get(v.presenter)} ${v.voter} ${v.value}`).sort();
  };

  it('counts an imported contest’s votes in the results table and the workbook, as the recount does', async () => {
    const created = await adminFetch(server.url, '/api/contests?withScores=true', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(demoWithVotes()) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const report = await recount(id);
    const table = await results(id);
    expectTableEqualsRecount(table, report);
    expect(report.some((r) => r.panels[2]!.votes!.counted > 20 && r.panels[2]!.votes!.trimmed.low > 1)).toBe(true);

    const workbook = await workbookOf(id);
    const sheet = workbook.getWorksheet('成绩汇总')!;
    const heads = (sheet.getRow(3).values as unknown[]).map((v) => (v == null ? '' : String(v)));
    const counted = heads.indexOf('计票数');
    const score = heads.indexOf('大众评审（10%）');
    report.forEach((r, i) => {
      const row = sheet.getRow(4 + i);
      expect([row.getCell(counted).value, row.getCell(counted + 1).value, row.getCell(counted + 2).value], r.presenter).toEqual([
        r.panels[2]!.votes!.counted,
        r.panels[2]!.votes!.trimmed.low,
        r.panels[2]!.votes!.trimmed.high,
      ]);
      expect((row.getCell(score).value as number).toFixed(2), r.presenter).toBe(r.panels[2]!.score);
    });

    // every counted vote is in 大众评审投票 as the export carries it, each one the trim dropped marked and struck through
    const votes = voteSheet(workbook);
    expect(votes.map((v) => `${v.name} ${v.voter} ${v.value}`).sort()).toEqual(await exportedVotes(id));
    for (const row of table.rows) {
      const own = votes.filter((v) => v.name === row.name);
      const count = row.panels[2]!.votes!;
      expect(own.length, row.presenter).toBe(count.counted);
      expect(own.filter((v) => v.dropped === '去掉最低').length, row.presenter).toBe(count.trimmed.low);
      expect(own.filter((v) => v.dropped === '去掉最高').length, row.presenter).toBe(count.trimmed.high);
      expect(own.every((v) => v.struck === (v.dropped !== null)), row.presenter).toBe(true);
      // listed lowest to highest: the dropped lowest at the top, the dropped highest at the bottom
      expect(own.map((v) => v.value), row.presenter).toEqual(own.map((v) => v.value).sort((a, b) => a - b));
      expect(own.map((v) => v.dropped ?? 'kept'), row.presenter).toEqual([
        ...Array(count.trimmed.low).fill('去掉最低'),
        ...Array(count.kept).fill('kept'),
        ...Array(count.trimmed.high).fill('去掉最高'),
      ]);
    }
  });

  it('counts the last vote of each phone cast live, and the results move with a changed vote', async () => {
    const run = await createContestOverApi(server.url, withAudiencePanel(SMALL_CONTEST, 0));
    const host = await server.connect<HostSnapshot>(tokenOf(run.hostUrl));
    const phones = await Promise.all([1, 2, 3].map(() => openVoter(server.url, codeOf(run.watchUrl))));
    try {
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
      for (const [phone, value] of [[phones[0]!, 8], [phones[1]!, 10], [phones[2]!, 4], [phones[0]!, 6]] as const) {
        expect(await phone.vote('p1', value)).toMatchObject({ ok: true });
      }
      await waitFor(() => host.snapshot().turns.find((t) => t.presenter === 'p1')!.votes === 3);

      const table = await results(run.id);
      const p1 = table.rows.find((r) => r.presenter === 'p1')!;
      // 6 (the first phone's last vote), 10, 4: mean 20/3 of 10, × 100 full marks = 66.666… → 66.67
      expect(p1.panels[2]).toEqual({ panel: 'public', score: '66.67', judges: [], votes: { counted: 3, trimmed: { low: 0, high: 0 }, kept: 3 } });
      expect(table.rows.find((r) => r.presenter === 'p2')!.panels[2]!.votes).toEqual({ counted: 0, trimmed: { low: 0, high: 0 }, kept: 0 });
      expectTableEqualsRecount(table, await recount(run.id));

      // a phone changes its vote before the close: the table follows
      expect(await phones[2]!.vote('p1', 10)).toMatchObject({ ok: true });
      expect((await results(run.id)).rows.find((r) => r.presenter === 'p1')!.panels[2]!.score).toBe('86.67');
      // the workbook lists the three phones' last votes under the voter ids the export carries (not the phones' secrets)
      const votes = voteSheet(await workbookOf(run.id));
      expect(votes.map((v) => v.value)).toEqual([6, 10, 10]);
      expect(votes.map((v) => `${v.name} ${v.voter} ${v.value}`).sort()).toEqual(await exportedVotes(run.id));
      expect(votes.some((v) => phones.some((phone) => v.voter.includes(phone.secret)))).toBe(false);
    } finally {
      for (const s of [host.socket, ...phones.map((p) => p.socket)]) s.disconnect();
    }
  });
});
