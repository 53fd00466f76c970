import type { ImportKind, ImportPreview, ImportRow } from '../contracts/admin-api.ts';
import { contestFromDocument } from '../contest-file/contest-file.ts';
import type { ContestFile } from '../contest-file/contest-file.schema.ts';
import { isAppError } from '../errors.ts';
import { KEY_PATTERN } from '../schemas/common.schema.ts';
import { columnLetter, columnsOf, examplesOf, isHeaderOf, matchHeader, type RosterColumn } from './roster-columns.ts';
import { readSpreadsheet, type Spreadsheet } from './spreadsheet.ts';

/**
 * A presenter or judge list read from a spreadsheet, checked against the contest it goes into:
 * every row with what is wrong with it, in Chinese, naming the row (as Excel numbers it) and the
 * column, and saying how to fix it. Only a list without a single problem is `ready`, and only then
 * does the preview carry the contest-file entries that applying it saves. Importing replaces the
 * whole list.
 *
 * An empty 编号 keeps the key of the person already in the contest with the same name, so
 * re-importing a list keeps judges' links (and is no change at all once the contest has started);
 * otherwise a key is made up, never one that somebody in the contest has now (a judge's key is
 * their link). A presenter list without 出场顺序 or 回避评委 (or with the column left blank) keeps
 * the running order (the draw) and the recusals of the presenters already in the contest, and the
 * preview's notes say so.
 */

type Presenter = ContestFile['presenters'][number];
type Judge = ContestFile['judges'][number];
type Panel = ContestFile['rules']['panels'][number];

const KEY = new RegExp(KEY_PATTERN);
const NAME_MAX = 200;
const TEXT_MAX = 500;
const MAX_JUDGES = 1000;
const MAX_ORDER = 100000;
/** what Excel shows in a cell whose formula failed */
const EXCEL_ERRORS = new Set(['#N/A', '#REF!', '#VALUE!', '#DIV/0!', '#NAME?', '#NULL!', '#NUM!', '#SPILL!', '#CALC!', '#FIELD!', '#BLOCKED!', '#CONNECT!', '#BUSY!', '#UNKNOWN!', '#GETTING_DATA']);
/** 回避评委 lists several judges: 顿号, commas and semicolons (either width), or spaces */
const RECUSAL_SEPARATORS = /[、,，;；\s]+/u;
const WHO: Record<ImportKind, string> = { presenters: '选手', judges: '评委' };

/** The column positions of a list's header. */
interface Layout {
  kind: ImportKind;
  headerLine: number;
  index: Map<RosterColumn, number>;
}

/** A row being checked: the preview's row, plus which of its cells already have a problem. */
interface Work extends ImportRow {
  bad: Set<RosterColumn>;
}

/** Reads and checks an uploaded list in one go. */
export async function previewRosterFile(kind: ImportKind, bytes: Uint8Array, contest: ContestFile): Promise<ImportPreview> {
  return previewRoster(kind, await readSpreadsheet(bytes, { isHeader: isHeaderOf(kind) }), contest);
}

export function previewRoster(kind: ImportKind, sheet: Spreadsheet, contest: ContestFile): ImportPreview {
  const base = { kind, format: sheet.format, encoding: sheet.encoding, columns: sheet.columns };
  if (sheet.problem !== null) return { ...base, rows: [], problems: [sheet.problem], ready: false };

  const problems: string[] = [];
  const layout = readHeader(kind, sheet, problems);
  const present = columnsOf(kind).filter((c) => layout.index.has(c.name));
  const rows: Work[] = sheet.rows.map((r) => ({
    line: r.line,
    cells: Object.fromEntries(present.map((c) => [c.name, r.values[layout.index.get(c.name)!] ?? ''])),
    problems: [],
    bad: new Set(),
  }));
  if (rows.length === 0) problems.push(`表格里只有表头，没有${WHO[kind]}：请从第${sheet.headerLine + 1}行起，每行填一位${WHO[kind]}`);
  if (kind === 'judges' && rows.length > MAX_JUDGES) problems.push(`表格有 ${rows.length} 位评委，一场比赛最多 ${MAX_JUDGES} 位：请只保留本场比赛的评委`);

  for (const row of rows) checkCells(layout, row);
  const notes: string[] = [];
  const entries = kind === 'presenters' ? presenterEntries(layout, rows, contest, notes) : judgeEntries(layout, rows, contest);

  const rowsClean = rows.every((r) => r.problems.length === 0);
  // Checks across the whole contest mean something only once every row could be read.
  if (rowsClean && problems.length === 0) {
    const document: ContestFile =
      kind === 'presenters' ? { ...contest, presenters: entries as Presenter[] } : { ...contest, judges: entries as Judge[] };
    if (kind === 'judges') problems.push(...judgeListProblems(contest, entries as Judge[]));
    if (problems.length === 0) {
      // The contest file's own rules have the last word; the checks above should leave nothing for it.
      try {
        contestFromDocument(document);
      } catch (error) {
        if (!isAppError(error)) throw error;
        problems.push(`名单与比赛的其他设置不一致，无法保存：${error.message}`);
      }
    }
  }

  const ready = rowsClean && problems.length === 0;
  const preview: ImportPreview = {
    ...base,
    rows: rows.map(({ line, cells, problems: p }) => ({ line, cells, problems: p })),
    problems,
    ready,
  };
  if (notes.length > 0) preview.notes = notes;
  if (ready && kind === 'presenters') preview.presenters = entries as Presenter[];
  if (ready && kind === 'judges') preview.judges = entries as Judge[];
  return preview;
}

