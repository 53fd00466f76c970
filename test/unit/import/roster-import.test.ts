import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { ImportKind, ImportPreview } from '../../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../../server/contest-file/contest-file.schema.ts';
import { importProblemSummary, previewRosterFile } from '../../../server/import/roster-import.ts';
import { readSpreadsheet, withoutElements } from '../../../server/import/spreadsheet.ts';
import { buildTemplate } from '../../../server/import/templates.ts';
import { SMALL_CONTEST } from '../../helpers/contest-driver.ts';

/**
 * Reading presenter and judge lists the way organisers save them from Excel and WPS, and every
 * problem the preview reports, with the row number Excel shows and the column. The contest they go
 * into is test/fixtures/small-contest.json: panels 主评委 (main: m1–m4) and 测评 (eval: e1–e3),
 * presenters p1–p5 (张书记, 李书记 recused from e3, 王书记, 赵书记, 刘书记).
 */

const contest = SMALL_CONTEST as ContestFile;

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const withBom = (text: string) => new Uint8Array(Buffer.from(`\ufeff${text}`, 'utf8'));
const gbk = (text: string) => new Uint8Array(iconv.encode(text, 'gbk'));

async function xlsx(rows: ExcelJS.CellValue[][], build?: (sheet: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  build?.(sheet);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const presenters = (bytes: Uint8Array, into: ContestFile = contest) => previewRosterFile('presenters', bytes, into);
const judges = (bytes: Uint8Array, into: ContestFile = contest) => previewRosterFile('judges', bytes, into);

/** every problem of a preview, the file's first */
const problemsOf = (preview: ImportPreview) => [...preview.problems, ...preview.rows.flatMap((r) => r.problems)];

describe('reading a spreadsheet', () => {
  it('reads a CSV saved by Excel or WPS in China (GBK), and says it was GBK', async () => {
    const preview = await presenters(gbk('出场顺序,姓名,单位,题目\r\n1,张三,乌山街道,党建引领“1+N”\r\n2,李四,白沙洲街道,红色物业\r\n'));
    expect(preview).toMatchObject({ format: 'csv', encoding: 'gbk', columns: ['出场顺序', '姓名', '单位', '题目'], problems: [], ready: true });
    expect(preview.rows).toEqual([
      { line: 2, cells: { 出场顺序: '1', 姓名: '张三', 单位: '乌山街道', 题目: '党建引领“1+N”' }, problems: [] },
      { line: 3, cells: { 出场顺序: '2', 姓名: '李四', 单位: '白沙洲街道', 题目: '红色物业' }, problems: [] },
    ]);
  });

  it('reads UTF-8 with a BOM (Excel’s “CSV UTF-8”) and without one, the BOM not being part of the first column', async () => {
    for (const bytes of [withBom('出场顺序,姓名\n1,张三\n'), utf8('出场顺序,姓名\n1,张三\n')]) {
      const preview = await presenters(bytes);
      expect(preview).toMatchObject({ encoding: 'utf-8', columns: ['出场顺序', '姓名'], ready: true });
      expect(preview.presenters).toEqual([{ key: 'p01', name: '张三', unit: '', topic: '', order: 1, recused: [] }]);
    }
  });

  it('reads the first worksheet of an .xlsx: numbers, rich text, formula results, dates and links as the text Excel shows', async () => {
    const bytes = await xlsx(
      [
        ['出场顺序', '姓名', '单位', '题目'],
        [1, { richText: [{ text: '张', font: { bold: true } }, { text: '三' }] }, '乌山街道', new Date(Date.UTC(2024, 0, 5))],
        [{ formula: '1+1', result: 2 }, '李四', { text: '白沙洲街道', hyperlink: 'https://example.org' }, '  红色\n物业  '],
        [3.0, '王五', { formula: 'B4', result: '桥驿镇' }, 42],
      ],
      (sheet) => sheet.workbook.addWorksheet('另一张表').addRow(['不读这张']),
    );
    const preview = await presenters(bytes);
    expect(preview).toMatchObject({ format: 'xlsx', encoding: null, ready: true });
    expect(preview.rows.map((r) => r.cells)).toEqual([
      { 出场顺序: '1', 姓名: '张三', 单位: '乌山街道', 题目: '2024-01-05' },
      { 出场顺序: '2', 姓名: '李四', 单位: '白沙洲街道', 题目: '红色 物业' },
      { 出场顺序: '3', 姓名: '王五', 单位: '桥驿镇', 题目: '42' },
    ]);
  });

  it('skips empty rows but numbers rows as Excel does, and finds the header below a title row', async () => {
    const bytes = await xlsx([['2024年度选手名单'], ['序号', '姓名', '单位'], [1, '张三', '甲'], [], [3, '', ''], [4, '李四', '乙']]);
    const preview = await presenters(bytes);
    expect(preview.columns).toEqual(['序号', '姓名', '单位']);
    expect(preview.rows.map((r) => [r.line, r.cells['姓名']])).toEqual([
      [3, '张三'],
      [5, ''],
      [6, '李四'],
    ]);
    // 序号 is a running index people keep: recognised, not read
    expect(preview.rows[0]!.cells).toEqual({ 姓名: '张三', 单位: '甲' });
  });

  it('keeps a CSV cell with a line break as one row, and reads tab-separated text saved as .csv', async () => {
    const quoted = await presenters(utf8('姓名,题目\n张三,"第一行\n第二行"\n李四,红色物业\n'));
    expect(quoted.rows.map((r) => [r.line, r.cells['题目']])).toEqual([
      [2, '第一行 第二行'],
      [3, '红色物业'],
    ]);
    const tabbed = await presenters(utf8('姓名\t单位\n张三\t乌山街道\n'));
    expect(tabbed.rows[0]!.cells).toEqual({ 姓名: '张三', 单位: '乌山街道' });
  });

  it('accepts the header variants people type', async () => {
    const preview = await presenters(utf8(' 出场 顺序 ,选手姓名,单　位,汇报题目（必填）,回避\n1,张三,甲,题,\n'));
    expect(preview.rows[0]!.cells).toEqual({ 出场顺序: '1', 姓名: '张三', 单位: '甲', 题目: '题', 回避评委: '' });
    const reporter = await presenters(utf8('汇报人,*汇报题目\n李四,题\n'));
    expect(reporter.rows[0]!.cells).toEqual({ 姓名: '李四', 题目: '题' });
    const panel = await judges(utf8('评委姓名,评委组别\n甲,主评委\n'));
    expect(panel.rows[0]!.cells).toEqual({ 姓名: '甲', 评委组: '主评委' });
    const group = await judges(utf8('姓名,组别\n甲,测评\n'));
    expect(group.rows[0]!.cells).toEqual({ 姓名: '甲', 评委组: '测评' });
  });

  it('refuses what is not a list, with one sentence saying what to do', async () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['an empty file', new Uint8Array(0), /^文件是空的/],
      ['a sheet with nothing in it', utf8('\n , \n'), /^表格是空的：请在第1行填写表头/],
      ['bytes starting like a zip that are not one', utf8('PK\u0003\u0004 this is not really a workbook'), /^这个 \.xlsx 文件已损坏，无法读取：请用 Excel 或 WPS 打开后“另存为” \.xlsx 或 CSV 文件/],
      ['a picture', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /^这不是表格文件/],
      ['an old .xls', new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), /旧版 Excel（\.xls）/],
      ['Excel’s “Unicode text”', new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('姓名\n张三\n', 'utf16le')])), /UTF-16/],
      ['a quote that never closes', utf8('姓名,单位\n"张三,甲\n'), /^CSV 文件格式有误（约在第\d+行）/],
    ];
    for (const [, bytes, message] of cases) {
      const preview = await presenters(bytes);
      expect(preview.ready).toBe(false);
      expect(preview.rows).toEqual([]);
      expect(preview.problems).toEqual([expect.stringMatching(message)]);
    }
  });

  it('refuses a real zip that is not a workbook, and a workbook cut short', async () => {
    const workbook = await xlsx([['姓名'], ['张三']]);
    const cut = await presenters(workbook.subarray(0, Math.floor(workbook.length / 2)));
    expect(cut.problems).toEqual([expect.stringMatching(/^这个 \.xlsx 文件已损坏/)]);
    // a zip with one stored file (what a .docx or a zipped folder is, minus the rest)
    const name = Buffer.from('hello.txt');
    const data = Buffer.from('hello');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12);
    end.writeUInt32LE(30 + name.length + data.length, 16);
    const zip = Buffer.concat([local, name, data, central, name, end]);
    const preview = await presenters(new Uint8Array(zip));
    expect(preview.ready).toBe(false);
    expect(preview.problems).toEqual([expect.stringMatching(/\.xlsx|工作表/)]);
  });

  it('refuses a zip that declares more than it could ever need to unpack (a zip bomb) before unpacking it', async () => {
    const workbook = Buffer.from(await xlsx([['姓名'], ['张三']]));
    // raise one entry's declared size in the central directory to 1 GB
    const at = workbook.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    workbook.writeUInt32LE(1024 * 1024 * 1024, at + 24);
    const preview = await presenters(new Uint8Array(workbook));
    expect(preview.problems).toEqual([expect.stringMatching(/^表格内容太多/)]);
  });

  it('refuses more than 2,000 rows and more than 5 MB', async () => {
    const many = `姓名\n${Array.from({ length: 2001 }, (_, i) => `选手${i}`).join('\n')}\n`;
    expect((await presenters(utf8(many))).problems).toEqual(['表格有 2001 行数据，最多 2000 行：请只保留要导入的名单']);
    const big = new Uint8Array(5 * 1024 * 1024 + 1).fill(0x41);
    expect((await presenters(big)).problems).toEqual([expect.stringMatching(/^文件太大（5\.0 MB，最多 5 MB）/)]);
  });

  it('gives each row its cells as trimmed text and keeps the sheet’s own row numbers in a GBK file with blank lines', async () => {
    const sheet = await readSpreadsheet(gbk('姓名,单位\r\n\r\n  张三 , 甲 \r\n'));
    expect(sheet).toMatchObject({ encoding: 'gbk', headerLine: 1, columns: ['姓名', '单位'], rows: [{ line: 3, values: ['张三', '甲'] }], problem: null });
  });

  it('numbers CSV rows as Excel does across empty lines, rows of empty cells and cells with line breaks', async () => {
    const sheet = await readSpreadsheet(utf8('标题\n\n姓名,单位\n,\n\n"张\n三",甲\n , \n李四,乙\n'), { isHeader: (values) => values.includes('姓名') });
    expect(sheet).toMatchObject({ headerLine: 3, rows: [{ line: 6, values: ['张 三', '甲'] }, { line: 8, values: ['李四', '乙'] }] });
  });

  it('reads a CSV with thousands of empty rows after the list (Excel saves formatted rows as ",,,"), and stops reading at what no list needs', async () => {
    const formatted = await readSpreadsheet(utf8(`姓名,单位\n张三,甲\n${',\n'.repeat(15_000)}李四,乙\n`));
    expect(formatted.rows).toEqual([
      { line: 2, values: ['张三', '甲'] },
      { line: 15_003, values: ['李四', '乙'] },
    ]);
    // a list is never 20,000 rows long, empty ones included: reading stops there
    const endless = await readSpreadsheet(utf8(`姓名,单位\n张三,甲\n${',\n'.repeat(20_000)}李四,乙\n`));
    expect(endless.problem).toBe('表格超过 20000 行（没有内容的行也算在内）：名单最多 2000 行，请删掉多余的空行后重新保存，再上传');
    // and at the first row past the header, 10 title rows and 2,000 rows
    const long = await readSpreadsheet(utf8(`姓名\n${Array.from({ length: 100_000 }, (_, i) => `选手${i}`).join('\n')}\n`));
    expect(long.problem).toBe('表格超过 2010 行数据，最多 2000 行：请只保留要导入的名单');
  });

  it('cuts merged cells, data validations, conditional formatting, column widths and defined names out of the XML before exceljs reads it', () => {
    const sheetParts = /<((?:[A-Za-z_][\w.-]*:)?(?:mergeCells|dataValidations|conditionalFormattings?|cols))(?=[\s/>])/g;
    const xml =
      '<worksheet><cols><col min="1" max="9"/></cols><sheetData><row r="1"/></sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>' +
      '<conditionalFormatting sqref="A1"><cfRule type="expression"/></conditionalFormatting><conditionalFormatting sqref="B1"/><dataValidations/>' +
      '<extLst><ext><x14:dataValidations><x14:dataValidation/></x14:dataValidations><x14:conditionalFormattings><x14:conditionalFormatting/></x14:conditionalFormattings></ext></extLst>' +
      '<colBreaks count="0"/></worksheet>';
    expect(withoutElements(xml, sheetParts)).toBe('<worksheet><sheetData><row r="1"/></sheetData><extLst><ext></ext></extLst><colBreaks count="0"/></worksheet>');
    // an element left open is left for the XML parser to refuse
    expect(withoutElements('<a><mergeCells><mergeCell/></a>', sheetParts)).toBe('<a><mergeCells><mergeCell/></a>');
  });
});

