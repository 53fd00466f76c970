import type { AuditEntryView } from '../../../../server/contracts/admin-api.ts';
import type { ActorRole, AuditAction } from '../../../../server/contracts/vocabulary.ts';
import type { Lang } from '../../lib/lang.ts';
import { formatDuration } from '../results/format.ts';

/**
 * The audit log in the organisers' words: roles, actions and each entry's detail as short readable
 * parts. Pure (the language is a parameter) so it is unit-tested in Node. Values from the server
 * are shown as they came (a sheet's total is its decimal string); only durations in milliseconds
 * are turned into minutes and seconds.
 */

const ROLES: Record<Lang, Record<ActorRole, string>> = {
  zh: { admin: '管理员', host: '主持人', judge: '评委', display: '大屏', audience: '观众', system: '系统' },
  en: { admin: 'Admin', host: 'Host', judge: 'Judge', display: 'Display', audience: 'Audience', system: 'System' },
};

const ACTIONS: Record<Lang, Record<AuditAction, string>> = {
  zh: {
    'sheet:submit': '提交评分',
    'sheet:correct': '重评后提交',
    'sheet:reopen': '退回重评',
    'judge:excuse': '评委缺席',
    'judge:reissue-link': '重新生成评委链接',
    'watch:reissue-code': '重新生成观众链接',
    'watch:qr': '大屏观众二维码开关',
    'vote:entry-code': '观众投票码更改',
    'turn:start': '开始出场',
    'turn:open-scoring': '开始评分',
    'turn:close': '结束评分',
    'turn:reveal': '公布成绩',
    'turn:re-reveal': '重新公布成绩',
    'turn:skip': '选手弃权（跳过）',
    'turn:reset': '重置',
    'contest:create': '创建比赛',
    'contest:update': '修改比赛',
    'contest:lots': '抽签',
    'screen:show': '切换大屏',
    'awards:reveal': '公布奖项',
    'clock:pause': '暂停计时',
    'clock:resume': '继续计时',
  },
  en: {
    'sheet:submit': 'Sheet submitted',
    'sheet:correct': 'Sheet resubmitted after reopening',
    'sheet:reopen': 'Sheet reopened',
    'judge:excuse': 'Judge marked absent',
    'judge:reissue-link': 'Judge link reissued',
    'watch:reissue-code': 'Audience link reissued',
    'watch:qr': 'Audience QR on the projector switched',
    'vote:entry-code': 'Audience voting code changed',
    'turn:start': 'Turn started',
    'turn:open-scoring': 'Scoring opened',
    'turn:close': 'Scoring closed',
    'turn:reveal': 'Score revealed',
    'turn:re-reveal': 'Score revealed again',
    'turn:skip': 'Skipped (no-show)',
    'turn:reset': 'Turn reset',
    'contest:create': 'Contest created',
    'contest:update': 'Contest changed',
    'contest:lots': 'Running order drawn',
    'screen:show': 'Projector switched',
    'awards:reveal': 'Awards revealed',
    'clock:pause': 'Clock paused',
    'clock:resume': 'Clock resumed',
  },
};

