import type { Lang } from '../../lib/lang.ts';

/**
 * The editor's validation messages, Chinese and English. Kept apart from lib/i18n.ts (which reads
 * the page's address) so validate.ts runs in Node as well as in the browser.
 */

const zh = {
  required: '不能为空',
  tooLong: '太长了（最多 {n} 个字）',
  keyPattern: '只能用英文字母、数字、- 和 _（不能有空格或汉字）',
  keyReserved: '“{key}”是保留字，请换一个',
  keyDuplicate: '代码“{key}”重复了（{first}已用）',
  notDecimal: '请填写数字，如 18.5',
  notWhole: '请填写整数，如 3',
  positive: '必须大于 0',
  tooManyDigits: '位数太多（最多 15 位有效数字）',
  stepDivides: '步长 {step} 不能整除满分 {max}（例如满分 20 可用步长 0.5 或 1）',
  stepOverMax: '步长不能大于满分',
  weightRange: '权重必须大于 0%，不超过 100%',
  weightSum: '各评委组权重合计 {sum}%，必须正好是 100%',
  dropRange: '请填写 0 到 1000 的整数',
  decimalsRange: '请选择 0 到 4 位',
  tieBreakUnknown: '没有代码为“{key}”的评委组',
  tieBreakDuplicate: '评委组“{key}”重复了',
  timeInvalid: '请填写分钟和秒（秒为 0–59），如 8 分 00 秒；不限时请两格都留空',
  timeRange: '限时必须在 1 秒到 24 小时之间',
  awardCount: '请填写人数（大于 0 的整数）',
  awardCountOnlyLast: '只有最后一个奖项可以不填人数（表示“其余全部”）',
  criteriaCount: '至少要有 1 个评分项（最多 50 个）',
  panelsCount: '至少要有 1 个评委组（最多 20 个）',
  awardsCount: '最多 20 个奖项',
  presentersCount: '选手最多 2000 位',
  judgesCount: '评委最多 1000 位',
  unknownPanel: '没有这个评委组，请重新选择',
  orderRange: '出场顺序请填 1 到 100000 的整数',
  orderDuplicate: '出场顺序 {order} 重复了（{other}）',
  orderPartial: '有的选手填了出场顺序，有的没填：请全部填写，或全部留空',
  recusedUnknown: '回避评委“{key}”不在评委名单中',
  recusedWholePanel: '回避了“{panel}”组的全部评委，该组将无法给这位选手打分',
  audienceOnlyOne: '大众评审只能有一个',
  audienceNoJudges: '大众评审由观众投票，没有评委：请为这位评委选择其他评委组',
  judgePanelRequired: '除大众评审外，至少要有 1 个评委组',
  scaleMaxOverMin: '最高分必须大于最低分 {min}',
  scaleOffStep: '{value} 不是步长 {step} 的整数倍',
  scaleChoices: '{min} 到 {max}、步长 {step} 超过 100 档，请加大步长',
  trimRange: '请填写 0 到 25 的整数（最高、最低两端各去掉百分之几的票）',
} as const;

export type ValidateKey = keyof typeof zh;

const en: Record<ValidateKey, string> = {
  required: 'Required',
  tooLong: 'Too long (at most {n} characters)',
  keyPattern: 'Letters, digits, - and _ only (no spaces)',
  keyReserved: '"{key}" is a reserved word; choose another',
  keyDuplicate: 'Key "{key}" is used twice ({first} has it)',
  notDecimal: 'Enter a number, e.g. 18.5',
  notWhole: 'Enter a whole number, e.g. 3',
  positive: 'Must be above 0',
  tooManyDigits: 'Too many digits (at most 15 significant digits)',
  stepDivides: 'The step {step} does not divide the maximum {max} (for a maximum of 20, use 0.5 or 1)',
  stepOverMax: 'The step cannot exceed the maximum',
  weightRange: 'A weight must be above 0 % and at most 100 %',
  weightSum: 'The panel weights add up to {sum} %; they must add up to exactly 100 %',
  dropRange: 'Enter a whole number from 0 to 1000',
  decimalsRange: 'Choose 0 to 4 places',
  tieBreakUnknown: 'No panel with key "{key}"',
  tieBreakDuplicate: 'Panel "{key}" is listed twice',
  timeInvalid: 'Enter minutes and seconds (0–59), e.g. 8 min 00 s; leave both empty for no limit',
  timeRange: 'The limit must be between 1 second and 24 hours',
  awardCount: 'Enter how many (a whole number above 0)',
  awardCountOnlyLast: 'Only the last award may leave the count empty ("everyone left")',
  criteriaCount: 'At least 1 criterion (at most 50)',
  panelsCount: 'At least 1 panel (at most 20)',
  awardsCount: 'At most 20 awards',
  presentersCount: 'At most 2000 presenters',
  judgesCount: 'At most 1000 judges',
  unknownPanel: 'No such panel; choose one',
  orderRange: 'Running order: a whole number from 1 to 100000',
  orderDuplicate: 'Running order {order} is used twice ({other})',
  orderPartial: 'Some presenters have a running order and others do not: fill in all, or none',
  recusedUnknown: 'Recused judge "{key}" is not in the list of judges',
  recusedWholePanel: 'Recused from every judge of "{panel}": that panel could not score this presenter',
  audienceOnlyOne: 'A contest has at most one audience vote',
  audienceNoJudges: 'The audience vote has no judges: choose another panel for this judge',
  judgePanelRequired: 'Besides the audience vote, at least 1 panel of judges',
  scaleMaxOverMin: 'The highest vote must be above the lowest, {min}',
  scaleOffStep: '{value} is not a whole number of steps of {step}',
  scaleChoices: '{min} to {max} in steps of {step} is more than 100 choices; use a larger step',
  trimRange: 'A whole number from 0 to 25 (the percent of votes dropped at each end)',
};

