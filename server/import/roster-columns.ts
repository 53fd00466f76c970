import type { ImportKind } from '../contracts/admin-api.ts';

/**
 * The columns of the presenter and judge lists, defined once: the import reads them, the
 * templates write them, and the messages name them. Organisers type headers by hand in Excel/WPS,
 * so a header is matched after normalising it (see normaliseHeader) and through a short, explicit
 * list of aliases; anything else is a column we do not read.
 */

export type PresenterColumn = '出场顺序' | '编号' | '姓名' | '单位' | '题目' | '回避评委';
export type JudgeColumn = '编号' | '姓名' | '评委组';
export type RosterColumn = PresenterColumn | JudgeColumn;

export interface ColumnDefinition {
  name: RosterColumn;
  required: boolean;
  /** other headers people type for this column (compared after normaliseHeader) */
  aliases: readonly string[];
  /** one line for the template's instructions sheet */
  help: string;
  /** template column width, in characters */
  width: number;
}

const PRESENTER_COLUMNS: readonly ColumnDefinition[] = [
  { name: '出场顺序', required: false, aliases: ['出场序号', '出场次序'], width: 10, help: '整数，从1开始，不能重复。全部留空时按表格里的先后顺序出场；要填就每一行都填。' },
  { name: '编号', required: false, aliases: [], width: 10, help: '英文字母、数字、- 或 _，例如 p01，不能重复。可以留空，系统会自动编号（p01、p02……）。' },
  { name: '姓名', required: true, aliases: ['选手姓名', '汇报人'], width: 24, help: '必填。大屏和评委手机上显示的名字，可以是人名，也可以是“某某街道党工委书记”。' },
  { name: '单位', required: false, aliases: [], width: 20, help: '选手所在单位，例如 乌山街道。' },
  { name: '题目', required: false, aliases: ['汇报题目'], width: 44, help: '汇报的题目。' },
  { name: '回避评委', required: false, aliases: ['回避'], width: 20, help: '需要回避（不给该选手打分）的评委，填评委的姓名或编号，多个用顿号“、”、逗号或空格隔开；必须是本比赛已有的评委。' },
];

const JUDGE_COLUMNS: readonly ColumnDefinition[] = [
  { name: '编号', required: false, aliases: [], width: 10, help: '英文字母、数字、- 或 _，例如 m1，不能重复。可以留空：与现有评委同名的沿用原编号（评委链接不变），其余按评委组自动编号。' },
  { name: '姓名', required: true, aliases: ['评委姓名'], width: 24, help: '必填，不能重名（同名时请加上单位区分，例如 张伟（区委组织部））。' },
  { name: '评委组', required: true, aliases: ['评委组别', '组别'], width: 14, help: '必填。填本比赛已有的评委组的名称或代码，例如 主评委、测评。' },
];

/** Headers that are recognised and deliberately not read: a running index most Chinese tables start with. */
const IGNORED_HEADERS: readonly string[] = ['序号'];

export function columnsOf(kind: ImportKind): readonly ColumnDefinition[] {
  return kind === 'presenters' ? PRESENTER_COLUMNS : JUDGE_COLUMNS;
}

/**
 * "  姓 名（必填）" → "姓名": full-width letters and brackets become their ASCII forms (NFKC), all
 * spaces go, and a trailing required-marker (*, (必填), (选填)) is dropped.
 */
function normaliseHeader(header: string): string {
  return header
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/(?:\*|\((?:必填|选填|可选)\))+$/u, '')
    .replace(/^\*+/, '');
}

export type HeaderMatch = { column: ColumnDefinition } | { ignored: true } | null;

/** Which of our columns a header names for this kind of list, if any. */
export function matchHeader(kind: ImportKind, header: string): HeaderMatch {
  const normal = normaliseHeader(header);
  if (normal === '') return null;
  if (IGNORED_HEADERS.includes(normal)) return { ignored: true };
  const column = columnsOf(kind).find((c) => c.name === normal || c.aliases.includes(normal));
  return column ? { column } : null;
}

/**
 * The header is the first row naming a required column; rows above it are titles. (Here rather than
 * in roster-import.ts: the child process that reads uploaded files needs it, and nothing else.)
 */
export function isHeaderOf(kind: ImportKind): (values: string[]) => boolean {
  return (values) =>
    values.some((v) => {
      const match = matchHeader(kind, v);
      return match !== null && 'column' in match && match.column.required;
    });
}

/** Column letters as Excel shows them: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * The templates' example rows (from the 2023 望城区 final). A row left in the file exactly as the
 * template had it is refused on import: forgetting to delete the examples is the usual mistake.
 */
const PRESENTER_EXAMPLES: ReadonlyArray<Readonly<Record<PresenterColumn, string>>> = [
  { 出场顺序: '1', 编号: 'p01', 姓名: '乌山街道党工委书记', 单位: '乌山街道', 题目: '党政班子“1+N”联企机制 为企业纾困解难', 回避评委: '' },
  { 出场顺序: '2', 编号: 'p02', 姓名: '白沙洲街道党工委书记', 单位: '白沙洲街道', 题目: '以调查研究为小切口 推进基层治理走深走实', 回避评委: '' },
  { 出场顺序: '3', 编号: '', 姓名: '桥驿镇党委书记', 单位: '桥驿镇', 题目: '小切口、大突破 找准党建引领基层治理“最优解”', 回避评委: '桥驿镇村党组织书记代表' },
];

const JUDGE_EXAMPLES: ReadonlyArray<Readonly<Record<JudgeColumn, string>>> = [
  { 编号: 'm1', 姓名: '市委组织部评委', 评委组: '主评委' },
  { 编号: '', 姓名: '区委组织部评委', 评委组: '主评委' },
  { 编号: 'e01', 姓名: '桥驿镇村党组织书记代表', 评委组: '测评' },
];

/** The template's example rows for this kind of list. */
export function examplesOf(kind: ImportKind): ReadonlyArray<Readonly<Record<string, string>>> {
  return kind === 'presenters' ? PRESENTER_EXAMPLES : JUDGE_EXAMPLES;
}
