import type { ContestFile } from '../../../../server/contest-file/contest-file.schema.ts';
import { KEY_CHARS, RESERVED } from '../../../../server/schemas/key-pattern.ts';
import type { Lang } from '../../lib/lang.ts';
import { Exact, HUNDRED, parseDecimal, parseWhole, significantDigits } from '../../lib/decimal.ts';
import { fromContestFile, timeLimitSeconds, type ContestDraft } from './draft.ts';
import { rowName, VALIDATE_MESSAGES, type ValidateKey } from './validate-messages.ts';

/**
 * Everything the server would refuse in a contest file (server/contest-file/contest-file.ts), and
 * a little more, found before saving so each message can sit next to its field. Pure: no DOM, no
 * Svelte; decimals are compared exactly (server/domain/exact.ts), never as floats.
 *
 * A problem's path names the field the way the server's messages do: "title",
 * "rules.criteria[0].step", "rules.panels" (the weights' sum), "presenters[3].order".
 */

export interface Problem {
  path: string;
  message: string;
}

/** a key's characters; the reserved names are checked apart, to say which rule a key breaks */
const KEY_CHARS_ONLY = new RegExp(`^${KEY_CHARS}$`);
const NAME_MAX = 200;
const TEXT_MAX = 500;

export function validateDraft(draft: ContestDraft, lang: Lang = 'zh'): Problem[] {
  const problems: Problem[] = [];
  const table = VALIDATE_MESSAGES[lang];
  const add = (path: string, key: ValidateKey, params: Record<string, string | number> = {}) =>
    problems.push({ path, message: table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? '')) });

  const name = (path: string, value: string, required = true, max = NAME_MAX) => {
    if (required && value.trim() === '') add(path, 'required');
    else if (value.trim().length > max) add(path, 'tooLong', { n: max });
  };

  const keys = (path: string, list: ReadonlyArray<{ key: string }>) => {
    const first = new Map<string, number>();
    const listName = path.replace(/^rules\./, '');
    list.forEach((item, i) => {
      const at = `${path}[${i}].key`;
      if (item.key === '') add(at, 'required');
      else if (!KEY_CHARS_ONLY.test(item.key)) add(at, 'keyPattern');
      else if (RESERVED.includes(item.key)) add(at, 'keyReserved', { key: item.key });
      else if (first.has(item.key)) add(at, 'keyDuplicate', { key: item.key, first: rowName(listName, first.get(item.key)!, lang, draft.panels) });
      else first.set(item.key, i);
    });
  };

  /** a decimal (above 0 unless zeroAllowed) that a JSON number can carry exactly, or null (with its problem added) */
  const positiveDecimal = (path: string, text: string, zeroAllowed = false): Exact | null => {
    if (text.trim() === '') return add(path, 'required'), null;
    const value = parseDecimal(text);
    if (!value) return add(path, 'notDecimal'), null;
    if (!zeroAllowed && value.cmp(Exact.ZERO) <= 0) return add(path, 'positive'), null;
    if (significantDigits(value) > 15) return add(path, 'tooManyDigits'), null;
    return value;
  };

  const count = (path: string, text: string) => {
    if (text.trim() === '') return; // empty means 0
    const value = parseWhole(text);
    if (value === null || value > 1000) add(path, 'dropRange');
  };

  /**
   * The audience panel's own fields, as the server reads them (contest-file.ts readPanel): votes
   * are whole steps from min to max (min may be 0), at most 100 choices; trimPercent 0 to 25.
   */
  const audience = (at: string, p: ContestDraft['panels'][number]) => {
    const min = positiveDecimal(`${at}.scale.min`, p.scaleMin, true);
    const max = positiveDecimal(`${at}.scale.max`, p.scaleMax);
    const step = positiveDecimal(`${at}.scale.step`, p.scaleStep);
    if (min && max && max.cmp(min) <= 0) add(`${at}.scale.max`, 'scaleMaxOverMin', { min: min.toString() });
    else if (min && max && step) {
      if (!min.isMultipleOf(step)) add(`${at}.scale.min`, 'scaleOffStep', { value: min.toString(), step: step.toString() });
      else if (!max.isMultipleOf(step)) add(`${at}.scale.max`, 'scaleOffStep', { value: max.toString(), step: step.toString() });
      else if (max.sub(min).div(step).cmp(Exact.of(100)) > 0) add(`${at}.scale.step`, 'scaleChoices', { min: min.toString(), max: max.toString(), step: step.toString() });
    }
    const trim = p.trimPercent.trim() === '' ? 0 : parseWhole(p.trimPercent);
    if (trim === null || trim > 25) add(`${at}.trimPercent`, 'trimRange');
  };

  // ---- title
  name('title', draft.title);

  // ---- criteria
  if (draft.criteria.length < 1 || draft.criteria.length > 50) add('rules.criteria', 'criteriaCount');
  keys('rules.criteria', draft.criteria);
  draft.criteria.forEach((c, i) => {
    const at = `rules.criteria[${i}]`;
    name(`${at}.name`, c.name);
    const max = positiveDecimal(`${at}.max`, c.max);
    const step = positiveDecimal(`${at}.step`, c.step);
    if (max && step) {
      if (step.cmp(max) > 0) add(`${at}.step`, 'stepOverMax');
      else if (!max.isMultipleOf(step)) add(`${at}.step`, 'stepDivides', { step: step.toString(), max: max.toString() });
    }
  });

  // ---- panels
  if (draft.panels.length < 1 || draft.panels.length > 20) add('rules.panels', 'panelsCount');
  keys('rules.panels', draft.panels);
  let weightSum: Exact | null = Exact.ZERO;
  draft.panels.forEach((p, i) => {
    const at = `rules.panels[${i}]`;
    name(`${at}.name`, p.name);
    const percent = positiveDecimal(`${at}.weight`, p.weightPercent);
    if (percent && percent.cmp(HUNDRED) > 0) add(`${at}.weight`, 'weightRange');
    else if (percent && significantDigits(percent.div(HUNDRED)) > 15) add(`${at}.weight`, 'tooManyDigits');
    weightSum = percent && weightSum ? weightSum.add(percent) : null;
    if (p.kind === 'audience') audience(at, p);
    else {
      count(`${at}.dropHighest`, p.dropHighest);
      count(`${at}.dropLowest`, p.dropLowest);
    }
  });
  const sum = weightSum as Exact | null;
  if (sum && draft.panels.length > 0 && !sum.eq(HUNDRED)) add('rules.panels', 'weightSum', { sum: sum.toString() });
  const audienceAt = draft.panels.findIndex((p) => p.kind === 'audience');
  draft.panels.forEach((p, i) => {
    if (p.kind === 'audience' && i > audienceAt) add(`rules.panels[${i}].kind`, 'audienceOnlyOne');
  });
  if (draft.panels.length > 0 && draft.panels.every((p) => p.kind === 'audience')) add('rules.panels', 'judgePanelRequired');

  // ---- decimals, tie-break, time limit
  const decimals = parseWhole(draft.decimals);
  if (decimals === null || decimals > 4) add('rules.decimals', 'decimalsRange');
  const panelKeys = new Set(draft.panels.map((p) => p.key));
  const audienceKeys = new Set(draft.panels.filter((p) => p.kind === 'audience').map((p) => p.key));
  const seenTie = new Set<string>();
  draft.tieBreak.forEach((key, i) => {
    if (!panelKeys.has(key)) add(`rules.tieBreak[${i}]`, 'tieBreakUnknown', { key });
    else if (seenTie.has(key)) add(`rules.tieBreak[${i}]`, 'tieBreakDuplicate', { key });
    seenTie.add(key);
  });
  const seconds = timeLimitSeconds(draft);
  if (seconds === undefined) add('rules.timeLimit', 'timeInvalid');
  else if (seconds !== null && (seconds < 1 || seconds > 24 * 3600)) add('rules.timeLimit', 'timeRange');

  // ---- awards
  if (draft.awards.length > 20) add('rules.awards', 'awardsCount');
  draft.awards.forEach((a, i) => {
    const at = `rules.awards[${i}]`;
    name(`${at}.name`, a.name);
    if (a.count.trim() === '') {
      if (i !== draft.awards.length - 1) add(`${at}.count`, 'awardCountOnlyLast');
    } else {
      const n = parseWhole(a.count);
      if (n === null || n < 1 || n > 10000) add(`${at}.count`, 'awardCount');
    }
  });

  // ---- judges
  if (draft.judges.length > 1000) add('judges', 'judgesCount');
  keys('judges', draft.judges);
  draft.judges.forEach((j, i) => {
    name(`judges[${i}].name`, j.name);
    if (j.panel === '') add(`judges[${i}].panel`, 'required');
    else if (!panelKeys.has(j.panel)) add(`judges[${i}].panel`, 'unknownPanel');
    else if (audienceKeys.has(j.panel)) add(`judges[${i}].panel`, 'audienceNoJudges');
  });
  const judgeKeys = new Set(draft.judges.map((j) => j.key));

  // ---- presenters
  if (draft.presenters.length > 2000) add('presenters', 'presentersCount');
  keys('presenters', draft.presenters);
  const orders = new Map<number, number>();
  let withOrder = 0;
  draft.presenters.forEach((p, i) => {
    const at = `presenters[${i}]`;
    name(`${at}.name`, p.name);
    name(`${at}.unit`, p.unit, false, TEXT_MAX);
    name(`${at}.topic`, p.topic, false, TEXT_MAX);
    if (p.order.trim() !== '') {
      withOrder++;
      const order = parseWhole(p.order);
      if (order === null || order < 1 || order > 100000) add(`${at}.order`, 'orderRange');
      else if (orders.has(order)) add(`${at}.order`, 'orderDuplicate', { order, other: draft.presenters[orders.get(order)!]!.name || `#${orders.get(order)! + 1}` });
      else orders.set(order, i);
    }
    const unknown = p.recused.find((key) => !judgeKeys.has(key));
    if (unknown !== undefined) add(`${at}.recused`, 'recusedUnknown', { key: unknown });
    for (const panel of draft.panels) {
      const members = draft.judges.filter((j) => j.panel === panel.key);
      if (members.length > 0 && members.every((j) => p.recused.includes(j.key))) add(`${at}.recused`, 'recusedWholePanel', { panel: panel.name || panel.key });
    }
  });
  if (withOrder > 0 && withOrder < draft.presenters.length) add('presenters', 'orderPartial');

  return problems;
}

/** The same checks on a contest file as the server sends it (numbers as JSON numbers). */
export function validate(file: ContestFile, lang: Lang = 'zh'): Problem[] {
  return validateDraft(fromContestFile(file), lang);
}

/** problems by path, for putting each message next to its field */
export function problemsByPath(problems: readonly Problem[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const p of problems) map.set(p.path, [...(map.get(p.path) ?? []), p.message]);
  return map;
}
