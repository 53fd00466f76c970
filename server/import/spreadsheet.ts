import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { inflateRawSync } from 'node:zlib';

/**
 * An uploaded spreadsheet's bytes → its header and rows as trimmed text, whatever Excel or WPS
 * saved: .xlsx (the first worksheet), or CSV in UTF-8 (with or without BOM) or GBK (what Excel
 * and WPS in China save as "CSV"). Never throws on what a client sends: a file that cannot be read
 * comes back with `problem`, one Chinese sentence saying what to do instead.
 */

/** the upload limit: a list of 2,000 people is a small fraction of this */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** data rows (header not counted); a contest holds at most 2,000 presenters */
const MAX_ROWS = 2000;
/**
 * what an .xlsx may unpack to. A 2,000-row list unpacks to about a megabyte; this stops a small
 * zip that inflates to gigabytes (a "zip bomb") before exceljs holds it all in memory. The sizes
 * the zip declares must add up to no more, and no entry may inflate to more than it declares (see
 * unzip), so what is really unpacked stays within it too.
 */
const MAX_UNZIPPED_BYTES = 30 * 1024 * 1024;
/** cells right of this are not read (a stray value in column XFD must not make every row 16,384 wide) */
const MAX_COLUMNS = 256;
/**
 * CSV records read at most, rows without content (",,,," as Excel saves formatted empty rows)
 * included; lines with nothing at all on them do not count
 */
const MAX_RECORDS = 10 * MAX_ROWS;
/** a title row or two may sit above the header; the header is looked for among this many first rows */
const HEADER_SEARCH_ROWS = 10;

export interface SpreadsheetRow {
  /** the row number as Excel/WPS shows it (1 = the first row of the sheet) */
  line: number;
  /** cell texts by column position (0 = column A), trimmed; '' for an empty cell */
  values: string[];
}

export interface Spreadsheet {
  format: 'xlsx' | 'csv';
  /** the CSV's text encoding (null for xlsx) */
  encoding: 'utf-8' | 'gbk' | null;
  /** the header row's number (1 unless title rows sit above it) */
  headerLine: number;
  /** the header row's texts, in column order */
  columns: string[];
  /** the non-empty rows below the header */
  rows: SpreadsheetRow[];
  /** why nothing could be read (Chinese, says what to do); columns and rows are then empty */
  problem: string | null;
}

export interface ReadOptions {
  /** whether a row is the header (default: the first non-empty row is) */
  isHeader?: (values: string[]) => boolean;
}

export const SAVE_AS_HINT = '请用 Excel 或 WPS 打开后“另存为” .xlsx 或 CSV 文件，再上传';

/** A spreadsheet that could not be read, and why. */
export function refused(format: Spreadsheet['format'], encoding: Spreadsheet['encoding'], problem: string): Spreadsheet {
  return { format, encoding, headerLine: 1, columns: [], rows: [], problem };
}

/** .xlsx is a zip; anything else is taken for CSV text */
export function formatOf(bytes: Uint8Array): Spreadsheet['format'] {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04 ? 'xlsx' : 'csv';
}

/**
 * Reads the file in this process. The server never calls this on an upload itself: it goes
 * through readSpreadsheetIsolated (read-isolated.ts), which runs it in a child process.
 */
export async function readSpreadsheet(bytes: Uint8Array, options: ReadOptions = {}): Promise<Spreadsheet> {
  const format = formatOf(bytes);
  const isZip = format === 'xlsx';
  if (bytes.length === 0) return refused(format, null, '文件是空的（0 字节）：请选择填好的名单文件（.xlsx 或 .csv）重新上传');
  if (bytes.length > MAX_FILE_BYTES) {
    return refused(format, null, `文件太大（${(bytes.length / 1024 / 1024).toFixed(1)} MB，最多 5 MB）：名单只需要一张工作表，请删掉图片和其他工作表后再上传`);
  }
  if (isZip) return readXlsx(bytes, options);
  return readCsv(bytes, options);
}

// ------------------------------------------------------------------ xlsx

