import ExcelJS from 'exceljs';
import type { ResultsJudgeCell, ResultsPanel, ResultsPanelCell, ResultsTable, ResultsVote } from '../contracts/reports.ts';
import type { Rules } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import { beijingTime } from './beijing-time.ts';

/**
 * The results workbook in the shape organisers file it (成绩汇总表): built from the ResultsTable the
 * results route answers with, so the spreadsheet, the admin page and `npm run recount` show the same
 * digits. Nothing here computes a score.
 *
 *   成绩汇总  the table: 序号, 出场顺序, 单位, 姓名, 题目, every judge's total grouped by panel (the
 *             audience panel's group: votes counted, dropped lowest, dropped highest), each
 *             panel's score, 最后得分, 名次, 奖项; dropped totals struck through in grey with a note
 *             saying which extreme; 回避 for a recused judge, 缺席 for one marked absent, — for a
 *             missing sheet; a warning under the table while a correction is not revealed again
 *   评分明细  one row per presenter × judge: every criterion, the total, 录入方式, 已更正
 *   大众评审投票  (with an audience panel) one row per counted vote: the presenter, the voter id as
 *             the export's audienceVotes has it, the value, and 去掉最低/去掉最高 (struck through)
 *             where the trim dropped it; the marks are the scoring core's (results-table.ts)
 *   说明      the rules the numbers were computed under, the marks used, the time it was made
 *
 * NUMBERS AS NUMBERS, CHECKED. Organisers sort, filter and sum these columns, so scores are numeric
 * cells, not text. An xlsx stores a number as a binary double written as its shortest round-trip
 * text (exceljs writes String(number)), so Number("87.30") is stored as 87.3 and shown as "87.30"
 * by a number format with exactly the decimal's places ("0.00"). That is exact, not approximately
 * right: a decimal of at most 15 significant digits survives text → double → text unchanged, and
 * we format with the same number of places it was written with, so there is no second rounding.
 * The double is only the carrier of the digits, as with JSON numbers in the contest file
 * (Exact.fromJsonNumber); nothing is computed on it. Each value is checked before it is written
 * (the double must read back as exactly the same Exact) and one that would not survive is written
 * as text instead. test/integration/results-export.test.ts reads every cell back and compares
 * value.toFixed(places) with the recount's string.
 */

export type WorkbookRules = Pick<Rules, 'tieBreak' | 'awards'>;

const GREY = 'FF8C8C8C';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
const THIN: ExcelJS.Borders = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
} as ExcelJS.Borders;
const CENTER: Partial<ExcelJS.Alignment> = { horizontal: 'center', vertical: 'middle', wrapText: true };

const DROPPED_NOTE = { highest: '去掉最高分', lowest: '去掉最低分' } as const;
const RECUSED_TEXT = '回避';
const ABSENT_TEXT = '缺席';
const MISSING_TEXT = '—';
export const ENTERED_BY_TEXT = { judge: '评委', host: '主持人代录', import: '导入' } as const;

/** the audience panel's columns in 成绩汇总, where a judges' panel has one per judge */
const AUDIENCE_HEADS = ['计票数', '去掉最低（票）', '去掉最高（票）'] as const;

/** how many columns a panel's group takes in 成绩汇总 */
const groupWidth = (p: ResultsPanel): number => (p.kind === 'audience' ? AUDIENCE_HEADS.length : p.judges.length);

/** the audience panel's counts for one presenter, in AUDIENCE_HEADS' order */
const voteCounts = (cell: ResultsPanelCell): number[] => (cell.votes ? [cell.votes.counted, cell.votes.trimmed.low, cell.votes.trimmed.high] : [0, 0, 0]);

/** "0.7" → "70%" (weights are exact decimals, so ×100 is too) */
function percent(weight: string): string {
  return `${Exact.parse(weight).mul(Exact.of(100)).toString()}%`;
}