/** "导入未保存：第3行「姓名」（B列）为空：…；…" — the 422 answer's message. */
export function importProblemSummary(preview: ImportPreview): string {
  const all = [...preview.problems, ...preview.rows.flatMap((r) => r.problems)];
  const more = all.length > 3 ? `……共 ${all.length} 个问题` : '';
  return `导入未保存：${all.slice(0, 3).join('；')}${more}。请按预览里的提示改好表格后重新上传`;
}

// ------------------------------------------------------------------ header

function readHeader(kind: ImportKind, sheet: Spreadsheet, problems: string[]): Layout {
  const index = new Map<RosterColumn, number>();
  const where = `表头（第${sheet.headerLine}行）`;
  sheet.columns.forEach((header, i) => {
    const match = matchHeader(kind, header);
    if (match === null || !('column' in match)) return;
    const name = match.column.name;
    const earlier = index.get(name);
    if (earlier === undefined) index.set(name, i);
    else problems.push(`${where}的 ${columnLetter(earlier)}列「${sheet.columns[earlier]}」和 ${columnLetter(i)}列「${header}」都是「${name}」列：请删除其中一列，或改成别的列名`);
  });

  const definitions = columnsOf(kind);
  const has = (name: RosterColumn) => index.has(name);
  const missing = definitions.filter((c) => c.required && !has(c.name));
  const presenterOnly = (['出场顺序', '题目', '回避评委'] as const).some((name) => sheet.columns.some((h) => isColumn('presenters', h, name)));
  if (missing.length > 0) {
    const found = sheet.columns.filter((c) => c !== '').map((c) => `「${c}」`).join('、') || '（没有）';
    const expected = definitions.map((c) => `「${c.name}」${c.required ? '（必填）' : ''}`).join('、');
    const hint = kind === 'judges' && presenterOnly ? '这个文件看起来是选手名单：导入选手请用“导入选手”。' : '';
    problems.push(
      `缺少${missing.map((c) => `「${c.name}」`).join('、')}列。${where}找到的列：${found}；${WHO[kind]}名单应有的列：${expected}。${hint}请下载${WHO[kind]}名单模板，按模板的列名填写表头`,
    );
  }
  // A judge list has 姓名 too, so it would import as presenters without a word.
  const panelColumn = sheet.columns.some((h) => isColumn('judges', h, '评委组'));
  if (kind === 'presenters' && panelColumn && !presenterOnly && !has('单位')) {
    problems.push('这个文件有「评委组」列，看起来是评委名单：导入评委请用“导入评委”；导入选手请用选手名单模板');
  }
  return { kind, headerLine: sheet.headerLine, index };
}

function isColumn(kind: ImportKind, header: string, name: RosterColumn): boolean {
  const match = matchHeader(kind, header);
  return match !== null && 'column' in match && match.column.name === name;
}

// ------------------------------------------------------------------ cells

/** 「姓名」（B列） */
function at(layout: Layout, column: RosterColumn): string {
  return `「${column}」（${columnLetter(layout.index.get(column)!)}列）`;
}

function flag(layout: Layout, row: Work, column: RosterColumn, text: string): void {
  row.problems.push(`第${row.line}行${at(layout, column)}${text}`);
  row.bad.add(column);
}

function cell(row: Work, column: RosterColumn): string {
  return row.cells[column] ?? '';
}

/** a key as typed in an input method's full-width mode (Ｐ０１) is the key (P01) */
function keyText(text: string): string {
  return text.normalize('NFKC').trim();
}

