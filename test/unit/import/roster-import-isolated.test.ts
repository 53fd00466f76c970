import ExcelJS from 'exceljs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedReadLimits, isolatedReadStats, readSpreadsheetIsolated } from '../../../server/import/read-isolated.ts';

/**
 * Uploaded spreadsheets are read in a child process (server/import/spreadsheet-child.ts) with a
 * small heap and a deadline, one at a time. These start real child processes.
 */

const defaults = { ...isolatedReadLimits };
afterEach(() => Object.assign(isolatedReadLimits, defaults));

const UNREADABLE = /^文件过大或结构异常，无法读取.*请用 Excel 或 WPS 打开后“另存为” \.xlsx 或 CSV 文件/;
const csv = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

async function xlsx(rows: ExcelJS.CellValue[][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe('reading an uploaded spreadsheet in a child process', () => {
  it('answers what readSpreadsheet answers, for .xlsx and CSV, the header found for the kind of list', async () => {
    const sheet = await readSpreadsheetIsolated(await xlsx([['2024年名单'], ['姓名', '单位'], ['张三', '甲']]), 'presenters');
    expect(sheet).toEqual({ format: 'xlsx', encoding: null, headerLine: 2, columns: ['姓名', '单位'], rows: [{ line: 3, values: ['张三', '甲'] }], problem: null });
    const judges = await readSpreadsheetIsolated(csv('评委名单\n姓名,评委组\n甲,主评委\n'), 'judges');
    expect(judges).toMatchObject({ format: 'csv', encoding: 'utf-8', headerLine: 2, columns: ['姓名', '评委组'], problem: null });
    expect((await readSpreadsheetIsolated(new Uint8Array(0), 'presenters')).problem).toMatch(/^文件是空的/);
  });

  it('works whatever the server’s working directory is', async () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect((await readSpreadsheetIsolated(csv('姓名\n张三\n'), 'presenters')).rows).toEqual([{ line: 2, values: ['张三'] }]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('stops a child that takes longer than the deadline, and says the file could not be read', async () => {
    isolatedReadLimits.timeoutMs = 50; // less than a child takes to start
    const reasons: string[] = [];
    const sheet = await readSpreadsheetIsolated(csv('姓名\n张三\n'), 'presenters', (reason) => reasons.push(reason));
    expect(sheet).toEqual({ format: 'csv', encoding: null, headerLine: 1, columns: [], rows: [], problem: expect.stringMatching(UNREADABLE) });
    expect(reasons).toEqual([expect.stringMatching(/no answer within 50 ms/)]);
    expect(isolatedReadStats.running).toBe(0);

    isolatedReadLimits.timeoutMs = defaults.timeoutMs;
    expect((await readSpreadsheetIsolated(csv('姓名\n张三\n'), 'presenters')).problem).toBeNull();
  });

  it('says the file could not be read when the child runs out of memory', async () => {
    // 30,000 rows of .xlsx are read whole (and refused for being more than 2,000 only then): more than a 32 MB heap holds
    isolatedReadLimits.heapMb = 32;
    const reasons: string[] = [];
    const sheet = await readSpreadsheetIsolated(await xlsx([['姓名'], ...Array.from({ length: 30_000 }, (_, i) => [`选手${i}`])]), 'presenters', (reason) => reasons.push(reason));
    expect(sheet.problem).toMatch(UNREADABLE);
    expect(reasons).toEqual([expect.stringMatching(/ended \((SIGABRT|SIGTRAP|exit code \d+)\) without an answer/)]);
  });

  it('reads CSV of 5 MB of line breaks, or of empty rows, within a small heap: it never holds them', async () => {
    isolatedReadLimits.heapMb = 64;
    const newlines = await readSpreadsheetIsolated(csv(`姓名,单位\n${'\n'.repeat(5_000_000)}张三,甲\n`), 'presenters');
    expect(newlines).toMatchObject({ problem: null, rows: [{ line: 5_000_002, values: ['张三', '甲'] }] });
    const emptyRows = await readSpreadsheetIsolated(csv(`姓名\n${',\n'.repeat(2_500_000)}`), 'presenters');
    expect(emptyRows.problem).toMatch(/^表格超过 20000 行（没有内容的行也算在内）/);
  });

  it('reads one file at a time; beyond the uploads allowed to wait, an upload is asked to retry', async () => {
    isolatedReadLimits.maxWaiting = 2;
    const names = ['甲', '乙', '丙', '丁'];
    const sheets = await Promise.all(names.map((name) => readSpreadsheetIsolated(csv(`姓名\n${name}\n`), 'presenters')));
    // the first is read at once, two wait, the fourth is turned away
    expect(sheets.map((s) => s.rows[0]?.values[0] ?? s.problem)).toEqual(['甲', '乙', '丙', '服务器正在读取其他上传的名单文件，请稍等片刻后重新上传']);
    expect(isolatedReadStats.mostAtOnce).toBe(1);
  });
});