/** places a decimal string was written with: "87.30" → 2, "88" → 0 */
function placesOf(text: string): number {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

/** Writes an exact decimal string as a number shown with exactly its digits (see the comment at the top). */
function setDecimal(cell: ExcelJS.Cell, text: string): void {
  const exact = Exact.parse(text);
  const number = Number(text);
  if (Exact.tryFromJsonNumber(number)?.eq(exact)) {
    const places = placesOf(text);
    cell.value = number;
    cell.numFmt = places === 0 ? '0' : `0.${'0'.repeat(places)}`;
  } else {
    cell.value = text;
  }
}

function styleHeader(cell: ExcelJS.Cell): void {
  cell.font = { bold: true };
  cell.fill = HEADER_FILL;
  cell.alignment = CENTER;
  cell.border = THIN;
}

/** what stands in for the total of a judge who is not expected: 回避 or 缺席 (null: the judge is expected) */
const excludedText = (j: ResultsJudgeCell): string | null => (j.recused ? RECUSED_TEXT : j.absent ? ABSENT_TEXT : null);

/** the warning the workbook carries while the projector shows a presenter's old numbers */
function owedRevealWarning(table: ResultsTable): string | null {
  if (table.owedReveals.length === 0) return null;
  const names = table.owedReveals.map((key) => table.rows.find((r) => r.presenter === key)?.name ?? key).join('、');
  return `注意：${names} 的评分已更正，但尚未在大屏重新公布；本表为更正后的成绩，与大屏所示不一致。请主持人重新公布后再下载。`;
}

/** a judge's total in 成绩汇总: the number, 回避, 缺席 or —, with notes for a dropped, corrected or host-entered sheet */
function writeJudgeCell(cell: ExcelJS.Cell, j: ResultsJudgeCell): void {
  cell.border = THIN;
  cell.alignment = { horizontal: 'center', vertical: 'middle' };
  const excluded = excludedText(j);
  if (excluded) {
    cell.value = excluded;
    cell.font = { color: { argb: GREY } };
    return;
  }
  if (j.total === null) {
    cell.value = MISSING_TEXT;
    return;
  }
  setDecimal(cell, j.total);
  const notes: string[] = [];
  if (j.dropped) {
    cell.font = { strike: true, color: { argb: GREY } };
    notes.push(DROPPED_NOTE[j.dropped]);
  }
  if (j.corrected) notes.push('已更正（主持人退回后重新提交）');
  if (j.enteredBy === 'host') notes.push('主持人代录（纸质评分表）');
  if (notes.length > 0) cell.note = notes.join('；');
}

/** `votes`: every counted audience vote with the trim's marks (results-table.ts audienceVoteList); [] without an audience panel */
export async function resultsWorkbook(table: ResultsTable, rules: WorkbookRules, votes: readonly ResultsVote[] = []): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Leitai 擂台';
  workbook.created = new Date(table.generatedAt);
  summarySheet(workbook, table);
  detailSheet(workbook, table);
  const audience = table.panels.find((p) => p.kind === 'audience');
  if (audience?.audience) votesSheet(workbook, table, audience.audience, votes);
  notesSheet(workbook, table, rules);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// ------------------------------------------------------------------------------------ 成绩汇总

const SUMMARY_SHEET = '成绩汇总';
const SUMMARY_FIRST_ROW = 4;

function summarySheet(workbook: ExcelJS.Workbook, table: ResultsTable): void {
  const ws = workbook.addWorksheet(SUMMARY_SHEET, {
    views: [{ state: 'frozen', xSplit: 4, ySplit: 3, topLeftCell: 'E4', activeCell: 'A4' }],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages down as it takes
      horizontalCentered: true,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
      printTitlesRow: '2:3',
    },
    headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
  });

  const fixed = ['序号', '出场顺序', '单位', '姓名', '题目'];
  const judgeColumns = table.panels.reduce((n, p) => n + groupWidth(p), 0);
  const firstJudge = fixed.length + 1;
  const firstPanelScore = firstJudge + judgeColumns;
  const finalColumn = firstPanelScore + table.panels.length;
  const lastColumn = finalColumn + 2;

  ws.columns = [
    { width: 6 },
    { width: 8 },
    { width: 16 },
    { width: 18 },
    { width: 34 },
    ...Array.from({ length: judgeColumns }, () => ({ width: 9 })),
    ...table.panels.map(() => ({ width: 12 })),
    { width: 10 },
    { width: 7 },
    { width: 10 },
  ];

  // title
  ws.mergeCells(1, 1, 1, lastColumn);
  const title = ws.getCell(1, 1);
  title.value = `${table.title} 成绩汇总表`;
  title.font = { bold: true, size: 16 };
  title.alignment = CENTER;
  ws.getRow(1).height = 32;

  // two header rows: single headers span both, groups have a name row above their columns
  const spanning = (column: number, text: string) => {
    ws.mergeCells(2, column, 3, column);
    ws.getCell(2, column).value = text;
  };
  fixed.forEach((text, i) => spanning(i + 1, text));
  let column = firstJudge;
  for (const panel of table.panels) {
    if (groupWidth(panel) === 0) continue;
    ws.mergeCells(2, column, 2, column + groupWidth(panel) - 1);
    ws.getCell(2, column).value = `${panel.name}（${percent(panel.weight)}）`;
    const heads = panel.kind === 'audience' ? AUDIENCE_HEADS : panel.judges.map((j) => j.name);
    for (const head of heads) ws.getCell(3, column++).value = head;
  }
  if (table.panels.length > 1) ws.mergeCells(2, firstPanelScore, 2, finalColumn - 1);
  ws.getCell(2, firstPanelScore).value = '评委组得分';
  table.panels.forEach((panel, i) => (ws.getCell(3, firstPanelScore + i).value = `${panel.name}（${percent(panel.weight)}）`));
  spanning(finalColumn, '最后得分');
  spanning(finalColumn + 1, '名次');
  spanning(finalColumn + 2, '奖项');
  for (const r of [2, 3]) for (let c = 1; c <= lastColumn; c++) styleHeader(ws.getCell(r, c));
  ws.getRow(3).height = 32;

  table.rows.forEach((row, i) => {
    const r = ws.getRow(SUMMARY_FIRST_ROW + i);
    const text = (c: number, value: string | number | null, align: Partial<ExcelJS.Alignment> = CENTER) => {
      const cell = r.getCell(c);
      cell.value = value;
      cell.alignment = align;
      cell.border = THIN;
    };
    text(1, row.index);
    text(2, row.order);
    text(3, row.unit);
    text(4, row.name);
    text(5, row.topic, { vertical: 'middle', wrapText: true });
    let c = firstJudge;
    row.panels.forEach((panel, p) => {
      if (table.panels[p]!.kind === 'audience') {
        for (const count of voteCounts(panel)) text(c++, count);
      } else for (const judge of panel.judges) writeJudgeCell(r.getCell(c++), judge);
    });
    row.panels.forEach((panel, p) => {
      const cell = r.getCell(firstPanelScore + p);
      cell.border = THIN;
      cell.alignment = CENTER;
      if (panel.score === null) cell.value = MISSING_TEXT;
      else setDecimal(cell, panel.score);
    });
    const final = r.getCell(finalColumn);
    final.border = THIN;
    final.alignment = CENTER;
    final.font = { bold: true };
    if (row.final === null) final.value = MISSING_TEXT;
    else setDecimal(final, row.final);
    if (!row.complete) final.note = '评分未完成，不参与排名';
    text(finalColumn + 1, row.rank ?? MISSING_TEXT);
    text(finalColumn + 2, row.award); // no award: an empty cell
  });

  const after = SUMMARY_FIRST_ROW + table.rows.length + 1;
  ws.mergeCells(after, 1, after, lastColumn);
  ws.getCell(after, 1).value =
    `注：灰色删除线为去掉的最高分、最低分（单元格批注注明）；“${RECUSED_TEXT}”为评委回避；“${ABSENT_TEXT}”为评委缺席（均不计入）；“${MISSING_TEXT}”为未评分。` +
    `最后得分 = Σ 评委组权重 × 评委组得分，精确计算后四舍五入保留 ${table.decimals} 位小数。`;
  ws.getCell(after, 1).alignment = { wrapText: true, vertical: 'top' };
  ws.getRow(after).height = 30;
  ws.mergeCells(after + 1, 1, after + 1, lastColumn);
  ws.getCell(after + 1, 1).value = `生成时间：${beijingTime(new Date(table.generatedAt))}（北京时间）`;
  const warning = owedRevealWarning(table);
  if (warning) {
    ws.mergeCells(after + 2, 1, after + 2, lastColumn);
    const cell = ws.getCell(after + 2, 1);
    cell.value = warning;
    cell.font = { bold: true, color: { argb: 'FFC00000' } };
    cell.alignment = { wrapText: true, vertical: 'top' };
    ws.getRow(after + 2).height = 30;
  }
}