describe('checking a presenter list', () => {
  it('turns a clean list into contest-file presenters, making up keys p01… and reusing the key of a presenter already in the contest', async () => {
    const preview = await presenters(utf8('出场顺序,编号,姓名,单位,题目,回避评委\n2,,新选手,甲,题一,\n1,,张书记,东街道,党建引领社区治理,主评委甲、e1\n3,x9,王五,,,\n'));
    expect(preview.problems).toEqual([]);
    expect(preview.ready).toBe(true);
    expect(preview.presenters).toEqual([
      { key: 'p02', name: '新选手', unit: '甲', topic: '题一', order: 2, recused: [] },
      // same name as p1 in the contest: keeps p1
      { key: 'p1', name: '张书记', unit: '东街道', topic: '党建引领社区治理', order: 1, recused: ['m1', 'e1'] },
      { key: 'x9', name: '王五', unit: '', topic: '', order: 3, recused: [] },
    ]);
  });

  it('with 出场顺序 left empty everywhere, the running order is the order of the rows', async () => {
    const preview = await presenters(utf8('出场顺序,姓名\n,甲\n,乙\n'));
    expect(preview.presenters!.map((p) => [p.key, p.order])).toEqual([
      ['p01', 1],
      ['p02', 2],
    ]);
  });

  it('without 出场顺序 and 回避评委, keeps the running order and recusals of presenters already in the contest, puts new ones last, and says so', async () => {
    // after a draw: p1–p5 in the order 3, 5, 1, 2, 4; 李书记 (p2) recused from 测评丙 (e3)
    const drawn: ContestFile = { ...contest, presenters: contest.presenters.map((p, i) => ({ ...p, order: [3, 5, 1, 2, 4][i]! })) };
    for (const header of ['编号,姓名,单位,题目', '出场顺序,编号,姓名,单位,题目,回避评委']) {
      const blank = header.startsWith('出场顺序') ? ',' : '';
      const tail = header.startsWith('出场顺序') ? ',' : '';
      const rows = [`${blank}p5,刘书记,区教育局,双减落地${tail}`, `${blank},新选手,新街道,新题目${tail}`, `${blank},李书记,西街道,红色物业（修改）${tail}`, `${blank}p1,张书记,东街道,党建${tail}`];
      const preview = await presenters(utf8([header, ...rows].join('\n')), drawn);
      expect(preview.problems).toEqual([]);
      expect(preview.presenters).toEqual([
        { key: 'p5', name: '刘书记', unit: '区教育局', topic: '双减落地', order: 4, recused: [] },
        // a new presenter: after the highest order kept, with a key nobody in the contest has
        { key: 'p02', name: '新选手', unit: '新街道', topic: '新题目', order: 6, recused: [] },
        { key: 'p2', name: '李书记', unit: '西街道', topic: '红色物业（修改）', order: 5, recused: ['e3'] },
        { key: 'p1', name: '张书记', unit: '东街道', topic: '党建', order: 3, recused: [] },
      ]);
      expect(preview.notes).toEqual([
        '出场顺序未填写：沿用现有出场顺序（如抽签结果），3 位已有的选手出场顺序不变；表格里新增的「新选手」（第 6 位）排在最后。如要重新排出场顺序，请在表格里填写「出场顺序」列，或在比赛设置里重新抽签',
        '回避评委未填写：沿用现有的回避设置（「李书记」回避 测评丙）。如要修改回避，请在表格里填写「回避评委」列，或在比赛设置里修改',
      ]);
    }
  });

  it('with 出场顺序 or 回避评委 filled in, takes them from the file, without a note', async () => {
    const preview = await presenters(utf8('出场顺序,姓名,回避评委\n2,张书记,e1\n1,李书记,\n'));
    expect(preview.presenters!.map((p) => [p.key, p.order, p.recused])).toEqual([
      ['p1', 2, ['e1']],
      ['p2', 1, []],
    ]);
    expect(preview.notes).toBeUndefined();
    // and a list of people the contest does not have yet is in the file's order
    expect((await presenters(utf8('姓名\n甲\n乙\n'))).notes).toBeUndefined();
  });

  it('reads 3.0 as running order 3 and refuses 3.5, words, 0 and numbers used twice, naming row and column', async () => {
    const preview = await presenters(utf8('姓名,出场顺序\n甲,3.0\n乙,3.5\n丙,第一\n丁,0\n戊,3\n己,\n'));
    expect(preview.ready).toBe(false);
    expect(preview.presenters).toBeUndefined();
    expect(preview.rows.map((r) => r.problems)).toEqual([
      ['第2行「出场顺序」（B列）与第6行重复：每位选手的出场顺序必须不同，请改正'],
      ['第3行「出场顺序」（B列）「3.5」不是整数：出场顺序只能是 1、2、3 这样的整数'],
      ['第4行「出场顺序」（B列）「第一」不是数字：请填 1、2、3 这样的整数，或者全部留空（按表格里的先后顺序出场）'],
      ['第5行「出场顺序」（B列）「0」超出范围：出场顺序从 1 开始，最大 100000'],
      ['第6行「出场顺序」（B列）与第2行重复：每位选手的出场顺序必须不同，请改正'],
      ['第7行「出场顺序」（B列）为空，但其他行填了出场顺序：请每一行都填，或者全部留空（按表格里的先后顺序出场）'],
    ]);
  });

  it('reads Excel’s number 3 as running order 3 and refuses Excel’s 3.5', async () => {
    const preview = await presenters(await xlsx([['姓名', '出场顺序'], ['甲', 3], ['乙', 3.5]]));
    expect(preview.rows[0]!.problems).toEqual([]);
    expect(preview.rows[1]!.problems).toEqual(['第3行「出场顺序」（B列）「3.5」不是整数：出场顺序只能是 1、2、3 这样的整数']);
  });

  it('refuses an empty 姓名, a 编号 that is not a key, and a 编号 used twice; a full-width 编号 is read as its ASCII form', async () => {
    const preview = await presenters(utf8('编号,姓名\np01,\n张 1,乙\nＰ０２,丙\np03,丁\np03,戊\n'));
    expect(preview.rows.map((r) => r.problems)).toEqual([
      ['第2行「姓名」（B列）为空：请填写选手的姓名，这一列必填'],
      ['第3行「编号」（A列）「张 1」不能用作编号：编号只能由英文字母、数字、- 和 _ 组成（最多 64 个字符），例如 p01；也可以留空，系统会自动编号'],
      [],
      ['第5行「编号」（A列）「p03」与第6行重复：编号不能重复，请改掉其中一个，或者留空由系统编号'],
      ['第6行「编号」（A列）「p03」与第5行重复：编号不能重复，请改掉其中一个，或者留空由系统编号'],
    ]);
    const fixed = await presenters(utf8('编号,姓名\nＰ０２,丙\n'));
    expect(fixed.presenters![0]!.key).toBe('P02');
  });

  it('refuses the same presenter twice (same name and unit) but takes two people of the same name from different units', async () => {
    const preview = await presenters(utf8('姓名,单位\n张伟,甲街道\n张伟,乙街道\n李娜,丙镇\n李娜,丙镇\n'));
    expect(preview.rows.map((r) => r.problems)).toEqual([
      [],
      [],
      ['第4行「姓名」（A列）「李娜」（单位 丙镇）与第5行重复：同一位选手填了两次？请删掉多余的行；若确是两位选手，请在姓名后加以区分'],
      ['第5行「姓名」（A列）「李娜」（单位 丙镇）与第4行重复：同一位选手填了两次？请删掉多余的行；若确是两位选手，请在姓名后加以区分'],
    ]);
  });

  it('resolves 回避评委 by name or key, separated by 、，; or spaces, and refuses a judge the contest does not have', async () => {
    const preview = await presenters(utf8('姓名,回避评委\n甲,"主评委甲，e2;m3 测评丙"\n乙,王五、m1\n丙,主评委甲、主评委乙、主评委丙、主评委丁\n'));
    expect(preview.rows[0]!.problems).toEqual([]);
    expect(preview.rows[1]!.problems).toEqual([
      '第3行「回避评委」（B列）中的「王五」不是本比赛的评委：请填评委的姓名或编号，多位评委用顿号“、”隔开。本比赛的评委有：主评委甲（m1）、主评委乙（m2）、主评委丙（m3）、主评委丁（m4）、测评甲（e1）、测评乙（e2）、测评丙（e3）',
    ]);
    expect(preview.rows[2]!.problems).toEqual(['第4行「回避评委」（B列）回避了评委组「主评委」的全部评委：这位选手将得不到主评委的分数，请至少留一位该组的评委不回避']);
    const clean = await presenters(utf8('姓名,回避评委\n甲,"主评委甲，e2;m3 测评丙"\n'));
    expect(clean.presenters![0]!.recused).toEqual(['m1', 'e2', 'm3', 'e3']);
  });

  it('asks for the judges first when the contest has none yet', async () => {
    const preview = await presenters(utf8('姓名,回避评委\n甲,王五\n'), { ...contest, judges: [], presenters: [] });
    expect(preview.rows[0]!.problems).toEqual(['第2行「回避评委」（B列）填了「王五」，但本比赛还没有评委：请先导入评委名单，再导入带回避评委的选手名单（或先把这一列留空）']);
  });

  it('refuses a cell whose formula failed (#N/A) and the template’s example rows left in', async () => {
    const preview = await presenters(
      await xlsx([
        ['出场顺序', '编号', '姓名', '单位', '题目', '回避评委'],
        [1, 'p01', '乌山街道党工委书记', '乌山街道', '党政班子“1+N”联企机制 为企业纾困解难', ''],
        [2, 'p09', '张三', { formula: 'VLOOKUP(C3,单位表!A:B,2,0)', result: { error: '#N/A' } }, '', ''],
      ]),
    );
    expect(preview.rows.map((r) => r.problems)).toEqual([
      ['第2行「姓名」（C列）「乌山街道党工委书记」是模板里的示例：请删除这一行，或改成真实的选手信息'],
      ['第3行「单位」（D列）是公式错误 #N/A：请在表格里改正这个公式，或者复制后“选择性粘贴 → 数值”'],
    ]);
  });

  it('says which columns are missing, which it found and which it expects', async () => {
    const preview = await presenters(utf8('名字,单位\n张三,甲\n'));
    expect(preview.problems).toEqual([
      '缺少「姓名」列。表头（第1行）找到的列：「名字」、「单位」；选手名单应有的列：「出场顺序」、「编号」、「姓名」（必填）、「单位」、「题目」、「回避评委」。请下载选手名单模板，按模板的列名填写表头',
    ]);
    expect(preview.rows).toEqual([{ line: 2, cells: { 单位: '甲' }, problems: [] }]);
    expect(preview.ready).toBe(false);
  });

  it('refuses a header naming one column twice, a list with a header only, and a judge list uploaded as presenters', async () => {
    expect((await presenters(utf8('姓名,选手姓名\n张三,张三\n'))).problems).toEqual([
      '表头（第1行）的 A列「姓名」和 B列「选手姓名」都是「姓名」列：请删除其中一列，或改成别的列名',
    ]);
    expect((await presenters(utf8('出场顺序,姓名\n'))).problems).toEqual(['表格里只有表头，没有选手：请从第2行起，每行填一位选手']);
    expect((await presenters(utf8('编号,姓名,评委组\nm1,甲,主评委\n'))).problems).toEqual([
      '这个文件有「评委组」列，看起来是评委名单：导入评委请用“导入评委”；导入选手请用选手名单模板',
    ]);
  });

  it('sums the problems up for the refusal, the first three and how many there are', async () => {
    const preview = await presenters(utf8('姓名,出场顺序\n,1\n,2\n,3\n,4\n'));
    expect(importProblemSummary(preview)).toBe(
      '导入未保存：第2行「姓名」（A列）为空：请填写选手的姓名，这一列必填；第3行「姓名」（A列）为空：请填写选手的姓名，这一列必填；第4行「姓名」（A列）为空：请填写选手的姓名，这一列必填……共 4 个问题。请按预览里的提示改好表格后重新上传',
    );
  });
});