export const VALIDATE_MESSAGES: Record<Lang, Record<ValidateKey, string>> = { zh, en };

/** Where a problem is, in words, for the list under the save button ("评分项 第 2 行 · 满分"). */
const PLACES = {
  zh: {
    title: '比赛名称',
    criteria: '评分项',
    panels: '评委组',
    awards: '奖项',
    tieBreak: '同分比较',
    decimals: '小数位数',
    timeLimit: '汇报限时',
    presenters: '选手',
    judges: '评委',
    row: '第 {n} 行',
    audience: '大众评审',
    key: '代码',
    name: '名称',
    max: '满分',
    step: '步长',
    weight: '权重',
    dropHighest: '去掉最高分',
    dropLowest: '去掉最低分',
    count: '人数',
    unit: '单位',
    topic: '题目',
    order: '出场顺序',
    recused: '回避评委',
    panel: '评委组',
    kind: '类型',
    scale: '投票分值',
    trimPercent: '两端去掉比例',
    min: '最低',
    scaleMax: '最高',
  },
  en: {
    title: 'Title',
    criteria: 'Criteria',
    panels: 'Panels',
    awards: 'Awards',
    tieBreak: 'Tie-break',
    decimals: 'Decimal places',
    timeLimit: 'Time limit',
    presenters: 'Presenters',
    judges: 'Judges',
    row: 'row {n}',
    audience: 'the audience vote',
    key: 'key',
    name: 'name',
    max: 'max',
    step: 'step',
    weight: 'weight',
    dropHighest: 'drop highest',
    dropLowest: 'drop lowest',
    count: 'count',
    unit: 'unit',
    topic: 'topic',
    order: 'running order',
    recused: 'recused judges',
    panel: 'panel',
    kind: 'kind',
    scale: 'vote scale',
    trimPercent: 'trim percent',
    min: 'lowest',
    scaleMax: 'highest',
  },
} as const;

/** What describePath needs of the draft: which panels are the audience vote (they are not rows of the panels' table). */
export type PanelKinds = ReadonlyArray<{ kind: 'judges' | 'audience' }>;

/**
 * Row `index` of a list, as the editor shows it: "第 3 行". A panel is named by its row in the
 * judges' panels' table (the audience panel has its own block below it, and rows are counted
 * without it), the audience panel as "大众评审".
 */
export function rowName(list: string, index: number, lang: Lang = 'zh', panels: PanelKinds = []): string {
  const words = PLACES[lang];
  if (list === 'panels' && panels[index]?.kind === 'audience') return words.audience;
  const row = list === 'panels' ? index - panels.slice(0, index).filter((p) => p.kind === 'audience').length : index;
  return words.row.replace('{n}', String(row + 1));
}

/** "rules.criteria[1].max" → "评分项 第 2 行 · 满分"; "rules.panels[2].scale.max" of the audience panel → "大众评审 · 投票分值 最高" */
export function describePath(path: string, lang: Lang = 'zh', panels: PanelKinds = []): string {
  const words: Record<string, string> = PLACES[lang];
  const parts: string[] = [];
  let previous = '';
  for (const segment of path.replace(/^rules\./, '').split('.')) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(segment);
    if (!m) continue;
    const [, name, index] = m;
    // a vote scale's max is its highest vote, not a criterion's full marks (满分)
    const word = previous === 'scale' && name === 'max' ? 'scaleMax' : name!;
    previous = name!;
    if (index === undefined) parts.push(words[word] ?? name!);
    else {
      const row = rowName(name!, Number(index), lang, panels);
      parts.push(...(row === words.audience ? [row] : [words[word] ?? name!, row]), '·');
    }
  }
  if (parts.at(-1) === '·') parts.pop();
  return parts.join(' ');
}