// ------------------------------------------------------------------------------------ 评分明细

const DETAIL_SHEET = '评分明细';
const DETAIL_FIRST_ROW = 3;

function detailSheet(workbook: ExcelJS.Workbook, table: ResultsTable): void {
  const ws = workbook.addWorksheet(DETAIL_SHEET, {
    views: [{ state: 'frozen', xSplit: 3, ySplit: 2, topLeftCell: 'D3', activeCell: 'A3' }],
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
      printTitlesRow: '2:2',
    },
    headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
  });
  const headers = [
    '出场顺序',
    '单位',
    '姓名',
    '评委组',
    '评委',
    ...table.criteria.map((c) => `${c.name}（${c.max}分）`),
    '合计',
    '去掉',
    '录入方式',
    '已更正',
  ];
  const totalColumn = 6 + table.criteria.length;
  ws.columns = [
    { width: 8 },
    { width: 16 },
    { width: 18 },
    { width: 12 },
    { width: 20 },
    ...table.criteria.map(() => ({ width: 11 })),
    { width: 9 },
    { width: 11 },
    { width: 11 },
    { width: 7 },
  ];
  ws.mergeCells(1, 1, 1, headers.length);
  ws.getCell(1, 1).value = `${table.title} 评分明细`;
  ws.getCell(1, 1).font = { bold: true, size: 14 };
  ws.getCell(1, 1).alignment = CENTER;
  ws.getRow(1).height = 26;
  headers.forEach((h, i) => {
    const cell = ws.getCell(2, i + 1);
    cell.value = h;
    styleHeader(cell);
  });

  const byRunningOrder = [...table.rows].sort((a, b) => a.order - b.order);
  let r = DETAIL_FIRST_ROW;
  for (const row of byRunningOrder) {
    row.panels.forEach((panel, p) => {
      const panelInfo = table.panels[p]!;
      panel.judges.forEach((j, k) => {
        const line = ws.getRow(r++);
        const values: Array<string | number> = [row.order, row.unit, row.name, panelInfo.name, panelInfo.judges[k]!.name];
        values.forEach((v, i) => (line.getCell(i + 1).value = v));
        table.criteria.forEach((c, i) => {
          const value = j.items?.[c.key];
          if (value !== undefined) setDecimal(line.getCell(6 + i), value);
        });
        const total = line.getCell(totalColumn);
        const excluded = excludedText(j);
        if (excluded) total.value = excluded;
        else if (j.total === null) total.value = MISSING_TEXT;
        else setDecimal(total, j.total);
        if (j.dropped) {
          total.font = { strike: true, color: { argb: GREY } };
          line.getCell(totalColumn + 1).value = DROPPED_NOTE[j.dropped];
        }
        if (j.enteredBy) line.getCell(totalColumn + 2).value = ENTERED_BY_TEXT[j.enteredBy];
        if (j.total !== null) line.getCell(totalColumn + 3).value = j.corrected ? '是' : '否';
        for (let c = 1; c <= headers.length; c++) {
          const cell = line.getCell(c);
          cell.border = THIN;
          cell.alignment = c === 2 || c === 3 || c === 5 ? { vertical: 'middle' } : { horizontal: 'center', vertical: 'middle' };
        }
      });
    });
  }
}

