import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportAnswer, ImportPreview } from '../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import type { DatabaseHandle } from '../../server/db/connection.ts';
import { isolatedReadStats } from '../../server/import/read-isolated.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi } from '../helpers/contest-driver.ts';
import { createTestDatabase } from '../helpers/databases.ts';

/**
 * Uploaded files that try to take the server down with it: a few kilobytes of .xlsx asking exceljs
 * for billions of cells, a zip lying about its sizes, CSV of millions of empty lines, many uploads
 * at once. The server runs the live contest too, so it must go on answering (GET /healthz) while
 * such a file is read, answer the upload with a clear problem (or read it, when only what we never
 * read was dangerous), and never fall over. All through the real HTTP interface, into
 * test/fixtures/small-contest.json (panels 主评委 main, 测评 eval; presenters p1–p5).
 */

const UNREADABLE = /^文件过大或结构异常，无法读取.*请用 Excel 或 WPS 打开后“另存为” \.xlsx 或 CSV 文件/;

type Refusal = { ok: false; error: { code: string; message: string }; preview?: ImportPreview };

async function workbook(rows: ExcelJS.CellValue[][], build?: (sheet: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  build?.(sheet);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** the workbook with one of its XML parts edited, zipped again the way Excel does (deflated) */
async function patched(bytes: Buffer, part: string, edit: (xml: string) => string): Promise<Buffer> {
  const zip = await JSZip.loadAsync(bytes);
  const xml = await zip.file(part)!.async('string');
  const changed = edit(xml);
  expect(changed).not.toBe(xml);
  zip.file(part, changed);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

const PRESENTERS: ExcelJS.CellValue[][] = [
  ['姓名', '单位'],
  ['张三', '甲街道'],
  ['李四', '乙街道'],
];

/** A zip written by hand, so that an entry can declare a size it does not have. */
function zipOf(entries: Array<{ name: string; deflated: Buffer; size: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, deflated, size } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, deflated);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Deflate data that inflates to `megabytes` MB of zeros: 1 MB of zeros deflated, repeated, then an empty last block. */
function zerosDeflated(megabytes: number): Buffer {
  const oneMegabyte = deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array.from({ length: megabytes }, () => oneMegabyte), Buffer.from([0x03, 0x00])]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Reading a file is the same whatever the database: these run on PGlite only (on Postgres too
// they would add a minute of child processes, and nothing else).
describe('uploaded files that could take the server down [pglite]', () => {
  let database: DatabaseHandle;
  let server: RunningTestServer;
  let contest: string;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    server = await startTestServer(database);
    contest = (await createContestOverApi(server.url)).id;
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  async function upload<T = ImportAnswer>(kind: string, bytes: Uint8Array, options: { dryRun?: boolean; id?: string } = {}): Promise<{ status: number; body: T }> {
    const response = await adminFetch(server.url, `/api/contests/${options.id ?? contest}/import/${kind}${options.dryRun === false ? '' : '?dryRun=true'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /**
   * The upload, with GET /healthz asked (and answered) while the file is being read: the server is
   * not blocked by it. Resolves with the upload's answer.
   */
  async function uploadWhileCheckingHealth<T = ImportAnswer>(kind: string, bytes: Uint8Array): Promise<{ status: number; body: T }> {
    const before = isolatedReadStats.started;
    let answered = false;
    const answer = upload<T>(kind, bytes).finally(() => {
      answered = true;
    });
    // the file has reached the server and is being read
    while (isolatedReadStats.started === before && !answered) await sleep(5);
    expect(answered).toBe(false);
    const health = await fetch(`${server.url}/healthz`);
    expect({ status: health.status, answeredWhileTheFileWasRead: !answered }).toEqual({ status: 200, answeredWhileTheFileWasRead: true });
    expect(await health.json()).toMatchObject({ ok: true });
    return answer;
  }

  it('reads a small .xlsx claiming merged cells, dropdowns, column widths or a name over the whole sheet at once, the server answering throughout', async () => {
    const list = await workbook(PRESENTERS);
    const sheet = 'xl/worksheets/sheet1.xml';
    const bombs: Array<[string, Buffer]> = [
      // exceljs made an object per merged cell: 17 billion (blocked 36 s, then the process died)
      ['merged cells', await patched(list, sheet, (xml) => xml.replace('</sheetData>', '</sheetData><mergeCells count="1"><mergeCell ref="B3:XFD1048576"/></mergeCells>'))],
      ['a dropdown', await patched(list, sheet, (xml) => xml.replace('</sheetData>', '</sheetData><dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="A1:XFD1048576"><formula1>"甲,乙"</formula1></dataValidation></dataValidations>'))],
      ['both', await patched(list, sheet, (xml) =>
        xml.replace('</sheetData>', '</sheetData><mergeCells count="1"><mergeCell ref="B3:XFD1048576"/></mergeCells><dataValidations count="1"><dataValidation type="list" sqref="A1:XFD1048576"><formula1>"甲"</formula1></dataValidation></dataValidations>'),
      )],
      ['column widths', await patched(list, sheet, (xml) => xml.replace('<sheetData', '<cols><col min="1" max="2000000000" width="12" customWidth="1"/></cols><sheetData'))],
      ['a defined name', await patched(list, 'xl/workbook.xml', (xml) => xml.replace('</sheets>', '</sheets><definedNames><definedName name="全部">Sheet1!$A$1:$XFD$1048576</definedName></definedNames>'))],
    ];
    for (const [, bytes] of bombs) {
      expect(bytes.length).toBeLessThan(10_000);
      const { status, body } = await uploadWhileCheckingHealth('presenters', bytes);
      expect(status).toBe(200);
      expect(body.preview).toMatchObject({ format: 'xlsx', problems: [], ready: true });
      expect(body.preview.rows.map((r) => [r.line, r.cells['姓名'], r.cells['单位']])).toEqual([
        [2, '张三', '甲街道'],
        [3, '李四', '乙街道'],
      ]);
    }
  });

  it('answers a small .xlsx whose reading would take more memory than allowed with a clear problem of the file, and the server goes on answering', { timeout: 90_000 }, async () => {
    // One shared string of 8 million characters in all 2,000 rows: nothing to strip, and reading it
    // holds a copy per cell. The reading process runs out of memory (or time) and is stopped.
    const list = await workbook([['姓名', '单位'], ...Array.from({ length: 2000 }, () => ['张三', '甲街道'])]);
    const bytes = await patched(list, 'xl/sharedStrings.xml', (xml) => xml.replace('<t>张三</t>', `<t>${'张 '.repeat(4_000_000)}</t>`));
    expect(bytes.length).toBeLessThan(100_000);
    const { status, body } = await uploadWhileCheckingHealth('presenters', bytes);
    expect(status).toBe(200);
    expect(body.preview).toMatchObject({ format: 'xlsx', rows: [], ready: false, problems: [expect.stringMatching(UNREADABLE)] });
    // the next upload is read as usual
    expect((await upload('presenters', await workbook(PRESENTERS))).body.preview.ready).toBe(true);
  });

  it('refuses a zip whose entry declares 1,000 bytes and inflates to 4 GB, without inflating it', async () => {
    const entries = await JSZip.loadAsync(await workbook(PRESENTERS));
    const parts = await Promise.all(
      Object.values(entries.files)
        .filter((f) => !f.dir)
        .map(async (f) => {
          const data = await f.async('nodebuffer');
          if (f.name === 'xl/worksheets/sheet1.xml') return { name: f.name, deflated: zerosDeflated(4096), size: 1000 };
          return { name: f.name, deflated: deflateRawSync(data), size: data.length };
        }),
    );
    const bomb = zipOf(parts);
    expect(bomb.length).toBeLessThan(5 * 1024 * 1024);
    const { status, body } = await uploadWhileCheckingHealth('presenters', bomb);
    expect(status).toBe(200);
    expect(body.preview).toMatchObject({ ready: false, rows: [], problems: [expect.stringMatching(/^这个 \.xlsx 文件已损坏（压缩包里记录的大小与实际内容不符）/)] });

    // applying it is the same problem, as a 422, and the contest is untouched
    const before = await (await adminFetch(server.url, `/api/contests/${contest}/export`)).text();
    const applied = await upload<Refusal>('presenters', bomb, { dryRun: false });
    expect(applied.status).toBe(422);
    expect(applied.body.error.message).toMatch(/^导入未保存：这个 \.xlsx 文件已损坏/);
    expect(await (await adminFetch(server.url, `/api/contests/${contest}/export`)).text()).toBe(before);

    // the same zip with honest sizes is read (the hand-made zip is not what was refused)
    const honest = zipOf(await Promise.all(Object.values(entries.files).filter((f) => !f.dir).map(async (f) => {
      const data = await f.async('nodebuffer');
      return { name: f.name, deflated: deflateRawSync(data), size: data.length };
    })));
    expect((await upload('presenters', honest)).body.preview).toMatchObject({ ready: true, problems: [] });
  });

  it('imports a judge list from a template with a dropdown on the whole 评委组 column, a merged title and the usual dressing', async () => {
    const id = (await createContestOverApi(server.url)).id;
    const bytes = await workbook(
      [
        ['2024年度评委名单'],
        ['编号', '姓名', '评委组'],
        ['m1', '主评委甲', '主评委'],
        ['m2', '主评委乙', '主评委'],
        ['e1', '测评甲', '测评'],
        ['e3', '测评丙', '测评'],
      ],
      (sheet) => {
        sheet.mergeCells('A1:C1');
        // what organisers' templates do: a dropdown down the whole column
        (sheet as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations.add('C3:C1048576', {
          type: 'list',
          allowBlank: true,
          formulae: ['"主评委,测评"'],
        });
        sheet.addConditionalFormatting({ ref: 'A3:C1048576', rules: [{ type: 'containsText', operator: 'containsText', text: '测评', priority: 1, style: { font: { bold: true } } }] });
        sheet.columns.forEach((column) => (column.width = 16));
        sheet.views = [{ state: 'frozen', ySplit: 2 }];
        sheet.pageSetup.printArea = 'A1:C1048576';
      },
    );
    expect(await JSZip.loadAsync(bytes).then((zip) => zip.file('xl/worksheets/sheet1.xml')!.async('string'))).toMatch(/sqref="C3:C1048576"/);
    const { status, body } = await uploadWhileCheckingHealth('judges', bytes);
    expect(status).toBe(200);
    expect(body.preview).toMatchObject({ ready: true, problems: [] });
    const applied = await upload('judges', bytes, { id, dryRun: false });
    expect(applied.body.saved).toBe(true);
    const file = (await (await adminFetch(server.url, `/api/contests/${id}/export`)).json()) as ContestFile;
    expect(file.judges).toEqual([
      { key: 'm1', name: '主评委甲', panel: 'main' },
      { key: 'm2', name: '主评委乙', panel: 'main' },
      { key: 'e1', name: '测评甲', panel: 'eval' },
      { key: 'e3', name: '测评丙', panel: 'eval' },
    ]);
  });

  it('reads CSV of millions of empty lines or empty rows at once, stopping at what a list may hold', async () => {
    const newlines = await uploadWhileCheckingHealth('presenters', Buffer.from(`姓名,单位\n${'\n'.repeat(5 * 1024 * 1024 - 20)}`));
    expect(newlines.body.preview).toMatchObject({ format: 'csv', ready: false, rows: [], problems: ['表格里只有表头，没有选手：请从第2行起，每行填一位选手'] });
    const emptyRows = await uploadWhileCheckingHealth('presenters', Buffer.from(`姓名,单位\n${',\n'.repeat(2_500_000)}`));
    expect(emptyRows.body.preview.problems).toEqual([expect.stringMatching(/^表格超过 20000 行（没有内容的行也算在内）：名单最多 2000 行/)]);
    const tooMany = await upload('presenters', Buffer.from(`姓名\n${Array.from({ length: 300_000 }, (_, i) => `选手${i}`).join('\n')}\n`));
    expect(tooMany.body.preview.problems).toEqual([expect.stringMatching(/^表格超过 \d+ 行数据，最多 2000 行：请只保留要导入的名单/)]);
  });

  it('reads one upload at a time, the others waiting their turn', async () => {
    const lists = await Promise.all(['甲', '乙', '丙', '丁'].map((name) => workbook([['姓名'], [name]])));
    const answers = await Promise.all(lists.map((bytes) => upload('presenters', bytes)));
    expect(answers.map((a) => [a.status, a.body.preview.rows[0]!.cells['姓名']])).toEqual([
      [200, '甲'],
      [200, '乙'],
      [200, '丙'],
      [200, '丁'],
    ]);
    expect(isolatedReadStats.mostAtOnce).toBe(1);
  });
});
