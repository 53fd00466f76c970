import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { ImportKind } from '../contracts/admin-api.ts';
import { columnsOf, examplesOf } from './roster-columns.ts';

/**
 * The files an organiser downloads, fills in Excel or WPS and uploads again: our Chinese column
 * names in row 1 and a few example rows below (which the import refuses if left in). The .xlsx has
 * a second sheet explaining each column (the import reads only the first). The .csv is UTF-8 with
 * a BOM, without which Excel in China opens UTF-8 as GBK and shows garbage.
 */

export const TEMPLATE_FILES = ['presenters.xlsx', 'presenters.csv', 'judges.xlsx', 'judges.csv'] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv; charset=utf-8';

export interface Template {
  bytes: Buffer;
  contentType: string;
  /** the name to save it under, in Chinese */
  fileName: string;
}

const LIST_NAME: Record<ImportKind, string> = { presenters: '选手名单', judges: '评委名单' };

export async function buildTemplate(file: TemplateFile): Promise<Template> {
  const [kind, extension] = file.split('.') as [ImportKind, 'xlsx' | 'csv'];
  const fileName = `${LIST_NAME[kind]}模板.${extension}`;
  if (extension === 'csv') return { bytes: templateCsv(kind), contentType: CSV_TYPE, fileName };
  return { bytes: await templateXlsx(kind), contentType: XLSX_TYPE, fileName };
}

function exampleRows(kind: ImportKind): string[][] {
  return examplesOf(kind).map((example) => columnsOf(kind).map((c) => example[c.name] ?? ''));
}

function templateCsv(kind: ImportKind): Buffer {
  const header = columnsOf(kind).map((c) => c.name);
  return Buffer.from(stringify([header, ...exampleRows(kind)], { bom: true, record_delimiter: 'windows' }), 'utf8');
}

async function templateXlsx(kind: ImportKind): Promise<Buffer> {
  const columns = columnsOf(kind);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = '擂台 Leitai';

  const sheet = workbook.addWorksheet(LIST_NAME[kind], { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({
    header: c.name,
    key: c.name,
    width: c.width,
    // 编号 as text, so Excel keeps what is typed (a key like 001 is not turned into 1)
    ...(c.name === '编号' ? { style: { numFmt: '@' } } : {}),
  }));
  for (const example of exampleRows(kind)) {
    // 出场顺序 as a number, the way a person would type it
    sheet.addRow(example.map((value, i) => (columns[i]!.name === '出场顺序' && /^\d+$/.test(value) ? Number(value) : value)));
  }
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.eachCell((cell, column) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: columns[column - 1]!.required ? 'FFFFE699' : 'FFF2F2F2' } };
  });

  const help = workbook.addWorksheet('填写说明');
  help.columns = [
    { header: '列名', width: 12 },
    { header: '是否必填', width: 10 },
    { header: '怎么填', width: 90 },
  ];
  for (const c of columns) help.addRow([c.name, c.required ? '必填' : '可空', c.help]);
  help.addRow([]);
  const notes = [
    `第1行是表头，列名请不要改；从第2行起每行填一位${kind === 'presenters' ? '选手' : '评委'}。`,
    '第2–4行是示例，请删除或改成真实信息（原样留着的示例行不会被导入）。',
    `导入会用这张表替换比赛现有的全部${kind === 'presenters' ? '选手' : '评委'}，上传后先看预览，确认无误再保存。`,
    kind === 'judges' ? '请先导入评委，再导入选手：选手的“回避评委”只能填已有的评委。' : '“回避评委”只能填本比赛已有的评委，请先导入评委名单。',
    '只读取第一张工作表（就是这张说明前面的那张）。另存为 .xlsx 或 CSV 都可以。',
  ];
  for (const note of notes) help.addRow(['', '', note]);
  help.getRow(1).font = { bold: true };
  help.getColumn(3).alignment = { wrapText: true, vertical: 'top' };

  return Buffer.from(await workbook.xlsx.writeBuffer());
}
