import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readContestFile } from '../../../server/contest-file/contest-file.ts';
import { Exact } from '../../../server/domain/exact.ts';
import type { ResultsTable } from '../../../server/contracts/reports.ts';
import type { ResultReport } from '../../../server/domain/results-report.ts';
import { audienceVoteList, resultsTable } from '../../../server/domain/results-table.ts';
import { resultsWorkbook } from '../../../server/reports/results-workbook.ts';
import { recountFile } from '../../helpers/contest-driver.ts';

/**
 * The demo final with a 10 % audience vote (大众评审; the main panel gives up 10 points), every
 * judge's sheet from the scored fixture and a hall's worth of votes in the export's
 * `audienceVotes`: the results table and the workbook the organisers file show the audience panel
 * as its own group (votes counted, dropped lowest, dropped highest, its score), and every number
 * equals `npm run recount` on that same file to the digit. The first presenter got no votes (score
 * 0), the second one vote (nothing can be trimmed), the rest 20 to 59 votes with repeats at the
 * trim boundaries.
 */

const DEMO = JSON.parse(readFileSync(new URL('../../fixtures/demo-scored.json', import.meta.url), 'utf8')) as {
  rules: { panels: Array<Record<string, unknown>> };
  presenters: Array<{ key: string; order?: number }>;
};

function withAudience() {
  const file = structuredClone(DEMO);
  file.rules.panels[0]!.weight = 0.6;
  file.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 });
  let seed = 20261206;
  const draw = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  const running = [...file.presenters].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const audienceVotes = running.flatMap((p, i) => {
    const n = i === 0 ? 0 : i === 1 ? 1 : 20 + (draw() % 40);
    return Array.from({ length: n }, (_, v) => ({ presenter: p.key, voter: `v${String(v).padStart(3, '0')}`, value: 1 + (draw() % 10) }));
  });
  return { ...file, audienceVotes };
}

async function readBack(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return workbook;
}

const placesOf = (text: string) => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);