const WORDS = {
  zh: {
    total: '总分',
    items: '各项',
    reason: '原因',
    enteredBy: '录入',
    missing: '未交',
    auto: '方式',
    from: '原阶段',
    talkMs: '汇报用时',
    elapsedMs: '已计时',
    screen: '画面',
    shown: '已揭晓奖项',
    sheets: '评分份数',
    title: '标题',
    presenters: '选手',
    judges: '评委',
    generation: '链接版本',
    before: '修改前',
    after: '修改后',
    change: '修改',
    order: '出场顺序',
    enteredJudge: '评委手机',
    enteredHost: '主持人代录（纸质表）',
    enteredImport: '文件导入',
    autoClose: '评分交齐后自动结束',
    yes: '是',
    no: '否',
    none: '无',
    listSep: '、',
    partSep: '；',
    badgeEntered: '代录',
    badgeReopen: '退回重评',
    badgeCorrect: '重评提交',
    badgeSuperseded: '已被替换',
    hostEnteredSubmit: '主持人代录',
    hostEnteredCorrect: '主持人代录（重评）',
    count: '{n} 项',
    generationN: '第 {n} 版',
  },
  en: {
    total: 'Total',
    items: 'Items',
    reason: 'Reason',
    enteredBy: 'Entered by',
    missing: 'Missing',
    auto: 'How',
    from: 'Was',
    talkMs: 'Talk time',
    elapsedMs: 'Clock',
    screen: 'Screen',
    shown: 'Awards shown',
    sheets: 'Sheets',
    title: 'Title',
    presenters: 'Presenters',
    judges: 'Judges',
    generation: 'Link version',
    before: 'Before',
    after: 'After',
    change: 'Change',
    order: 'Running order',
    enteredJudge: 'judge’s phone',
    enteredHost: 'host, from a paper sheet',
    enteredImport: 'imported file',
    autoClose: 'closed automatically when all sheets were in',
    yes: 'yes',
    no: 'no',
    none: 'none',
    listSep: ', ',
    partSep: '; ',
    badgeEntered: 'Paper',
    badgeReopen: 'Reopened',
    badgeCorrect: 'Resubmitted',
    badgeSuperseded: 'Replaced',
    hostEnteredSubmit: 'Paper sheet entered by host',
    hostEnteredCorrect: 'Paper sheet entered by host (after reopening)',
    count: '{n}',
    generationN: 'no. {n}',
  },
} satisfies Record<Lang, Record<string, string>>;

type Word = keyof (typeof WORDS)['zh'];

const PHASES: Record<Lang, Record<string, string>> = {
  zh: { waiting: '候场', presenting: '汇报中', scoring: '评分中', closed: '评分结束', revealed: '已公布', skipped: '弃权' },
  en: { waiting: 'waiting', presenting: 'presenting', scoring: 'scoring', closed: 'scoring closed', revealed: 'revealed', skipped: 'no-show' },
};

const SCREENS: Record<Lang, Record<string, string>> = {
  zh: { title: '标题页', turn: '当前出场', ranking: '排名', awards: '颁奖' },
  en: { title: 'title', turn: 'current turn', ranking: 'ranking', awards: 'awards' },
};

/** keys that identify records for the technically minded: kept out of the readable line */
const TECHNICAL = new Set(['submissionId', 'sheetId', 'supersedesId', 'id']);

export function roleLabel(role: ActorRole, lang: Lang): string {
  return ROLES[lang][role] ?? role;
}

/** an action in words; unknown actions are shown as they are */
export function actionLabel(entry: Pick<AuditEntryView, 'action' | 'actorRole' | 'detail'>, lang: Lang): string {
  const marks = auditMarks(entry);
  if (marks.entered && entry.action === 'sheet:submit') return WORDS[lang].hostEnteredSubmit;
  if (marks.entered && entry.action === 'sheet:correct') return WORDS[lang].hostEnteredCorrect;
  return ACTIONS[lang][entry.action] ?? entry.action;
}

/** a word from the tables above (badges the page adds itself) */
export function word(key: 'badgeSuperseded', lang: Lang): string {
  return WORDS[lang][key];
}

/** every action with a name, for a legend or a filter */
export function knownActions(lang: Lang): Record<string, string> {
  return { ...ACTIONS[lang] };
}

export interface AuditMarks {
  /** a paper sheet entered by the host (代录) */
  entered: boolean;
  /** a sheet sent back (退回重评) or the sheet that replaced it */
  reopened: boolean;
}

const isSheetAction = (action: string): boolean => action.startsWith('sheet:') && action !== 'sheet:reopen';

export function auditMarks(entry: Pick<AuditEntryView, 'action' | 'actorRole' | 'detail'>): AuditMarks {
  const detail = entry.detail ?? {};
  const entered =
    isSheetAction(entry.action) && (detail['enteredBy'] === 'host' || entry.actorRole === 'host');
  const reopened =
    entry.action === 'sheet:reopen' ||
    entry.action === 'sheet:correct' ||
    (isSheetAction(entry.action) && (detail['corrected'] === true || (typeof detail['supersedesId'] === 'string' && detail['supersedesId'] !== '')));
  return { entered, reopened };
}