async function readXlsx(bytes: Uint8Array, options: ReadOptions): Promise<Spreadsheet> {
  const unzipped = unzip(bytes);
  if (unzipped === 'corrupt') return refused('xlsx', null, `这个 .xlsx 文件已损坏，无法读取：${SAVE_AS_HINT}`);
  if (unzipped === 'too-large') {
    return refused('xlsx', null, '表格内容太多，无法导入：名单只需要一张工作表，请删掉其他工作表和图片后再上传');
  }
  if (unzipped === 'mismatch') {
    return refused('xlsx', null, `这个 .xlsx 文件已损坏（压缩包里记录的大小与实际内容不符），无法读取：${SAVE_AS_HINT}`);
  }
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs reads a zip: the checked entries, without what we never read, packed again (stored, not compressed)
    const zip = new JSZip();
    for (const entry of unzipped) zip.file(entry.name, withoutUnusedParts(entry), { binary: true, createFolders: false });
    const repacked = await zip.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
    // exceljs's own Buffer type is narrower than Node's; the bytes are what it expects
    await workbook.xlsx.load(repacked as unknown as ExcelJS.Buffer);
  } catch {
    return refused('xlsx', null, `这个 .xlsx 文件已损坏或不是 Excel 表格，无法读取：${SAVE_AS_HINT}`);
  }
  // the first sheet a person sees: hidden sheets (lookup lists and the like) are passed over
  const sheet = workbook.worksheets.find((s) => s.state === 'visible') ?? workbook.worksheets[0];
  if (!sheet) return refused('xlsx', null, `这个文件里没有工作表（可能是 Word 文档或压缩包）：${SAVE_AS_HINT}`);

  const lines: SpreadsheetRow[] = [];
  try {
    sheet.eachRow((row, line) => {
      const values: string[] = [];
      row.eachCell((cell, column) => {
        if (column <= MAX_COLUMNS) values[column - 1] = cellText(cell.value);
      });
      lines.push({ line, values: Array.from(values, (v) => v ?? '') });
    });
  } catch {
    return refused('xlsx', null, `这个 .xlsx 文件的内容无法读取：${SAVE_AS_HINT}`);
  }
  return withHeader('xlsx', null, lines, options);
}

/**
 * A cell's value as the text a person sees: numbers in their shortest form (3, not 3.0), formulas
 * by their result, rich text joined, dates as 2024-01-05, Excel errors as #N/A.
 */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return clean(value.richText.map((r) => r.text ?? '').join(''));
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('hyperlink' in value) return cellText((value as ExcelJS.CellHyperlinkValue).text as ExcelJS.CellValue);
    if ('error' in value) return String((value as ExcelJS.CellErrorValue).error);
    if ('text' in value) return cellText((value as { text: ExcelJS.CellValue }).text);
  }
  return '';
}