/** Checks each cell on its own: formula errors, the template's examples, 姓名, 编号, text lengths. */
function checkCells(layout: Layout, row: Work): void {
  for (const column of layout.index.keys()) {
    const value = cell(row, column);
    if (EXCEL_ERRORS.has(value)) flag(layout, row, column, `是公式错误 ${value}：请在表格里改正这个公式，或者复制后“选择性粘贴 → 数值”`);
  }
  const examples = examplesOf(layout.kind);
  // every column the file has is as the template had it, and that is more than a name alone
  const columns = [...layout.index.keys()];
  const isExample = examples.some(
    (example) => columns.every((column) => cell(row, column) === example[column]) && columns.filter((column) => example[column] !== '').length >= 2,
  );
  if (isExample && layout.index.has('姓名')) {
    flag(layout, row, '姓名', `「${cell(row, '姓名')}」是模板里的示例：请删除这一行，或改成真实的${WHO[layout.kind]}信息`);
    // the row is to be deleted, not corrected: nothing else about it is worth a message
    for (const column of columns) row.bad.add(column);
    return;
  }

  if (layout.index.has('姓名') && !row.bad.has('姓名')) {
    const name = cell(row, '姓名');
    if (name === '') flag(layout, row, '姓名', `为空：请填写${WHO[layout.kind]}的姓名，这一列必填`);
    else if (name.length > NAME_MAX) flag(layout, row, '姓名', `太长（${name.length} 个字，最多 ${NAME_MAX} 个字）：请缩短`);
  }
  for (const column of ['单位', '题目'] as const) {
    const value = cell(row, column);
    if (layout.index.has(column) && !row.bad.has(column) && value.length > TEXT_MAX) {
      flag(layout, row, column, `太长（${value.length} 个字，最多 ${TEXT_MAX} 个字）：请缩短`);
    }
  }
  const key = cell(row, '编号');
  if (layout.index.has('编号') && !row.bad.has('编号') && key !== '' && !KEY.test(keyText(key))) {
    const example = layout.kind === 'presenters' ? 'p01' : 'm1';
    flag(layout, row, '编号', `「${key}」不能用作编号：编号只能由英文字母、数字、- 和 _ 组成（最多 64 个字符），例如 ${example}；也可以留空，系统会自动编号`);
  }
}

/** The row's 编号 when it is a valid key, else null (empty, or already flagged). */
function givenKey(row: Work): string | null {
  const text = cell(row, '编号');
  return text === '' || row.bad.has('编号') ? null : keyText(text);
}

/**
 * Flags every row of a group that shares a value, naming the other rows: "与第3、7行重复".
 * valueOf returns null for rows that take no part (empty or already wrong).
 */
function flagDuplicates(
  layout: Layout,
  rows: Work[],
  column: RosterColumn,
  valueOf: (row: Work, index: number) => string | null,
  text: (row: Work, others: string) => string,
): void {
  const groups = new Map<string, Work[]>();
  for (const [i, row] of rows.entries()) {
    const value = valueOf(row, i);
    if (value === null) continue;
    groups.set(value, [...(groups.get(value) ?? []), row]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const row of group) {
      const lines = group.filter((r) => r !== row).map((r) => r.line);
      // a value typed on every row (出场顺序 1 all the way down) must not list 2,000 lines 2,000 times
      const others = lines.length > 5 ? `${lines.slice(0, 5).join('、')}等 ${lines.length} ` : lines.join('、');
      flag(layout, row, column, text(row, others));
    }
  }
}

/**
 * Keys for the rows without one: the key `reuse` finds (the same person already in the contest),
 * else one made up. A made-up key is never one in use in the file, nor one that anybody in the
 * contest has now (`current`): a new person always gets a new key, so a judge who is replaced does
 * not hand their working link to the replacement, and a new presenter inherits nothing.
 */
function assignKeys(
  given: Array<string | null>,
  reuse: (i: number) => string | null,
  generate: (i: number, taken: ReadonlySet<string>) => string,
  current: readonly string[],
): string[] {
  const keys = [...given];
  const used = new Set(given.filter((k): k is string => k !== null));
  keys.forEach((key, i) => {
    if (key !== null) return;
    const candidate = reuse(i);
    if (candidate !== null && !used.has(candidate)) {
      keys[i] = candidate;
      used.add(candidate);
    }
  });
  const taken = new Set([...used, ...current]);
  return keys.map((key, i) => {
    if (key !== null) return key;
    const made = generate(i, taken);
    taken.add(made);
    return made;
  });
}

