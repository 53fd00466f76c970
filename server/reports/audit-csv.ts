import { stringify } from 'csv-stringify/sync';
import type { AuditEntryView } from '../contracts/admin-api.ts';
import { beijingTime } from './beijing-time.ts';
import { ENTERED_BY_TEXT } from './results-workbook.ts';

/**
 * The audit log as a CSV file an organiser opens in Excel (WPS, Numbers): UTF-8 with a byte-order
 * mark (without it Excel reads UTF-8 as the local code page and the Chinese is garbled), Chinese
 * column names, CRLF line ends, one row per entry in the order they were written.
 *
 * Names, units and reasons are typed by people. A cell that starts with = + - @ (or a tab or
 * carriage return) would be run as a formula by Excel ("CSV injection": =HYPERLINK(…) or a DDE
 * call in a judge's name), so such a cell gets a leading apostrophe, which Excel shows as text.
 */

const AUDIT_CSV_COLUMNS = ['时间（北京时间）', '角色', '操作者', '操作', '选手', '评委', '详情'] as const;

const ROLE_TEXT: Record<string, string> = { admin: '管理员', host: '主持人', judge: '评委', display: '大屏', system: '系统' };

const ACTION_TEXT: Record<string, string> = {
  'contest:create': '创建比赛',
  'contest:update': '修改比赛',
  'contest:lots': '抽签',
  'judge:reissue-link': '重发评委链接',
  'turn:start': '开始汇报',
  'turn:open-scoring': '开始评分',
  'turn:close': '结束评分',
  'turn:reveal': '公布得分',
  'turn:re-reveal': '重新公布得分',
  'turn:skip': '选手弃权（跳过）',
  'turn:reset': '撤销（恢复为候场）',
  'sheet:submit': '提交评分表',
  'sheet:correct': '更正评分表',
  'sheet:reopen': '退回评分表',
  'judge:excuse': '评委缺席',
  'clock:pause': '暂停计时',
  'clock:resume': '继续计时',
  'screen:show': '切换大屏画面',
  'awards:reveal': '公布奖项',
};

const DETAIL_TEXT: Record<string, string> = {
  reason: '原因',
  total: '总分',
  enteredBy: '录入方式',
  submissionId: '提交编号',
  sheetId: '评分表编号',
  missing: '未交评委',
  auto: '自动',
  from: '原状态',
  elapsedMs: '用时（毫秒）',
  talkMs: '汇报用时（毫秒）',
  screen: '画面',
  shown: '已公布',
  sheets: '评分表数',
  title: '标题',
  presenters: '选手数',
  judges: '评委数',
  generation: '链接版本',
  changed: '修改内容',
  copiedFrom: '复制自',
  order: '出场顺序',
  before: '修改前',
  after: '修改后',
};

/** Excel holds at most 32,767 characters in a cell; a contest file before and after an edit can exceed it. */
const CELL_LIMIT = 32_000;

export interface AuditNames {
  /** presenter key → name */
  presenters: ReadonlyMap<string, string>;
  /** judge key → name */
  judges: ReadonlyMap<string, string>;
}

/** A cell Excel would take for a formula, made plain text with a leading apostrophe. */
function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** "张三（m1）", or just the key when it names nobody in the contest (any more) */
function named(key: string | null, names: ReadonlyMap<string, string>): string {
  if (key === null) return '';
  const name = names.get(key);
  return name === undefined ? key : `${name}（${key}）`;
}

function detailValue(key: string, value: unknown): string {
  if (key === 'enteredBy' && typeof value === 'string') return (ENTERED_BY_TEXT as Readonly<Record<string, string>>)[value] ?? value;
  // a draw: "1. 乌山街道党工委书记、2. …"
  if (key === 'order' && Array.isArray(value)) return value.map((o: { order?: unknown; name?: unknown }) => `${String(o.order)}. ${String(o.name)}`).join('、');
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join('、');
  return JSON.stringify(value);
}

function detailText(detail: Record<string, unknown>): string {
  const text = Object.entries(detail)
    .map(([key, value]) => `${DETAIL_TEXT[key] ?? key}：${detailValue(key, value)}`)
    .join('；');
  return text.length <= CELL_LIMIT ? text : `${text.slice(0, CELL_LIMIT)}…（内容过长已截断，完整内容见审计日志页面）`;
}

export function auditCsv(entries: readonly AuditEntryView[], names: AuditNames): string {
  const rows = entries.map((e) => [
    beijingTime(new Date(e.at)),
    ROLE_TEXT[e.actorRole] ?? e.actorRole,
    e.actorRole === 'judge' && e.actorKey !== null ? named(e.actorKey, names.judges) : (e.actorKey ?? ROLE_TEXT[e.actorRole] ?? e.actorRole),
    ACTION_TEXT[e.action] ?? e.action,
    named(e.presenter, names.presenters),
    named(e.judge, names.judges),
    detailText(e.detail),
  ]);
  return stringify([[...AUDIT_CSV_COLUMNS], ...rows.map((row) => row.map(neutraliseFormula))], { bom: true, record_delimiter: 'windows' });
}