// ------------------------------------------------------------------------------------ 大众评审投票

const VOTES_SHEET = '大众评审投票';
const VOTE_DROPPED_TEXT = { lowest: '去掉最低', highest: '去掉最高' } as const;

function votesSheet(workbook: ExcelJS.Workbook, table: ResultsTable, scale: NonNullable<ResultsPanel['audience']>, votes: readonly ResultsVote[]): void {
  const ws = workbook.addWorksheet(VOTES_SHEET, {
    views: [{ state: 'frozen', ySplit: 2, activeCell: 'A3' }],
    pageSetup: { paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
    headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
  });
  const headers = ['出场顺序', '单位', '姓名', '投票人编号', `票值（${scale.min}–${scale.max}）`, '去掉'];
  ws.columns = [{ width: 8 }, { width: 16 }, { width: 18 }, { width: 30 }, { width: 12 }, { width: 10 }];
  ws.mergeCells(1, 1, 1, headers.length);
  ws.getCell(1, 1).value = `${table.title} 大众评审投票`;
  ws.getCell(1, 1).font = { bold: true, size: 14 };
  ws.getCell(1, 1).alignment = CENTER;
  ws.getRow(1).height = 26;
  headers.forEach((h, i) => styleHeader(Object.assign(ws.getCell(2, i + 1), { value: h })));
  // organisers filter by presenter or by 去掉
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: headers.length } };

  votes.forEach((vote, i) => {
    const line = ws.getRow(3 + i);
    [vote.order, vote.unit, vote.name, vote.voter].forEach((v, c) => (line.getCell(c + 1).value = v));
    const value = line.getCell(5);
    setDecimal(value, vote.value);
    if (vote.dropped) {
      value.font = { strike: true, color: { argb: GREY } };
      line.getCell(6).value = VOTE_DROPPED_TEXT[vote.dropped];
    }
    for (let c = 1; c <= headers.length; c++) {
      const cell = line.getCell(c);
      cell.border = THIN;
      cell.alignment = c === 2 || c === 3 || c === 4 ? { vertical: 'middle' } : { horizontal: 'center', vertical: 'middle' };
    }
  });

  const after = 3 + votes.length + 1;
  ws.mergeCells(after, 1, after, headers.length);
  ws.getCell(after, 1).value =
    `注：共 ${votes.length} 票，每部手机对每位选手只计截止前的最后一票；投票人编号与导出的比赛文件（audienceVotes 的 voter）相同。` +
    `灰色删除线为两端去掉的票（各端去掉 票数 × ${scale.trimPercent}% 向下取整 票；票值相同时先投的先去掉最低、后投的先去掉最高，不影响得分），其余的票取平均。`;
  ws.getCell(after, 1).alignment = { wrapText: true, vertical: 'top' };
  ws.getRow(after).height = 45;
}