/** The one element of a list, or null when there are none or several. */
function only<T>(list: readonly T[]): T | null {
  return list.length === 1 ? list[0]! : null;
}

function listed(names: readonly string[], max = 20): string {
  return names.length > max ? `${names.slice(0, max).join('、')} 等 ${names.length} 位` : names.join('、');
}

// ------------------------------------------------------------------ presenters

function presenterEntries(layout: Layout, rows: Work[], contest: ContestFile, notes: string[]): Presenter[] {
  const has = (column: RosterColumn) => layout.index.has(column);

  // 出场顺序: all empty = the file's order; otherwise every row has its own number
  const orders = rows.map((row) => (has('出场顺序') ? runningOrder(layout, row) : null));
  const numbered = rows.some((row) => cell(row, '出场顺序') !== '');
  if (numbered) {
    for (const row of rows) {
      if (cell(row, '出场顺序') === '') flag(layout, row, '出场顺序', '为空，但其他行填了出场顺序：请每一行都填，或者全部留空（按表格里的先后顺序出场）');
    }
  }
  flagDuplicates(layout, rows, '出场顺序', (_row, i) => (orders[i] == null ? null : String(orders[i])), (_row, others) =>
    `与第${others}行重复：每位选手的出场顺序必须不同，请改正`,
  );

  flagDuplicates(layout, rows, '编号', givenKey, (row, others) => `「${cell(row, '编号')}」与第${others}行重复：编号不能重复，请改掉其中一个，或者留空由系统编号`);
  // The same name in two units is two people (the projector shows the unit too); the same name
  // and unit twice is a row copied by mistake.
  flagDuplicates(layout, rows, '姓名', (row) => (row.bad.has('姓名') ? null : `${cell(row, '姓名')}\u0000${cell(row, '单位')}`), (row, others) => {
    const unit = cell(row, '单位');
    return `「${cell(row, '姓名')}」${unit ? `（单位 ${unit}）` : ''}与第${others}行重复：同一位选手填了两次？请删掉多余的行；若确是两位选手，请在姓名后加以区分`;
  });

  const recusalsGiven = rows.some((row) => cell(row, '回避评委') !== '');
  const recused = rows.map((row) => (recusalsGiven ? recusals(layout, row, contest) : []));

  const width = Math.max(2, String(rows.length).length);
  const current = contest.presenters;
  const keys = assignKeys(
    rows.map(givenKey),
    (i) => {
      const sameName = current.filter((p) => p.name === cell(rows[i]!, '姓名'));
      return (only(sameName) ?? only(sameName.filter((p) => (p.unit ?? '') === cell(rows[i]!, '单位'))))?.key ?? null;
    },
    (i, taken) => {
      const preferred = `p${String(orders[i] ?? i + 1).padStart(width, '0')}`;
      if (!taken.has(preferred)) return preferred;
      for (let n = 1; ; n++) if (!taken.has(`p${String(n).padStart(width, '0')}`)) return `p${String(n).padStart(width, '0')}`;
    },
    current.map((p) => p.key),
  );
  // a row whose key is a presenter's already in the contest (its 编号, or the same name) is that
  // presenter; made-up keys are never one of theirs
  const before = rows.map((_row, i) => current.find((p) => p.key === keys[i]) ?? null);

  // Re-importing the list to correct a typo must not undo the draw: without 出场顺序, the
  // presenters already in the contest keep their place and new ones follow, in the file's order.
  let running = rows.map((_row, i) => orders[i] ?? i + 1);
  const kept = before.filter((p): p is Presenter & { order: number } => p?.order !== undefined);
  if (!numbered && kept.length > 0) {
    let next = Math.max(...kept.map((p) => p.order));
    running = before.map((p) => p?.order ?? ++next);
    const added = rows.flatMap((row, i) => (before[i]?.order === undefined ? [`「${cell(row, '姓名')}」（第 ${running[i]} 位）`] : []));
    const newcomers = added.length === 0 ? '' : `；表格里新增的${listed(added, 5)}排在最后`;
    notes.push(`出场顺序未填写：沿用现有出场顺序（如抽签结果），${kept.length} 位已有的选手出场顺序不变${newcomers}。如要重新排出场顺序，请在表格里填写「出场顺序」列，或在比赛设置里重新抽签`);
  }

  // Likewise without 回避评委: presenters already in the contest keep their recusals.
  if (!recusalsGiven) {
    before.forEach((p, i) => {
      if (p) recused[i] = [...(p.recused ?? [])];
    });
    const judgeName = (key: string) => contest.judges.find((j) => j.key === key)?.name ?? key;
    const keptRecusals = before.filter((p): p is Presenter => (p?.recused ?? []).length > 0);
    if (keptRecusals.length > 0) {
      const which = listed(keptRecusals.map((p) => `「${p.name}」回避 ${p.recused!.map(judgeName).join('、')}`), 5);
      notes.push(`回避评委未填写：沿用现有的回避设置（${which}）。如要修改回避，请在表格里填写「回避评委」列，或在比赛设置里修改`);
    }
  }

  return rows.map((row, i) => ({
    key: keys[i]!,
    name: cell(row, '姓名'),
    unit: cell(row, '单位'),
    topic: cell(row, '题目'),
    order: running[i]!,
    recused: recused[i]!,
    // judges the host marked absent (缺席) for a presenter already in the contest stay so
    ...(before[i]?.absent?.length ? { absent: [...before[i]!.absent!] } : {}),
  }));
}