/** exceljs gives a date cell as the UTC instant of its wall-clock value */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  const time = iso.slice(11, 19);
  return time === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`;
}

interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/**
 * The zip's entries, unpacked, or why not: 'corrupt' (no readable central directory, a compression
 * we do not know, deflate data that does not inflate), 'too-large' (the sizes the central directory
 * declares add up to more than MAX_UNZIPPED_BYTES; Zip64 sizes count as too large) or 'mismatch'
 * (an entry inflates to more than it declares). Each entry is inflated with its declared size as
 * the limit, so a zip that lies about its sizes (a "zip bomb" declaring 1 KB that inflates to
 * gigabytes) is stopped as soon as it passes it, never held in memory.
 */
function unzip(bytes: Uint8Array): ZipEntry[] | 'corrupt' | 'too-large' | 'mismatch' {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const END = 0x06054b50;
  const ENTRY = 0x02014b50;
  const LOCAL = 0x04034b50;
  // the end record is 22 bytes plus a comment of up to 65,535 bytes, at the very end
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END) {
      end = at;
      break;
    }
  }
  if (end < 0) return 'corrupt';
  const count = view.getUint16(end + 10, true);
  const directory = view.getUint32(end + 16, true);
  if (count === 0xffff || directory === 0xffffffff) return 'too-large'; // Zip64

  const found: Array<{ name: string; flags: number; method: number; compressed: number; size: number; local: number }> = [];
  let declared = 0;
  let at = directory;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== ENTRY) return 'corrupt';
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    if (size === 0xffffffff || compressed === 0xffffffff) return 'too-large';
    if (at + 46 + nameLength > bytes.length) return 'corrupt';
    // bit 11: the name is UTF-8; otherwise code page 437, which for the ASCII names of a workbook is the same
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + at + 46, nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
    found.push({ name, flags, method, compressed, size, local: view.getUint32(at + 42, true) });
    declared += size;
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  if (declared > MAX_UNZIPPED_BYTES) return 'too-large';

  const entries: ZipEntry[] = [];
  for (const entry of found) {
    if (entry.name.endsWith('/')) continue; // a folder
    const local = entry.local;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) return 'corrupt';
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + entry.compressed > bytes.length) return 'corrupt';
    if (entry.flags & 0x1) return 'corrupt'; // encrypted
    const stored = bytes.subarray(start, start + entry.compressed);
    let data: Uint8Array;
    if (entry.method === 0) {
      data = stored;
    } else if (entry.method === 8) {
      try {
        // stops as soon as the output passes the limit (RangeError ERR_BUFFER_TOO_LARGE)
        data = inflateRawSync(stored, { maxOutputLength: Math.max(1, entry.size) });
      } catch (error) {
        return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? 'mismatch' : 'corrupt';
      }
    } else {
      return 'corrupt';
    }
    if (data.length > entry.size) return 'mismatch';
    entries.push({ name: entry.name, data });
  }
  return entries;
}

/**
 * Parts of a workbook we never read that make exceljs create an object per cell (or column) of the
 * range they name: merged cells (<mergeCell ref="B3:XFD1048576"/> is 17 billion cells), data
 * validations (a dropdown on a whole column is a million), conditional formatting, column widths
 * (<col min="1" max="2000000000"/>), and the workbook's defined names (a print area or a name over
 * a huge range). They are cut out of the XML before exceljs sees it.
 */
const UNUSED_SHEET_PARTS = /<((?:[A-Za-z_][\w.-]*:)?(?:mergeCells|dataValidations|conditionalFormattings?|cols))(?=[\s/>])/g;
const UNUSED_WORKBOOK_PARTS = /<((?:[A-Za-z_][\w.-]*:)?definedNames)(?=[\s/>])/g;

function withoutUnusedParts(entry: ZipEntry): Uint8Array {
  const path = entry.name.replace(/^\//, '');
  const parts = /^xl\/worksheets\/[^/]+\.xml$/i.test(path) ? UNUSED_SHEET_PARTS : /^xl\/workbook\.xml$/i.test(path) ? UNUSED_WORKBOOK_PARTS : null;
  if (parts === null) return entry.data;
  const xml = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).toString('utf8');
  const cut = withoutElements(xml, parts);
  return cut === xml ? entry.data : Buffer.from(cut, 'utf8');
}

/**
 * The XML without the elements whose start tags `starts` finds (with everything inside them), in
 * one pass: an element left unclosed stops the cutting, and the XML parser then says what it thinks.
 */
export function withoutElements(xml: string, starts: RegExp): string {
  const pieces: string[] = [];
  let from = 0;
  starts.lastIndex = 0;
  for (let match = starts.exec(xml); match !== null; match = starts.exec(xml)) {
    const tagEnd = xml.indexOf('>', match.index);
    if (tagEnd < 0) break;
    let end: number;
    if (xml[tagEnd - 1] === '/') {
      end = tagEnd + 1;
    } else {
      const close = `</${match[1]}>`;
      const closeAt = xml.indexOf(close, tagEnd);
      if (closeAt < 0) break;
      end = closeAt + close.length;
    }
    pieces.push(xml.slice(from, match.index));
    from = end;
    starts.lastIndex = end;
  }
  if (pieces.length === 0) return xml;
  pieces.push(xml.slice(from));
  return pieces.join('');
}

// ------------------------------------------------------------------ csv

async function readCsv(bytes: Uint8Array, options: ReadOptions): Promise<Spreadsheet> {
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) {
    return refused('csv', null, `这是旧版 Excel（.xls）或 WPS（.et）格式的文件，无法直接读取：${SAVE_AS_HINT}`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return refused('csv', null, `这是 UTF-16 编码的文本（Excel 的“Unicode 文本”格式），无法读取：${SAVE_AS_HINT}`);
  }
  if (bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46) {
    return refused('csv', null, `这是 PDF 文件，不是表格：${SAVE_AS_HINT}`);
  }
  // text never holds a NUL byte; pictures, Word files and the like do
  if (bytes.includes(0)) return refused('csv', null, `这不是表格文件（.xlsx 或 .csv）：${SAVE_AS_HINT}`);

  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  let text: string;
  let encoding: 'utf-8' | 'gbk';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    encoding = 'utf-8';
  } catch {
    // not UTF-8: what Excel and WPS in China save as "CSV". GB18030 reads every GBK byte the same
    // way and also the few characters GBK lacks.
    text = iconv.decode(Buffer.from(body), 'gb18030');
    encoding = 'gbk';
    if (text.includes('\uFFFD')) {
      return refused('csv', encoding, `文件里有无法识别的字符，它可能不是 CSV 文本文件：${SAVE_AS_HINT}`);
    }
  }

  // Only the rows that have something in them are kept, and reading stops at the first row past
  // what a list may have (the header, a few title rows, MAX_ROWS rows and one more to say so): a
  // file of millions of empty or overlong lines costs neither memory nor time.
  const lines: SpreadsheetRow[] = [];
  const enough = HEADER_SEARCH_ROWS + MAX_ROWS + 1;
  let cut: 'rows' | 'records' | null = null;
  try {
    parseCsv(text, {
      delimiter: delimiterOf(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (record: string[], context) => {
        if (context.records > MAX_RECORDS) {
          cut = 'records';
          throw ENOUGH_ROWS;
        }
        const values = record.slice(0, MAX_COLUMNS).map(clean);
        if (values.every((v) => v === '')) return null;
        if (lines.length === enough) {
          cut = 'rows';
          throw ENOUGH_ROWS;
        }
        // Excel numbers CSV rows one per record (a cell with a line break stays one row), the
        // empty lines the parser skipped included
        lines.push({ line: context.records + context.empty_lines, values });
        return null;
      },
    });
  } catch (error) {
    if (error !== ENOUGH_ROWS) {
      const near = typeof (error as { lines?: unknown }).lines === 'number' ? `（约在第${(error as { lines: number }).lines}行）` : '';
      return refused('csv', encoding, `CSV 文件格式有误${near}，可能是某个单元格里的英文双引号没有配对：请修改后重新保存，或${SAVE_AS_HINT}`);
    }
  }
  if (cut === 'records') {
    return refused('csv', encoding, `表格超过 ${MAX_RECORDS} 行（没有内容的行也算在内）：名单最多 ${MAX_ROWS} 行，请删掉多余的空行后重新保存，再上传`);
  }
  return withHeader('csv', encoding, lines, options, cut === 'rows');
}

/** thrown to stop the CSV parser once it has read enough rows */
const ENOUGH_ROWS = new Error('enough rows');

/** Excel saves commas; "text (tab delimited)" saved as .csv uses tabs. Decided by the first line with text. */
function delimiterOf(text: string): string {
  let first = '';
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    if (line.trim() !== '') {
      first = line;
      break;
    }
    start = end < 0 ? text.length : end + 1;
  }
  const count = (c: string) => first.split(c).length - 1;
  return count('\t') > count(',') ? '\t' : ',';
}

// ------------------------------------------------------------------ both

/** Cell text as one trimmed line: line breaks and runs of spaces (full-width too) become one space. */
function clean(text: string): string {
  return text
    .toWellFormed()
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
}

/** `cut`: the lines stop short of the end of the file (there are more rows than a list may have) */
function withHeader(format: Spreadsheet['format'], encoding: Spreadsheet['encoding'], lines: SpreadsheetRow[], options: ReadOptions, cut = false): Spreadsheet {
  const nonEmpty = lines.filter((row) => row.values.some((v) => v !== ''));
  if (nonEmpty.length === 0) return refused(format, encoding, '表格是空的：请在第1行填写表头（可下载模板），从第2行起每行填一个人');
  const candidates = nonEmpty.slice(0, HEADER_SEARCH_ROWS);
  const header = (options.isHeader && candidates.find((row) => options.isHeader!(row.values))) || nonEmpty[0]!;
  const rows = nonEmpty.filter((row) => row.line > header.line);
  if (rows.length > MAX_ROWS) {
    const count = cut ? `超过 ${rows.length} 行数据` : `有 ${rows.length} 行数据`;
    return refused(format, encoding, `表格${count}，最多 ${MAX_ROWS} 行：请只保留要导入的名单`);
  }
  // trailing empty header cells are not columns
  let width = header.values.length;
  while (width > 0 && header.values[width - 1] === '') width--;
  return { format, encoding, headerLine: header.line, columns: header.values.slice(0, width), rows, problem: null };
}