// ------------------------------------------------------------------------------------ 说明

/** the audience panel's rule in words (DESIGN.md "Audience"), for 说明 */
function audienceRule(p: ResultsPanel, scale: NonNullable<ResultsPanel['audience']>, table: ResultsTable): [string, string] {
  const full = table.criteria.reduce((sum, c) => sum.add(Exact.parse(c.max)), Exact.ZERO).toString();
  const trim =
    scale.trimPercent > 0
      ? `去掉最高、最低各 ${scale.trimPercent}% 的票（票数 × ${scale.trimPercent}% 向下取整，各端去掉这么多票）后取平均`
      : '取全部票的平均';
  return [
    `大众评审：${p.name}`,
    `权重 ${percent(p.weight)}，现场观众手机投票，每部手机对每位选手一票（以截止前最后一次为准），分值 ${scale.min}–${scale.max}、步长 ${scale.step}；` +
      `${trim}，再换算为满分：平均票 ÷ ${scale.max} × ${full}；无人投票时得 0 分。“计票数”为计入的票数，“去掉最低/最高”为两端去掉的票数；每一票见“${VOTES_SHEET}”表`,
  ];
}

const NOTES_SHEET = '说明';

function notesSheet(workbook: ExcelJS.Workbook, table: ResultsTable, rules: WorkbookRules): void {
  const ws = workbook.addWorksheet(NOTES_SHEET, { pageSetup: { paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  ws.columns = [{ width: 16 }, { width: 90 }];
  const panelName = new Map(table.panels.map((p) => [p.key, p.name]));
  const ranked = table.rows.filter((r) => r.rank !== null).length;
  const warning = owedRevealWarning(table);
  const lines: Array<[string, string]> = [
    ...(warning ? [['注意', warning] as [string, string]] : []),
    ['比赛', table.title],
    ...table.panels.map((p): [string, string] => (p.kind === 'audience' && p.audience ? audienceRule(p, p.audience, table) : [
      `评委组：${p.name}`,
      `权重 ${percent(p.weight)}，评委 ${p.judges.length} 名` +
        (p.dropHighest + p.dropLowest > 0
          ? `；去掉 ${p.dropHighest} 个最高分、${p.dropLowest} 个最低分后取平均（有效评分不多于 ${p.dropHighest + p.dropLowest} 个时不去掉）`
          : '；取全部评分的平均'),
    ])),
    ...table.criteria.map((c): [string, string] => [`评分项：${c.name}`, `满分 ${c.max} 分，最小单位 ${c.step} 分`]),
    ['评委总分', '各评分项之和；回避或缺席的评委不计入'],
    ['最后得分', `Σ 评委组权重 × 评委组得分，全程精确计算，最后四舍五入保留 ${table.decimals} 位小数`],
    [
      '名次',
      '所有应评评委均已评分的选手参与排名，按最后得分从高到低' +
        (rules.tieBreak.length > 0 ? `；得分相同时依次比较${rules.tieBreak.map((k) => `${panelName.get(k) ?? k}得分`).join('、')}` : '') +
        '；仍相同则名次并列，下一名次顺延（如 1、2、2、4）',
    ],
    ...(rules.awards.length > 0
      ? [['奖项', rules.awards.map((a) => `${a.name} ${a.count === null ? '其余' : `${a.count} 名`}`).join('，') + '；名次并列跨越奖项分界时均获较高奖项'] as [string, string]]
      : []),
    ['标记', `灰色删除线：去掉的最高分或最低分（批注注明）；“${RECUSED_TEXT}”：评委回避；“${ABSENT_TEXT}”：评委缺席（主持人标记）；“${MISSING_TEXT}”：未评分；批注“已更正”：主持人退回后重新提交`],
    ['完成情况', `${table.rows.length} 名选手，${ranked} 名已排名，${table.rows.length - ranked} 名评分未完成`],
    ['生成时间', `${beijingTime(new Date(table.generatedAt))}（北京时间）`],
  ];
  lines.forEach(([k, v], i) => {
    const row = ws.getRow(i + 1);
    row.getCell(1).value = k;
    row.getCell(1).font = { bold: true };
    row.getCell(2).value = v;
    if (warning && i === 0) row.getCell(2).font = { bold: true, color: { argb: 'FFC00000' } };
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    row.getCell(1).alignment = { vertical: 'top' };
  });
}