/** the badges a row carries, in words */
export function auditBadges(entry: Pick<AuditEntryView, 'action' | 'actorRole' | 'detail'>, lang: Lang): Array<{ kind: 'entered' | 'reopened'; text: string }> {
  const marks = auditMarks(entry);
  const badges: Array<{ kind: 'entered' | 'reopened'; text: string }> = [];
  if (marks.entered) badges.push({ kind: 'entered', text: WORDS[lang].badgeEntered });
  if (marks.reopened) badges.push({ kind: 'reopened', text: entry.action === 'sheet:reopen' ? WORDS[lang].badgeReopen : WORDS[lang].badgeCorrect });
  return badges;
}

/**
 * Sheets later replaced: of the sheet entries for one presenter and judge (submitted, entered,
 * resubmitted), every one but the last in the log's order. Only the entries at hand are seen, so
 * a filter that hides the replacement hides the mark too.
 */
export function supersededIds(entries: ReadonlyArray<Pick<AuditEntryView, 'id' | 'action' | 'presenter' | 'judge'>>): Set<string> {
  const last = new Map<string, string>();
  const all: Array<{ id: string; key: string }> = [];
  for (const e of entries) {
    if (!isSheetAction(e.action) || !e.presenter || !e.judge) continue;
    const key = `${e.presenter}\u0000${e.judge}`;
    all.push({ id: e.id, key });
    last.set(key, e.id);
  }
  return new Set(all.filter((e) => last.get(e.key) !== e.id).map((e) => e.id));
}

/** names for the keys the log carries; a key without a name is shown as the key */
export interface AuditNames {
  presenters: ReadonlyMap<string, string>;
  judges: ReadonlyMap<string, string>;
  criteria: ReadonlyMap<string, string>;
}

export const NO_NAMES: AuditNames = { presenters: new Map(), judges: new Map(), criteria: new Map() };

/** who did it: a judge by name, anyone else by their key when there is one */
export function actorLabel(entry: Pick<AuditEntryView, 'actorRole' | 'actorKey'>, names: AuditNames): string {
  if (entry.actorKey === null) return '';
  if (entry.actorRole === 'judge') return names.judges.get(entry.actorKey) ?? entry.actorKey;
  return entry.actorKey;
}

export interface DetailPart {
  kind: 'total' | 'items' | 'reason' | 'change' | 'info';
  label: string;
  text: string;
}