/** 出场顺序 as an integer from 1; Excel's 3 and a typed "3.0" are 3, "3.5" is refused. Null when empty or wrong. */
function runningOrder(layout: Layout, row: Work): number | null {
  const text = cell(row, '出场顺序');
  if (text === '' || row.bad.has('出场顺序')) return null;
  const plain = text.normalize('NFKC').replace(/\s+/g, '');
  const number = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!number) {
    flag(layout, row, '出场顺序', `「${text}」不是数字：请填 1、2、3 这样的整数，或者全部留空（按表格里的先后顺序出场）`);
    return null;
  }
  const [, sign, whole, fraction] = number;
  if (fraction !== undefined && /[1-9]/.test(fraction)) {
    flag(layout, row, '出场顺序', `「${text}」不是整数：出场顺序只能是 1、2、3 这样的整数`);
    return null;
  }
  const value = sign === '-' ? -Number(whole) : Number(whole);
  if (value < 1 || value > MAX_ORDER) {
    flag(layout, row, '出场顺序', `「${text}」超出范围：出场顺序从 1 开始，最大 ${MAX_ORDER}`);
    return null;
  }
  return value;
}

/** The judges a presenter row's 回避评委 names (by name or key), as keys; unknown ones are flagged. */
function recusals(layout: Layout, row: Work, contest: ContestFile): string[] {
  const text = cell(row, '回避评委');
  if (text === '' || row.bad.has('回避评委')) return [];
  const judges = contest.judges;
  if (judges.length === 0) {
    flag(layout, row, '回避评委', `填了「${text}」，但本比赛还没有评委：请先导入评委名单，再导入带回避评委的选手名单（或先把这一列留空）`);
    return [];
  }
  const find = (token: string): Judge[] => {
    const byKey = judges.filter((j) => j.key === token || j.key === keyText(token));
    return byKey.length > 0 ? byKey : judges.filter((j) => j.name === token);
  };
  // a judge whose name has a space in it is still one judge
  const tokens = find(text).length === 1 ? [text] : text.split(RECUSAL_SEPARATORS).filter((t) => t !== '');
  const keys: string[] = [];
  for (const token of tokens) {
    const found = find(token);
    if (found.length === 1) {
      if (!keys.includes(found[0]!.key)) keys.push(found[0]!.key);
    } else if (found.length > 1) {
      flag(layout, row, '回避评委', `中的「${token}」有 ${found.length} 位同名评委（编号 ${found.map((j) => j.key).join('、')}）：请改填评委的编号`);
    } else {
      const all = listed(judges.map((j) => `${j.name}（${j.key}）`));
      flag(layout, row, '回避评委', `中的「${token}」不是本比赛的评委：请填评委的姓名或编号，多位评委用顿号“、”隔开。本比赛的评委有：${all}`);
    }
  }
  if (row.bad.has('回避评委')) return keys;
  for (const panel of contest.rules.panels) {
    const members = judges.filter((j) => j.panel === panel.key);
    if (members.length > 0 && members.every((j) => keys.includes(j.key))) {
      flag(layout, row, '回避评委', `回避了评委组「${panel.name}」的全部评委：这位选手将得不到${panel.name}的分数，请至少留一位该组的评委不回避`);
    }
  }
  return keys;
}

// ------------------------------------------------------------------ judges