describe('checking a judge list', () => {
  it('finds each judge’s panel by name or key, keeps the keys of judges already in the contest and numbers new ones by panel', async () => {
    const preview = await judges(gbk('编号,姓名,评委组\n,主评委甲,主评委\n,新评委,main\n,主评委丙,主评委组\nm4,主评委丁,MAIN\n,测评甲,测评\n,测评乙,eval\n,测评丙,测评\n,新测评,测评\n'));
    expect(preview.problems).toEqual([]);
    expect(preview.judges).toEqual([
      { key: 'm1', name: '主评委甲', panel: 'main' },
      { key: 'main01', name: '新评委', panel: 'main' },
      { key: 'm3', name: '主评委丙', panel: 'main' },
      { key: 'm4', name: '主评委丁', panel: 'main' },
      { key: 'e1', name: '测评甲', panel: 'eval' },
      { key: 'e2', name: '测评乙', panel: 'eval' },
      { key: 'e3', name: '测评丙', panel: 'eval' },
      { key: 'eval01', name: '新测评', panel: 'eval' },
    ]);
  });

  it('never gives a new judge the key (the link) of a judge the contest has now', async () => {
    // 李四 (main01) is replaced by 王五: 王五 must not get main01, the link 李四's phone holds
    const withLisi: ContestFile = { ...contest, judges: [{ key: 'main01', name: '李四', panel: 'main' }, ...contest.judges.filter((j) => j.panel === 'eval')] };
    const preview = await judges(utf8('姓名,评委组\n王五,主评委\n测评甲,测评\n测评丙,测评\n'), withLisi);
    expect(preview.judges).toEqual([
      { key: 'main02', name: '王五', panel: 'main' },
      { key: 'e1', name: '测评甲', panel: 'eval' },
      { key: 'e3', name: '测评丙', panel: 'eval' },
    ]);
    // an explicit 编号 is the organiser's choice, whoever had it
    const explicit = await judges(utf8('编号,姓名,评委组\nmain01,王五,主评委\n,测评甲,测评\n,测评丙,测评\n'), withLisi);
    expect(explicit.judges![0]).toEqual({ key: 'main01', name: '王五', panel: 'main' });
  });

  it('refuses a panel the contest does not have, an empty one, and two judges of the same name', async () => {
    const preview = await judges(utf8('姓名,评委组\n甲,主评委\n乙,专家组\n丙,\n甲,测评\n'));
    expect(preview.rows.map((r) => r.problems)).toEqual([
      ['第2行「姓名」（A列）「甲」与第5行重名：评委不能重名，请在姓名后加上单位区分，例如“甲（区委组织部）”'],
      ['第3行「评委组」（B列）「专家组」不是本比赛的评委组：请填写其中之一：主评委（main）、测评（eval）'],
      ['第4行「评委组」（B列）为空：请填写这位评委所在的评委组。本比赛的评委组有：主评委（main）、测评（eval）'],
      ['第5行「姓名」（A列）「甲」与第2行重名：评委不能重名，请在姓名后加上单位区分，例如“甲（区委组织部）”'],
    ]);
  });

  it('replaces the whole list: a panel left without judges, or a presenter’s recused judge dropped, is a problem of the file naming both', async () => {
    const preview = await judges(utf8('姓名,评委组\n主评委甲,主评委\n主评委乙,主评委\n主评委丙,主评委\n'));
    expect(preview.rows.every((r) => r.problems.length === 0)).toBe(true);
    expect(preview.problems).toEqual([
      '评委组「测评」（eval）一位评委也没有：导入会替换全部评委，请把每个评委组的评委都列在这个文件里',
      '选手「李书记」（编号 p2）要回避的评委「测评丙」（编号 e3）不在新的评委名单里：请在名单里保留这位评委（编号填 e3），或者先在选手名单里去掉这条回避',
    ]);
    expect(preview.ready).toBe(false);
  });

  it('refuses a list where a presenter would be recused from every judge of a panel', async () => {
    const preview = await judges(utf8('编号,姓名,评委组\nm1,主评委甲,主评委\ne3,测评丙,测评\n'));
    expect(preview.problems).toEqual([
      '选手「李书记」（编号 p2）回避了评委组「测评」的全部评委（测评丙）：这位选手将得不到测评的分数。请为该组多加一位评委，或者修改这位选手的回避评委',
    ]);
  });

  it('says a presenter list is not a judge list', async () => {
    const preview = await judges(utf8('出场顺序,姓名,单位,题目\n1,张三,甲,题\n'));
    expect(preview.problems).toEqual([
      '缺少「评委组」列。表头（第1行）找到的列：「出场顺序」、「姓名」、「单位」、「题目」；评委名单应有的列：「编号」、「姓名」（必填）、「评委组」（必填）。这个文件看起来是选手名单：导入选手请用“导入选手”。请下载评委名单模板，按模板的列名填写表头',
    ]);
  });
});