export interface ReadableDetail {
  parts: DetailPart[];
  /** ids (submission, sheet) for a tooltip */
  technical: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** any JSON value as short text */
export function plainValue(value: unknown, lang: Lang, depth = 0): string {
  const w = WORDS[lang];
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? w.yes : w.no;
  if (Array.isArray(value)) return value.length === 0 ? w.none : value.map((v) => plainValue(v, lang, depth + 1)).join(w.listSep);
  if (isRecord(value)) {
    if (depth > 2) return JSON.stringify(value);
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${plainValue(v, lang, depth + 1)}`)
      .join(w.partSep);
  }
  return String(value);
}

function label(key: string, lang: Lang): string {
  const words = WORDS[lang] as Record<string, string>;
  return Object.hasOwn(words, key) ? words[key]! : key;
}

const keyList = (value: unknown, names: ReadonlyMap<string, string>, lang: Lang): string =>
  Array.isArray(value)
    ? value.length === 0
      ? WORDS[lang].none
      : value.map((v) => (typeof v === 'string' ? (names.get(v) ?? v) : plainValue(v, lang))).join(WORDS[lang].listSep)
    : plainValue(value, lang);

/** one detail key's value, read with what is known about that key */
function valueText(key: string, value: unknown, names: AuditNames, lang: Lang): string {
  const w = WORDS[lang];
  switch (key) {
    case 'items':
      if (isRecord(value)) {
        return Object.entries(value)
          .map(([criterion, v]) => `${names.criteria.get(criterion) ?? criterion} ${plainValue(v, lang)}`)
          .join(w.listSep);
      }
      return plainValue(value, lang);
    case 'enteredBy':
      return value === 'host' ? w.enteredHost : value === 'judge' ? w.enteredJudge : value === 'import' ? w.enteredImport : plainValue(value, lang);
    case 'missing':
    case 'judges':
      return Array.isArray(value) ? keyList(value, names.judges, lang) : plainValue(value, lang);
    case 'presenters':
    case 'order':
      return Array.isArray(value) ? keyList(value, names.presenters, lang) : plainValue(value, lang);
    case 'from':
      return typeof value === 'string' ? (PHASES[lang][value] ?? value) : plainValue(value, lang);
    case 'screen':
      return typeof value === 'string' ? (SCREENS[lang][value] ?? value) : plainValue(value, lang);
    case 'talkMs':
    case 'elapsedMs':
      return typeof value === 'number' ? formatDuration(value, lang) : plainValue(value, lang);
    case 'generation':
      return typeof value === 'number' ? w.generationN.replace('{n}', String(value + 1)) : plainValue(value, lang);
    default:
      return plainValue(value, lang);
  }
}

/** before/after as "A → B", field by field when both are objects */
function changeParts(before: unknown, after: unknown, names: AuditNames, lang: Lang): DetailPart[] {
  const w = WORDS[lang];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .map((k) => ({ kind: 'change' as const, label: label(k, lang), text: `${valueText(k, before[k], names, lang)} → ${valueText(k, after[k], names, lang)}` }));
  }
  if (before !== undefined && after !== undefined) return [{ kind: 'change', label: w.change, text: `${plainValue(before, lang)} → ${plainValue(after, lang)}` }];
  if (before !== undefined) return [{ kind: 'change', label: w.before, text: plainValue(before, lang) }];
  if (after !== undefined) return [{ kind: 'change', label: w.after, text: plainValue(after, lang) }];
  return [];
}

/** an entry's detail as readable parts, the important ones (total, items, reason, change) first */
export function readableDetail(entry: Pick<AuditEntryView, 'action' | 'detail'>, names: AuditNames, lang: Lang): ReadableDetail {
  const detail = isRecord(entry.detail) ? entry.detail : {};
  const w = WORDS[lang];
  const parts: DetailPart[] = [];
  const technical: string[] = [];
  const seen = new Set<string>();
  const take = (key: string): unknown => {
    seen.add(key);
    return detail[key];
  };

  if (Object.hasOwn(detail, 'total')) parts.push({ kind: 'total', label: w.total, text: valueText('total', take('total'), names, lang) });
  if (Object.hasOwn(detail, 'items')) parts.push({ kind: 'items', label: w.items, text: valueText('items', take('items'), names, lang) });
  if (Object.hasOwn(detail, 'before') || Object.hasOwn(detail, 'after')) {
    const before = Object.hasOwn(detail, 'before') ? take('before') : undefined;
    const after = Object.hasOwn(detail, 'after') ? take('after') : undefined;
    parts.push(...changeParts(before, after, names, lang));
  }
  if (Object.hasOwn(detail, 'reason')) {
    const reason = take('reason');
    // the server's stock reason for a paper sheet says no more than the 代录 badge does
    const stock = detail['enteredBy'] === 'host' && typeof reason === 'string' && reason.startsWith('代录');
    if (reason !== null && reason !== '' && !stock) parts.push({ kind: 'reason', label: w.reason, text: plainValue(reason, lang) });
  }
  // a judge's own sheet from their phone is the ordinary case: only other ways are worth a word
  if (detail['enteredBy'] === 'judge') seen.add('enteredBy');
  if (Object.hasOwn(detail, 'auto')) {
    const auto = take('auto');
    if (auto === true) parts.push({ kind: 'info', label: w.auto, text: w.autoClose });
  }
  for (const [key, value] of Object.entries(detail)) {
    if (seen.has(key)) continue;
    if (TECHNICAL.has(key)) {
      technical.push(`${key}: ${plainValue(value, lang)}`);
      continue;
    }
    parts.push({ kind: 'info', label: label(key, lang), text: valueText(key, value, names, lang) });
  }
  return { parts, technical: technical.join('\n') };
}