function judgeEntries(layout: Layout, rows: Work[], contest: ContestFile): Judge[] {
  const panels = seatedPanels(contest);
  const panelList = panels.map((p) => `${p.name}（${p.key}）`).join('、');
  const panelOf = rows.map((row): Panel | null => {
    if (!layout.index.has('评委组') || row.bad.has('评委组')) return null;
    const text = cell(row, '评委组');
    if (text === '') {
      flag(layout, row, '评委组', `为空：请填写这位评委所在的评委组。本比赛的评委组有：${panelList}`);
      return null;
    }
    const panel = findPanel(panels, text);
    if (!panel) flag(layout, row, '评委组', `「${text}」不是本比赛的评委组：请填写其中之一：${panelList}`);
    return panel;
  });

  flagDuplicates(layout, rows, '编号', givenKey, (row, others) => `「${cell(row, '编号')}」与第${others}行重复：编号不能重复，请改掉其中一个，或者留空由系统编号`);
  // Judges are told apart by name on the host console and in 回避评委.
  flagDuplicates(layout, rows, '姓名', (row) => (row.bad.has('姓名') ? null : cell(row, '姓名')), (row, others) =>
    `「${cell(row, '姓名')}」与第${others}行重名：评委不能重名，请在姓名后加上单位区分，例如“${cell(row, '姓名')}（区委组织部）”`,
  );

  const keys = assignKeys(
    rows.map(givenKey),
    (i) => only(contest.judges.filter((j) => j.name === cell(rows[i]!, '姓名')))?.key ?? null,
    (i, taken) => {
      // main01, main02, eval01: the panel's key and a number
      const prefix = (panelOf[i]?.key ?? 'j').slice(0, 60);
      for (let n = 1; ; n++) if (!taken.has(`${prefix}${String(n).padStart(2, '0')}`)) return `${prefix}${String(n).padStart(2, '0')}`;
    },
    // a judge's key is their link: a new judge never gets the key of one in the contest now
    contest.judges.map((j) => j.key),
  );
  return rows.map((row, i) => ({ key: keys[i]!, name: cell(row, '姓名'), panel: panelOf[i]?.key ?? '' }));
}

/** The panels judges can sit on: every panel but the audience's (大众评审 has no judges). */
const seatedPanels = (contest: ContestFile): Panel[] => contest.rules.panels.filter((p) => p.kind !== 'audience');

/** A panel by its name (主评委, or 主评委组) or its key (main, MAIN). */
function findPanel(panels: readonly Panel[], text: string): Panel | null {
  const plain = text.normalize('NFKC').replace(/\s+/g, '');
  return (
    panels.find((p) => p.name === text || p.key === text) ??
    panels.find((p) => p.name.replace(/\s+/g, '') === plain || `${p.name.replace(/\s+/g, '')}组` === plain) ??
    panels.find((p) => p.key.toLowerCase() === plain.toLowerCase()) ??
    null
  );
}

/**
 * A new judge list replaces the old one: every panel still needs a judge, and every presenter's
 * recusal must still name a judge on the list and leave someone in each panel to score them.
 */
function judgeListProblems(contest: ContestFile, judges: Judge[]): string[] {
  const problems: string[] = [];
  for (const panel of seatedPanels(contest)) {
    if (!judges.some((j) => j.panel === panel.key)) {
      problems.push(`评委组「${panel.name}」（${panel.key}）一位评委也没有：导入会替换全部评委，请把每个评委组的评委都列在这个文件里`);
    }
  }
  const keys = new Set(judges.map((j) => j.key));
  for (const presenter of contest.presenters) {
    const recused = presenter.recused ?? [];
    for (const judgeKey of recused) {
      if (keys.has(judgeKey)) continue;
      const old = contest.judges.find((j) => j.key === judgeKey);
      problems.push(
        `选手「${presenter.name}」（编号 ${presenter.key}）要回避的评委${old ? `「${old.name}」` : ''}（编号 ${judgeKey}）不在新的评委名单里：请在名单里保留这位评委（编号填 ${judgeKey}），或者先在选手名单里去掉这条回避`,
      );
    }
    for (const panel of contest.rules.panels) {
      const members = judges.filter((j) => j.panel === panel.key);
      if (members.length > 0 && members.every((j) => recused.includes(j.key))) {
        problems.push(
          `选手「${presenter.name}」（编号 ${presenter.key}）回避了评委组「${panel.name}」的全部评委（${listed(members.map((j) => j.name))}）：这位选手将得不到${panel.name}的分数。请为该组多加一位评委，或者修改这位选手的回避评委`,
        );
      }
    }
  }
  return problems;
}