describe('the templates', () => {
  const kinds: ImportKind[] = ['presenters', 'judges'];

  it('have our Chinese columns; the .csv is UTF-8 with a BOM; the .xlsx has a bold header and explains each column on a second sheet', async () => {
    for (const kind of kinds) {
      const csv = await buildTemplate(`${kind}.csv`);
      expect(csv.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(csv.fileName).toBe(kind === 'presenters' ? '选手名单模板.csv' : '评委名单模板.csv');
      const firstLine = csv.bytes.toString('utf8').slice(1).split('\r\n')[0];
      expect(firstLine).toBe(kind === 'presenters' ? '出场顺序,编号,姓名,单位,题目,回避评委' : '编号,姓名,评委组');

      const template = await buildTemplate(`${kind}.xlsx`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(template.bytes as unknown as ExcelJS.Buffer);
      const [list, help] = workbook.worksheets;
      expect(list!.getRow(1).values).toEqual([undefined, ...firstLine!.split(',')]);
      expect(list!.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(list!.getColumn(1).width).toBeGreaterThan(5);
      expect(help!.name).toBe('填写说明');
    }
  });

  it('as downloaded, are refused only for their example rows', async () => {
    for (const kind of kinds) {
      for (const format of ['xlsx', 'csv'] as const) {
        const preview = await previewRosterFile(kind, (await buildTemplate(`${kind}.${format}`)).bytes, contest);
        expect(preview.problems).toEqual([]);
        expect(preview.rows).toHaveLength(3);
        for (const row of preview.rows) expect(row.problems).toEqual([expect.stringMatching(new RegExp(`^第${row.line}行「姓名」（[A-Z]列）「.+」是模板里的示例`))]);
      }
    }
  });
});