describe('the results workbook with an audience vote', () => {
  let report: ResultReport[];
  let table: ResultsTable;
  let summary: ExcelJS.Worksheet;
  let notes: ExcelJS.Worksheet;
  let votesSheet: ExcelJS.Worksheet;
  let sheetNames: string[];
  let withoutAudience: string[];
  let exported: Array<{ presenter: string; voter: string; value: number }>;
  let names: Map<string, string>;

  beforeAll(async () => {
    const text = JSON.stringify(withAudience());
    const file = join(mkdtempSync(join(tmpdir(), 'leitai-audience-')), 'contest.json');
    writeFileSync(file, text);
    report = (await recountFile<ResultReport>(file)).results;

    const { definition, sheets, votes } = readContestFile(text);
    const stored = sheets.map((s) => ({ ...s, enteredBy: 'import' as const, supersedesId: null }));
    table = resultsTable(definition, stored, new Date('2026-12-06T12:00:00Z'), [], votes);
    exported = votes.map((v) => ({ presenter: v.presenter, voter: v.voter, value: v.value.toNumber() }));
    names = new Map(definition.presenters.map((p) => [p.key, p.name]));
    const workbook = await readBack(await resultsWorkbook(table, definition.rules, audienceVoteList(definition, votes)));
    summary = workbook.getWorksheet('成绩汇总')!;
    votesSheet = workbook.getWorksheet('大众评审投票')!;
    notes = workbook.getWorksheet('说明')!;
    sheetNames = workbook.worksheets.map((w) => w.name);

    const plain = readContestFile(JSON.stringify(DEMO));
    const without = resultsTable(plain.definition, plain.sheets.map((s) => ({ ...s, enteredBy: 'import' as const, supersedesId: null })), new Date('2026-12-06T12:00:00Z'));
    withoutAudience = (await readBack(await resultsWorkbook(without, plain.definition.rules, audienceVoteList(plain.definition, [])))).worksheets.map((w) => w.name);
  });

  it('lists every counted vote in 大众评审投票 as the export carries it, lowest first, the trimmed ones marked and struck through', () => {
    expect(sheetNames).toEqual(['成绩汇总', '评分明细', '大众评审投票', '说明']);
    expect(withoutAudience).toEqual(['成绩汇总', '评分明细', '说明']);
    expect((votesSheet.getRow(2).values as unknown[]).slice(1)).toEqual(['出场顺序', '单位', '姓名', '投票人编号', '票值（1–10）', '去掉']);
    const rows = Array.from({ length: exported.length }, (_, i) => votesSheet.getRow(3 + i));
    expect(rows.map((r) => `${r.getCell(3).value} ${r.getCell(4).value} ${r.getCell(5).value}`).sort()).toEqual(exported.map((v) => `${names.get(v.presenter)} ${v.voter} ${v.value}`).sort());
    expect(votesSheet.getCell(3 + exported.length, 4).value).toBeNull(); // nothing more than the votes
    for (const recounted of report) {
      const own = rows.filter((r) => r.getCell(3).value === recounted.name);
      const count = recounted.panels[2]!.votes!;
      expect(own.map((r) => r.getCell(6).value ?? 'kept'), recounted.presenter).toEqual([
        ...Array(count.trimmed.low).fill('去掉最低'),
        ...Array(count.kept).fill('kept'),
        ...Array(count.trimmed.high).fill('去掉最高'),
      ]);
      expect(own.every((r) => (r.getCell(5).font?.strike === true) === (r.getCell(6).value !== null)), recounted.presenter).toBe(true);
      // the kept votes' mean ÷ 10 × 100 is the audience score the recount prints
      const kept = own.filter((r) => r.getCell(6).value === null).map((r) => Exact.parse(String(r.getCell(5).value)));
      const mean = kept.length === 0 ? Exact.ZERO : kept.reduce((a, b) => a.add(b), Exact.ZERO).div(Exact.of(kept.length)).mul(Exact.of(10));
      expect(mean.toFixed(2), recounted.presenter).toBe(recounted.panels[2]!.score);
    }
    expect(String(votesSheet.getCell(4 + exported.length, 1).value)).toMatch(/^注：共 \d+ 票，每部手机对每位选手只计截止前的最后一票；投票人编号与导出的比赛文件/);
  });

  it('counts the votes in the results table as the recount does', () => {
    expect(table.panels.map((p) => [p.key, p.kind, p.audience])).toEqual([
      ['main', 'judges', null],
      ['eval', 'judges', null],
      ['public', 'audience', { min: '1', max: '10', step: '1', trimPercent: 10 }],
    ]);
    expect(table.rows.map((r) => r.presenter)).toEqual(report.map((r) => r.presenter));
    table.rows.forEach((row, i) => {
      const recounted = report[i]!;
      expect(row.final, row.presenter).toBe(recounted.final);
      expect(row.rank, row.presenter).toBe(recounted.rank);
      expect(row.panels.map((p) => p.score)).toEqual(recounted.panels.map((p) => p.score));
      expect(row.panels[2]!.votes).toEqual(recounted.panels[2]!.votes);
      expect(row.panels[2]!.judges).toEqual([]);
    });
    // the edge cases are in the file: no votes (score 0), one vote (nothing trimmed), and trimming
    const counts = report.map((r) => r.panels[2]!.votes!);
    expect(counts.some((c) => c.counted === 0)).toBe(true);
    expect(counts.find((c) => c.counted === 1)).toEqual({ counted: 1, trimmed: { low: 0, high: 0 }, kept: 1 });
    expect(counts.filter((c) => c.trimmed.low > 0).length).toBeGreaterThan(15);
    expect(report.find((r) => r.panels[2]!.votes!.counted === 0)!.panels[2]!.score).toBe('0.00');
  });

  it('gives the audience panel its own group in 成绩汇总: votes counted, dropped lowest and highest, then its score', () => {
    const header = (row: number) => (summary.getRow(row).values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : String(v)));
    const groups = header(2);
    const heads = header(3);
    const first = heads.indexOf('计票数');
    expect(first).toBeGreaterThan(0);
    expect(groups[first]).toBe('大众评审（10%）');
    expect(heads.slice(first, first + 3)).toEqual(['计票数', '去掉最低（票）', '去掉最高（票）']);
    // the panels' scores: 主评委 now 60 %, the audience's score column after the two panels'
    const scoreColumn = heads.indexOf('大众评审（10%）');
    expect(heads.slice(scoreColumn - 2, scoreColumn + 2)).toEqual(['主评委（60%）', '测评打分（30%）', '大众评审（10%）', '最后得分']);

    report.forEach((recounted, i) => {
      const cells = summary.getRow(4 + i);
      const where = `row of ${recounted.presenter}`;
      expect(cells.getCell(4).value, where).toBe(recounted.name);
      const votes = recounted.panels[2]!.votes!;
      expect([first, first + 1, first + 2].map((c) => cells.getCell(c + 1).value), where).toEqual([votes.counted, votes.trimmed.low, votes.trimmed.high]);
      const score = recounted.panels[2]!.score!;
      const scoreCell = cells.getCell(scoreColumn + 1);
      expect((scoreCell.value as number).toFixed(placesOf(score)), where).toBe(score);
      const final = cells.getCell(scoreColumn + 2);
      expect((final.value as number).toFixed(2), where).toBe(recounted.final);
    });
  });

  it('says in 说明 how the votes become a score', () => {
    const lines = notes.getColumn(1).values.map(String);
    const at = lines.indexOf('大众评审：大众评审');
    expect(at).toBeGreaterThan(0);
    expect(String(notes.getCell(at, 2).value)).toMatch(/^权重 10%，现场观众手机投票.*分值 1–10、步长 1；去掉最高、最低各 10% 的票.*平均票 ÷ 10 × 100；无人投票时得 0 分/);
  });
});
