import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditAnswer, AuditEntryView, ConsistencyAnswer, ResultsAnswer } from '../../server/contracts/admin-api.ts';
import type { JudgeConsistency, ResultsTable } from '../../server/contracts/reports.ts';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { Exact } from '../../server/domain/exact.ts';
import type { ResultReport } from '../../server/domain/results-report.ts';
import type { HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import { createContest } from '../../server/services/contests.service.ts';
import { startTestServer, type ClientSocket, type RunningTestServer } from '../helpers/app.ts';
import { ack, adminFetch, createContestOverApi, hostDo, itemsFor, recountFile, SMALL_CONTEST, submissionId, submit, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * After the contest: the organisers take the results table, the workbook they file, the audit log
 * and the judges' consistency from the admin API. Two contests: the demo final stored with its
 * scores from a file (every sheet 'import'), and a small contest run live where the host entered
 * a paper sheet and reopened a sheet that the judge then corrected. Every number is checked
 * against `npm run recount` on the contest's export, digit for digit.
 */

const DEMO_TEXT = readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8');
const DEMO = JSON.parse(DEMO_TEXT) as ContestJson;

/** the contest file as JSON.parse reads it (fine for reading names and keys; numbers go through Exact.fromJsonNumber) */
interface ContestJson {
  title: string;
  rules: { panels: Array<{ key: string; name: string; dropHighest?: number; dropLowest?: number }>; criteria: Array<{ key: string; name: string }>; decimals?: number };
  presenters: Array<{ key: string; name: string; order?: number; recused?: string[]; absent?: string[] }>;
  judges: Array<{ key: string; name: string; panel: string }>;
  scores?: Array<{ presenter: string; judge: string; items: Record<string, number> }>;
}

// People type names: a judge whose name Excel would run as a formula, a presenter starting with +
const FORMULA_NAME = '=HYPERLINK("http://example.com/x","测评乙")';
const LIVE_FILE = {
  ...SMALL_CONTEST,
  presenters: SMALL_CONTEST.presenters.map((p: { key: string; name: string }) => (p.key === 'p2' ? { ...p, name: '+李书记' } : p)),
  judges: SMALL_CONTEST.judges.map((j: { key: string; name: string }) => (j.key === 'e2' ? { ...j, name: FORMULA_NAME } : j)),
} as ContestJson;

type Conn<S> = { socket: ClientSocket; snapshot: () => S; next: () => Promise<S> };

const placesOf = (text: string) => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);
const noteOf = (cell: ExcelJS.Cell): string => {
  const note = cell.note as string | ExcelJS.Comment | undefined;
  if (!note) return '';
  return typeof note === 'string' ? note : (note.texts ?? []).map((t) => t.text).join('');
};
/** a numeric cell that shows exactly the expected decimal: the number, printed with its places, is the string */
const expectDecimal = (cell: ExcelJS.Cell, expected: string, where: string) => {
  expect(typeof cell.value, where).toBe('number');
  expect((cell.value as number).toFixed(placesOf(expected)), where).toBe(expected);
  expect(cell.numFmt, where).toBe(placesOf(expected) === 0 ? '0' : `0.${'0'.repeat(placesOf(expected))}`);
};

describeEachDatabase('results, workbook, audit log and consistency after a contest', (ctx) => {
  let server: RunningTestServer;
  let demoId: string;
  let liveId: string;

  const get = (path: string, token?: string | null) => adminFetch(server.url, path, { token });
  const json = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  /** `npm run recount` on the contest's export: the independent count everything is held to */
  const recount = async (id: string): Promise<ResultReport[]> => {
    const file = join(mkdtempSync(join(tmpdir(), 'leitai-results-')), `${id}.json`);
    writeFileSync(file, await (await get(`/api/contests/${id}/export`)).text());
    return (await recountFile<ResultReport>(file)).results;
  };
  const exported = async (id: string) => JSON.parse(await (await get(`/api/contests/${id}/export`)).text()) as ContestJson;

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    // the demo final, stored with its scores the way an archive is (entered_by 'import')
    demoId = await createContest(ctx.db, server.secrets.linkSecret, readContestFile(DEMO_TEXT), 'admin');

    // the small contest, run live
    const created = await createContestOverApi(server.url, LIVE_FILE);
    liveId = created.id;
    const host = await server.connect<HostSnapshot>(tokenOf(created.hostUrl));
    const judges: Record<string, Conn<JudgeSnapshot>> = {};
    for (const j of created.judges.filter((j) => j.key !== 'e3')) judges[j.key] = await server.connect<JudgeSnapshot>(tokenOf(j.url));
    const onPhones = ['m1', 'm2', 'm3', 'm4', 'e1', 'e2'];

    // p1: six judges on their phones, e3's phone failed and the host enters the paper sheet (代录)
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    for (const key of onPhones) expect(await submit(judges[key]!, 'p1', itemsFor('p1', key))).toMatchObject({ ok: true });
    const paper = await ack(host.socket, 'sheet:enter', { presenter: 'p1', judge: 'e3', items: itemsFor('p1', 'e3'), submissionId: submissionId() });
    expect(paper).toMatchObject({ ok: true, judge: 'e3' });
    await waitFor(() => host.snapshot().turns[0]!.phase === 'closed');
    await hostDo(host, 'turn:reveal', { presenter: 'p1' });
    // m2 mistyped: the host reopens the sheet, m2 sends 30 in its place (now the main panel's lowest)
    await hostDo(host, 'sheet:reopen', { presenter: 'p1', judge: 'm2', reason: '评委误触，申请更正' });
    await waitFor(() => judges.m2!.snapshot().presenters[0]!.canSubmit);
    const seen = host.snapshot().turnsVersion;
    expect(await submit(judges.m2!, 'p1', { content: '20', delivery: '10' })).toMatchObject({ ok: true, total: '30' });
    await waitFor(() => host.snapshot().turnsVersion > seen); // the console has seen the correction

    // p2: e3 is recused; everyone else scores on their phone
    await hostDo(host, 'turn:start', { presenter: 'p2' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p2' });
    for (const key of onPhones) expect(await submit(judges[key]!, 'p2', itemsFor('p2', key))).toMatchObject({ ok: true });
    await waitFor(() => host.snapshot().turns[1]!.phase === 'closed');
    await hostDo(host, 'turn:reveal', { presenter: 'p2' });
    // p3: half scored (m1 only) — incomplete, with a main score and no evaluation score; p4, p5 not on yet
    await hostDo(host, 'turn:start', { presenter: 'p3' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p3' });
    await submit(judges.m1!, 'p3', itemsFor('p3', 'm1'));
    // m4 has left the hall: the host marks them absent (缺席) for p3
    await hostDo(host, 'judge:excuse', { presenter: 'p3', judge: 'm4', reason: '评委临时离场' });
  });
  afterAll(() => server?.close());

  /** the results table holds exactly the recount: same presenters in the same order, same numbers, same dropped judges */
  const expectSameAsRecount = (table: ResultsTable, counted: ResultReport[]) => {
    expect(table.rows.map((r) => [r.index, r.presenter, r.rank, r.final, r.award, r.complete])).toEqual(
      counted.map((r, i) => [i + 1, r.presenter, r.rank, r.final, r.award, r.complete]),
    );
    for (const [i, row] of table.rows.entries()) {
      expect(row.panels.map((p) => [p.panel, p.score])).toEqual(counted[i]!.panels.map((p) => [p.panel, p.score]));
      for (const [p, panel] of row.panels.entries()) {
        const counts = panel.judges.filter((j) => j.total !== null).map((j) => ({ judge: j.judge, total: j.total, dropped: j.dropped }));
        expect(counts).toEqual(counted[i]!.panels[p]!.totals);
      }
    }
  };

  it('answers the demo final’s results exactly as npm run recount counts its export', async () => {
    const { results } = await json<ResultsAnswer>(`/api/contests/${demoId}/results`);
    const counted = await recount(demoId);
    expect(counted).toHaveLength(22);
    expectSameAsRecount(results, counted);
    expect(results).toMatchObject({ title: DEMO.title, decimals: 2 });
    expect(results.panels.map((p) => [p.key, p.weight, p.judges.length])).toEqual([
      ['main', '0.7', 7],
      ['eval', '0.3', 15],
    ]);
    // order is the place in the running order; every sheet came from the file
    const p01 = results.rows.find((r) => r.presenter === 'p01')!;
    expect(p01.order).toBe(1);
    const cells = results.rows.flatMap((r) => r.panels.flatMap((p) => p.judges));
    expect(cells.filter((c) => c.total !== null).every((c) => c.enteredBy === 'import' && !c.corrected)).toBe(true);
    expect(cells.filter((c) => c.recused)).toHaveLength(2);
  });

  it('answers the live contest’s results as the recount counts them, with the paper sheet, the correction and the recusal marked', async () => {
    const { results } = await json<ResultsAnswer>(`/api/contests/${liveId}/results`);
    expectSameAsRecount(results, await recount(liveId));
    const p1 = results.rows.find((r) => r.presenter === 'p1')!;
    expect(p1.panels[0]!.judges.find((j) => j.judge === 'm2')).toMatchObject({ total: '30', dropped: 'lowest', enteredBy: 'judge', corrected: true, items: { content: '20', delivery: '10' } });
    expect(p1.panels[1]!.judges.find((j) => j.judge === 'e3')).toMatchObject({ enteredBy: 'host', corrected: false, recused: false });
    const p2 = results.rows.find((r) => r.presenter === 'p2')!;
    expect(p2.panels[1]!.judges.find((j) => j.judge === 'e3')).toEqual({ judge: 'e3', total: null, dropped: null, recused: true, absent: false, enteredBy: null, corrected: false, items: null });
    const p3 = results.rows.find((r) => r.presenter === 'p3')!;
    expect(p3.panels[0]!.judges.find((j) => j.judge === 'm4')).toEqual({ judge: 'm4', total: null, dropped: null, recused: false, absent: true, enteredBy: null, corrected: false, items: null });
    // m2's correction of p1 was never revealed again: the projector still shows p1's old numbers
    expect(results.owedReveals).toEqual(['p1']);
    expect((await json<ResultsAnswer>(`/api/contests/${demoId}/results`)).results.owedReveals).toEqual([]);
    // p1 and p2 ranked, then the unfinished ones in running order
    expect(results.rows.slice(0, 2).map((r) => [r.complete, typeof r.rank])).toEqual([
      [true, 'number'],
      [true, 'number'],
    ]);
    expect(results.rows.slice(2).map((r) => [r.presenter, r.complete, r.rank, r.final])).toEqual([
      ['p3', false, null, null],
      ['p4', false, null, null],
      ['p5', false, null, null],
    ]);
    expect(results.rows.find((r) => r.presenter === 'p3')!.panels.map((p) => p.score)).toEqual([expect.any(String), null]);
  });

  /** reads results.xlsx back and holds every cell of 成绩汇总 and 评分明细 to the recount and the export */
  const checkWorkbook = async (id: string) => {
    const response = await get(`/api/contests/${id}/results.xlsx`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const file = await exported(id);
    const disposition = response.headers.get('content-disposition')!;
    expect(disposition).toContain(`attachment; filename="results-${id}.xlsx"`);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)![1]!)).toBe(`${file.title}-成绩.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['成绩汇总', '评分明细', '说明']);

    const counted = await recount(id);
    const decimals = file.rules.decimals ?? 2;
    const judgesOf = (panel: string) => file.judges.filter((j) => j.panel === panel);
    const presenter = (key: string) => file.presenters.find((p) => p.key === key)!;

    // 成绩汇总: title, two header rows, then one row per presenter in the recount's order
    const ws = workbook.getWorksheet('成绩汇总')!;
    expect(ws.getCell(1, 1).value).toBe(`${file.title} 成绩汇总表`);
    expect([1, 2, 3, 4, 5].map((c) => ws.getCell(2, c).value)).toEqual(['序号', '出场顺序', '单位', '姓名', '题目']);
    let column = 6;
    const judgeColumn = new Map<string, number>();
    for (const panel of file.rules.panels) {
      for (const judge of judgesOf(panel.key)) {
        expect(ws.getCell(2, column).value).toMatch(new RegExp(`^${panel.name}（\\d+%）$`));
        expect(ws.getCell(3, column).value).toBe(judge.name);
        judgeColumn.set(judge.key, column++);
      }
    }
    const panelColumn = column;
    expect(ws.getCell(2, panelColumn).value).toBe('评委组得分');
    const finalColumn = panelColumn + file.rules.panels.length;
    expect([finalColumn, finalColumn + 1, finalColumn + 2].map((c) => ws.getCell(2, c).value)).toEqual(['最后得分', '名次', '奖项']);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1 });

    let struck = 0;
    for (const [i, r] of counted.entries()) {
      const row = ws.getRow(4 + i);
      const where = `成绩汇总 row ${4 + i} (${r.presenter})`;
      expect(row.getCell(1).value, where).toBe(i + 1);
      expect(row.getCell(4).value, where).toBe(r.name);
      if (r.final === null) expect(row.getCell(finalColumn).value, where).toBe('—');
      else expectDecimal(row.getCell(finalColumn), r.final, `${where} 最后得分`);
      expect(row.getCell(finalColumn + 1).value, where).toBe(r.rank ?? '—');
      expect(row.getCell(finalColumn + 2).value ?? null, where).toBe(r.award);
      for (const [p, panel] of r.panels.entries()) {
        const scoreCell = row.getCell(panelColumn + p);
        if (panel.score === null) expect(scoreCell.value, where).toBe('—');
        else expectDecimal(scoreCell, panel.score, `${where} ${panel.panel} 评委组得分`);
        for (const judge of judgesOf(panel.panel)) {
          const cell = row.getCell(judgeColumn.get(judge.key)!);
          const at = `${where} ${judge.key}`;
          const total = panel.totals.find((t) => t.judge === judge.key);
          if (presenter(r.presenter).recused?.includes(judge.key)) {
            expect(cell.value, at).toBe('回避');
          } else if (presenter(r.presenter).absent?.includes(judge.key)) {
            expect(cell.value, at).toBe('缺席');
          } else if (!total) {
            expect(cell.value, at).toBe('—');
          } else {
            expectDecimal(cell, total.total, at);
            if (total.dropped) {
              struck++;
              expect(cell.font?.strike, at).toBe(true);
              expect(noteOf(cell), at).toContain(total.dropped === 'highest' ? '去掉最高分' : '去掉最低分');
            } else {
              expect(cell.font?.strike ?? false, at).toBe(false);
              expect(noteOf(cell), at).not.toMatch(/去掉/);
            }
          }
        }
      }
    }
    expect(struck).toBe(counted.flatMap((r) => r.panels.flatMap((p) => p.totals.filter((t) => t.dropped))).length);

    // 评分明细: presenter × judge in running order, every criterion as in the export, the total and how it was entered
    const detail = workbook.getWorksheet('评分明细')!;
    const criteria = file.rules.criteria;
    const headers = (detail.getRow(2).values as unknown[]).slice(1);
    expect(headers).toEqual(['出场顺序', '单位', '姓名', '评委组', '评委', ...criteria.map((c) => expect.stringContaining(c.name)), '合计', '去掉', '录入方式', '已更正']);
    const byOrder = [...file.presenters].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    let line = 3;
    const lines = new Map<string, ExcelJS.Row>();
    for (const p of byOrder) {
      for (const panel of file.rules.panels) {
        for (const judge of judgesOf(panel.key)) {
          const row = detail.getRow(line++);
          expect([row.getCell(3).value, row.getCell(4).value, row.getCell(5).value]).toEqual([p.name, panel.name, judge.name]);
          lines.set(`${p.key}/${judge.key}`, row);
          const sheet = file.scores?.find((s) => s.presenter === p.key && s.judge === judge.key);
          const total = 6 + criteria.length;
          if (p.recused?.includes(judge.key)) expect(row.getCell(total).value).toBe('回避');
          else if (p.absent?.includes(judge.key)) expect(row.getCell(total).value).toBe('缺席');
          else if (!sheet) expect(row.getCell(total).value).toBe('—');
          else {
            criteria.forEach((c, k) => expectDecimal(row.getCell(6 + k), Exact.fromJsonNumber(sheet.items[c.key]!).toString(), `评分明细 ${p.key}/${judge.key} ${c.key}`));
            const sum = criteria.reduce((acc, c) => acc.add(Exact.fromJsonNumber(sheet.items[c.key]!)), Exact.ZERO).toString();
            expectDecimal(row.getCell(total), sum, `评分明细 ${p.key}/${judge.key} 合计`);
          }
        }
      }
    }
    expect(detail.getRow(line).getCell(1).value ?? null).toBeNull();
    return { workbook, ws, lines, judgeColumn, counted };
  };

  it('downloads the demo final as the workbook organisers file, every number as the recount has it and every dropped total struck through', async () => {
    const { lines, workbook } = await checkWorkbook(demoId);
    // every sheet of the demo came from the file
    const entered = [...lines.values()].map((r) => r.getCell(6 + 4 + 2).value).filter((v) => v !== null);
    expect(new Set(entered)).toEqual(new Set(['导入']));
    const notes = workbook.getWorksheet('说明')!;
    const text = (notes.getColumn(2).values as unknown[]).join('\n');
    expect(text).toMatch(/权重 70%.*去掉 1 个最高分、1 个最低分/);
    expect(text).toMatch(/依次比较主评委得分/);
    expect(text).toMatch(/一等奖 3 名，二等奖 6 名，三等奖 其余/);
  });

  it('downloads the live contest’s workbook with the paper sheet, the correction and the recusal visible', async () => {
    const { ws, lines, judgeColumn, counted } = await checkWorkbook(liveId);
    const p1row = ws.getRow(4 + counted.findIndex((r) => r.presenter === 'p1'));
    expect(noteOf(p1row.getCell(judgeColumn.get('m2')!))).toMatch(/去掉最低分.*已更正/);
    expect(noteOf(p1row.getCell(judgeColumn.get('e3')!))).toContain('主持人代录');
    const p2row = ws.getRow(4 + counted.findIndex((r) => r.presenter === 'p2'));
    expect(p2row.getCell(judgeColumn.get('e3')!).value).toBe('回避');
    // the detail sheet: total column 8, then 去掉, 录入方式, 已更正
    const cols = (key: string) => [9, 10, 11].map((c) => lines.get(key)!.getCell(c).value ?? null);
    expect(cols('p1/m2')).toEqual(['去掉最低分', '评委', '是']);
    expect(cols('p1/e3')).toEqual([null, '主持人代录', '否']);
    expect(cols('p2/m1').slice(1)).toEqual(['评委', '否']);
    expect(lines.get('p2/e3')!.getCell(8).value).toBe('回避');
    expect(lines.get('p3/m4')!.getCell(8).value).toBe('缺席');
    const p3row = ws.getRow(4 + counted.findIndex((r) => r.presenter === 'p3'));
    expect(p3row.getCell(judgeColumn.get('m4')!).value).toBe('缺席');
    // p1's correction is not on the projector: the workbook says so under the table
    const below = ws.getRow(4 + counted.length + 3).getCell(1).value;
    expect(below).toMatch(/^注意：张书记 的评分已更正，但尚未在大屏重新公布/);
    // the judge typed as a formula stays text in the workbook (an xlsx string cell is never a formula)
    expect(ws.getCell(3, judgeColumn.get('e2')!).value).toBe(FORMULA_NAME);
  });

  it('lists the audit log for one presenter, for one judge, and both, oldest first, showing the paper sheet and the reopened sheet', async () => {
    const all = (await json<AuditAnswer>(`/api/contests/${liveId}/audit`)).entries;
    expect(all[0]).toMatchObject({ action: 'contest:create', actorRole: 'admin', presenter: null, judge: null });
    expect(all.map((e) => Number(e.id))).toEqual([...all.map((e) => Number(e.id))].sort((a, b) => a - b));
    for (const e of all) expect(new Date(e.at).toISOString()).toBe(e.at);

    const p1 = (await json<AuditAnswer>(`/api/contests/${liveId}/audit?presenter=p1`)).entries;
    expect(p1.length).toBeGreaterThan(5);
    expect(p1.every((e) => e.presenter === 'p1')).toBe(true);
    expect(p1.map((e) => e.action)).toEqual(expect.arrayContaining(['turn:start', 'turn:open-scoring', 'sheet:submit', 'turn:reveal', 'sheet:reopen', 'sheet:correct']));
    // the host's paper sheet (代录): submitted by the host, entered by the host
    expect(p1.filter((e) => e.actorRole === 'host' && e.action === 'sheet:submit')).toEqual([
      expect.objectContaining({ judge: 'e3', actorKey: null, detail: expect.objectContaining({ enteredBy: 'host', total: expect.any(String) }) }),
    ]);

    const m2 = (await json<AuditAnswer>(`/api/contests/${liveId}/audit?judge=m2`)).entries;
    expect(m2.map((e) => [e.action, e.presenter, e.actorRole])).toEqual([
      ['sheet:submit', 'p1', 'judge'],
      ['sheet:reopen', 'p1', 'host'],
      ['sheet:correct', 'p1', 'judge'],
      ['sheet:submit', 'p2', 'judge'],
    ]);
    expect(m2[1]!.detail).toMatchObject({ reason: '评委误触，申请更正' });
    expect(m2[2]!.detail).toMatchObject({ total: '30', enteredBy: 'judge', reason: '评委误触，申请更正' });

    const both = (await json<AuditAnswer>(`/api/contests/${liveId}/audit?presenter=p1&judge=e3`)).entries;
    expect(both.map((e) => [e.action, e.actorRole])).toEqual([['sheet:submit', 'host']]);
    expect(both[0]).toEqual<AuditEntryView>({ id: expect.any(String), at: expect.any(String), actorRole: 'host', actorKey: null, action: 'sheet:submit', presenter: 'p1', judge: 'e3', detail: expect.any(Object) });
  });

  it('refuses an audit filter that is not a key of the contest, naming the parameter', async () => {
    for (const [query, named] of [
      ['presenter=p%201', /^presenter: /],
      ['judge=nobody', /^judge: no judge "nobody"/],
      ['presenter=p1&presenter=p2', /^presenter: /],
      ['colour=red', /^colour: not a filter/],
      ['judge=__proto__', /^judge: /],
    ] as const) {
      for (const path of [`/api/contests/${liveId}/audit?${query}`, `/api/contests/${liveId}/audit.csv?${query}`]) {
        const response = await get(path);
        expect(response.status, path).toBe(400);
        const body = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
        expect(body.error.code).toBe('invalid_input');
        expect(body.error.message, path).toMatch(named);
      }
    }
  });

  it('downloads the audit log as a CSV Excel opens: BOM, Chinese headers, Beijing time, formulas neutralised', async () => {
    const response = await get(`/api/contests/${liveId}/audit.csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const disposition = response.headers.get('content-disposition')!;
    expect(disposition).toContain(`filename="audit-${liveId}.csv"`);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)![1]!)).toBe(`${SMALL_CONTEST.title}-审计日志.csv`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes, { bom: true }) as string[][];
    expect(rows[0]).toEqual(['时间（北京时间）', '角色', '操作者', '操作', '选手', '评委', '详情']);

    const entries = (await json<AuditAnswer>(`/api/contests/${liveId}/audit`)).entries;
    expect(rows).toHaveLength(entries.length + 1);
    for (const [i, e] of entries.entries()) {
      // Beijing time, worked out independently with the time-zone database
      const expected = new Date(e.at).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' });
      expect(rows[i + 1]![0]).toBe(expected);
    }
    // the host's paper sheet for e3 and m2's reopened sheet, in words
    expect(rows.filter((r) => r[1] === '主持人' && r[3] === '提交评分表')).toEqual([
      [expect.any(String), '主持人', '主持人', '提交评分表', '张书记（p1）', '测评丙（e3）', expect.stringContaining('录入方式：主持人代录')],
    ]);
    expect(rows.find((r) => r[3] === '退回评分表')).toEqual([expect.any(String), '主持人', '主持人', '退回评分表', '张书记（p1）', '主评委乙（m2）', expect.stringContaining('原因：评委误触，申请更正')]);

    // cells Excel would run as formulas start with an apostrophe; the text is otherwise unchanged
    const e2rows = rows.filter((r) => r[5]!.includes('（e2）'));
    expect(e2rows.length).toBeGreaterThan(0);
    for (const r of e2rows) expect(r[5]).toBe(`'${FORMULA_NAME}（e2）`);
    expect(e2rows.filter((r) => r[1] === '评委').every((r) => r[2] === `'${FORMULA_NAME}（e2）`)).toBe(true);
    const p2rows = rows.filter((r) => r[4]!.includes('（p2）'));
    expect(p2rows.length).toBeGreaterThan(0);
    for (const r of p2rows) expect(r[4]).toBe("'+李书记（p2）");
    for (const r of rows.slice(1)) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    // the same filters as the JSON route
    const filtered = parseCsv(Buffer.from(await (await get(`/api/contests/${liveId}/audit.csv?judge=e3`)).arrayBuffer()), { bom: true }) as string[][];
    expect(filtered.slice(1).map((r) => r[5])).toEqual(entries.filter((e) => e.judge === 'e3').map(() => '测评丙（e3）'));
  });

  it('measures each demo judge against the kept mean of their panel exactly as an independent count does', async () => {
    const { judges } = await json<ConsistencyAnswer>(`/api/contests/${demoId}/consistency`);
    expect(judges).toEqual(independentConsistency(DEMO));
    // sanity: everyone scored everyone they were not recused from, and the trimming struck 2 per panel per presenter
    expect(judges.find((j) => j.judge === 'e09')!.scored).toBe(21);
    expect(judges.filter((j) => j.panel === 'main').reduce((n, j) => n + j.droppedHighest + j.droppedLowest, 0)).toBe(44);
  });

  it('measures the live contest’s judges on what they scored, leaving out the recused and the missing', async () => {
    const { judges } = await json<ConsistencyAnswer>(`/api/contests/${liveId}/consistency`);
    expect(judges).toEqual(independentConsistency(await exported(liveId)));
    expect(judges.find((j) => j.judge === 'e3')!.deviations.map((d) => d.presenter)).toEqual(['p1']);
    expect(judges.find((j) => j.judge === 'm1')!.deviations.map((d) => d.presenter)).toEqual(['p1', 'p2', 'p3']);
  });

  it('refuses every route without the admin token', async () => {
    for (const route of ['results', 'results.xlsx', 'audit', 'audit.csv', 'consistency']) {
      const response = await get(`/api/contests/${liveId}/${route}`, null);
      expect(response.status, route).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('answers 404 for a contest that does not exist, or an id that cannot be one', async () => {
    for (const route of ['results', 'results.xlsx', 'audit', 'audit.csv', 'consistency']) {
      for (const id of ['nosuchcontest', 'not%20an%20id', 'constructor']) {
        const response = await get(`/api/contests/${id}/${route}`);
        expect(response.status, `${id}/${route}`).toBe(404);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
      }
    }
  });
});

/**
 * Judge consistency worked out here from the contest file alone, without the scoring core: the
 * totals of a presenter's non-recused judges of a panel, the dropHighest highest and lowest instances
 * struck (equal totals: the later-listed judge is the higher), the mean of the rest, and each
 * judge's total minus it, all on exact rationals, rounded once to 2 places.
 */
function independentConsistency(file: ContestJson): JudgeConsistency[] {
  const total = (items: Record<string, number>) => Object.values(items).reduce((acc, v) => acc.add(Exact.fromJsonNumber(v)), Exact.ZERO);
  const presenters = [...file.presenters].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const deviations = new Map<string, Array<{ presenter: string; deviation: Exact; dropped: 'highest' | 'lowest' | null }>>(file.judges.map((j) => [j.key, []]));
  for (const p of presenters) {
    for (const panel of file.rules.panels) {
      const scored = file.judges
        .filter((j) => j.panel === panel.key && !(p.recused ?? []).includes(j.key))
        .flatMap((j, position) => {
          const sheet = file.scores?.find((s) => s.presenter === p.key && s.judge === j.key);
          return sheet ? [{ judge: j.key, total: total(sheet.items), position, dropped: null as 'highest' | 'lowest' | null }] : [];
        });
      if (scored.length === 0) continue;
      const high = panel.dropHighest ?? 0;
      const low = panel.dropLowest ?? 0;
      if (scored.length > high + low) {
        const ascending = [...scored].sort((a, b) => a.total.cmp(b.total) || a.position - b.position);
        ascending.slice(0, low).forEach((s) => (s.dropped = 'lowest'));
        ascending.slice(ascending.length - high).forEach((s) => (s.dropped = 'highest'));
      }
      const kept = scored.filter((s) => s.dropped === null);
      const mean = kept.reduce((acc, s) => acc.add(s.total), Exact.ZERO).div(Exact.of(kept.length));
      for (const s of scored) deviations.get(s.judge)!.push({ presenter: p.key, deviation: s.total.sub(mean), dropped: s.dropped });
    }
  }
  return file.judges.map((j) => {
    const list = deviations.get(j.key)!;
    const n = list.length;
    const mean = (values: Exact[]) => (n === 0 ? null : values.reduce((a, b) => a.add(b), Exact.ZERO).div(Exact.of(n)).toFixed(2));
    return {
      judge: j.key,
      name: j.name,
      panel: j.panel,
      scored: n,
      meanDeviation: mean(list.map((d) => d.deviation)),
      meanAbsoluteDeviation: mean(list.map((d) => (d.deviation.isNegative() ? Exact.ZERO.sub(d.deviation) : d.deviation))),
      droppedHighest: list.filter((d) => d.dropped === 'highest').length,
      droppedLowest: list.filter((d) => d.dropped === 'lowest').length,
      deviations: list.map((d) => ({ presenter: d.presenter, deviation: d.deviation.toFixed(2) })),
    };
  });
}
