import type { ContestFile } from '../../../../server/contest-file/contest-file.schema.ts';
import { decimalText, jsonNumber, parseDecimal, parseWhole, percentToWeight, weightToPercent } from '../../lib/decimal.ts';

/**
 * The editor's copy of a contest file: the same shape, with every number kept as the text the
 * organiser typed (a weight as a percent, the time limit as minutes and seconds). validate.ts
 * checks it; toContestFile turns a valid draft into the file PUT /api/contests/:id takes.
 */

export interface CriterionDraft {
  key: string;
  name: string;
  max: string;
  step: string;
}

export interface PanelDraft {
  key: string;
  name: string;
  /** 'audience': the audience vote (大众评审), scored by the hall's votes and never by judges; at most one */
  kind: 'judges' | 'audience';
  /** "70" for a weight of 0.7 */
  weightPercent: string;
  /** a judges' panel's trimming ("0" on the audience panel, which trims by trimPercent) */
  dropHighest: string;
  dropLowest: string;
  /** the audience panel's vote scale and the share of votes dropped from each end; "" on a judges' panel */
  scaleMin: string;
  scaleMax: string;
  scaleStep: string;
  trimPercent: string;
}

/** A judges' panel as "添加评委组" adds it: the audience fields empty. */
export const judgesPanelDraft = (key: string, name = '', weightPercent = ''): PanelDraft => ({
  key,
  name,
  kind: 'judges',
  weightPercent,
  dropHighest: '0',
  dropLowest: '0',
  scaleMin: '',
  scaleMax: '',
  scaleStep: '',
  trimPercent: '',
});

/**
 * The audience panel as "添加大众评审" adds it: votes 1–10 in whole steps, the top and bottom 10 %
 * of the votes dropped (a brigade of friends moves the score less), the weight left for the
 * organiser to type (the judges' panels must give it up).
 */
export const audiencePanelDraft = (key: string, name: string): PanelDraft => ({
  key,
  name,
  kind: 'audience',
  weightPercent: '',
  dropHighest: '0',
  dropLowest: '0',
  scaleMin: '1',
  scaleMax: '10',
  scaleStep: '1',
  trimPercent: '10',
});

export interface AwardDraft {
  name: string;
  /** empty: everyone left (only the last award) */
  count: string;
}

export interface PresenterDraft {
  key: string;
  name: string;
  unit: string;
  topic: string;
  /** running order, 1 first; empty while no order is set */
  order: string;
  /** keys of the judges who must not score this presenter */
  recused: string[];
  /** keys of the judges the host marked absent (缺席) during the contest: not edited here, kept as they are */
  absent: string[];
}

export interface JudgeDraft {
  key: string;
  name: string;
  panel: string;
}

export interface ContestDraft {
  title: string;
  criteria: CriterionDraft[];
  panels: PanelDraft[];
  /** places of the final score, "0" to "4" */
  decimals: string;
  /** panel keys, first compared first */
  tieBreak: string[];
  /** the talk's time limit; both empty: none */
  timeMinutes: string;
  timeSeconds: string;
  awards: AwardDraft[];
  presenters: PresenterDraft[];
  judges: JudgeDraft[];
}

/** What "新建比赛" starts from: one panel of judges at 100 %, one criterion of 100 points. */
export function blankDraft(title = ''): ContestDraft {
  return {
    title,
    criteria: [{ key: 'content', name: '内容', max: '100', step: '0.5' }],
    panels: [judgesPanelDraft('judges', '评委', '100')],
    decimals: '2',
    tieBreak: [],
    timeMinutes: '',
    timeSeconds: '',
    awards: [],
    presenters: [],
    judges: [],
  };
}

export function fromContestFile(file: ContestFile): ContestDraft {
  const { rules } = file;
  const seconds = rules.timeLimitSeconds;
  return {
    title: file.title,
    criteria: rules.criteria.map((c) => ({ key: c.key, name: c.name, max: decimalText(c.max), step: decimalText(c.step) })),
    panels: rules.panels.map((p) => ({
      key: p.key,
      name: p.name,
      kind: p.kind ?? 'judges',
      weightPercent: weightToPercent(p.weight) ?? String(p.weight),
      dropHighest: String(p.dropHighest ?? 0),
      dropLowest: String(p.dropLowest ?? 0),
      scaleMin: p.scale ? decimalText(p.scale.min) : '',
      scaleMax: p.scale ? decimalText(p.scale.max) : '',
      scaleStep: p.scale ? decimalText(p.scale.step) : '',
      trimPercent: p.kind === 'audience' ? String(p.trimPercent ?? 0) : '',
    })),
    decimals: String(rules.decimals ?? 2),
    tieBreak: [...(rules.tieBreak ?? [])],
    timeMinutes: seconds === undefined ? '' : String(Math.floor(seconds / 60)),
    timeSeconds: seconds === undefined ? '' : String(seconds % 60).padStart(2, '0'),
    awards: (rules.awards ?? []).map((a) => ({ name: a.name, count: a.count === undefined ? '' : String(a.count) })),
    presenters: file.presenters.map((p) => ({
      key: p.key,
      name: p.name,
      unit: p.unit ?? '',
      topic: p.topic ?? '',
      order: p.order === undefined ? '' : String(p.order),
      recused: [...(p.recused ?? [])],
      absent: [...(p.absent ?? [])],
    })),
    judges: file.judges.map((j) => ({ key: j.key, name: j.name, panel: j.panel })),
  };
}

/** the time limit in seconds, null for none, undefined when the text is not a time */
export function timeLimitSeconds(draft: Pick<ContestDraft, 'timeMinutes' | 'timeSeconds'>): number | null | undefined {
  const m = draft.timeMinutes.trim();
  const s = draft.timeSeconds.trim();
  if (m === '' && s === '') return null;
  const minutes = m === '' ? 0 : parseWhole(m);
  const secs = s === '' ? 0 : parseWhole(s);
  if (minutes === null || secs === null || secs > 59) return undefined;
  return minutes * 60 + secs;
}

function decimal(text: string): number {
  const value = parseDecimal(text);
  if (!value) throw new RangeError(`not a decimal: ${text}`);
  return jsonNumber(value);
}

function whole(text: string, empty: number): number {
  if (text.trim() === '') return empty;
  const value = parseWhole(text);
  if (value === null) throw new RangeError(`not a whole number: ${text}`);
  return value;
}

/** A draft that validate() accepts → the contest file (no scores). Throws on a draft it would refuse. */
export function toContestFile(draft: ContestDraft): ContestFile {
  const seconds = timeLimitSeconds(draft);
  if (seconds === undefined) throw new RangeError('time limit');
  return {
    format: 'leitai/contest@1',
    title: draft.title.trim(),
    rules: {
      criteria: draft.criteria.map((c) => ({ key: c.key, name: c.name.trim(), max: decimal(c.max), step: decimal(c.step) })),
      panels: draft.panels.map((p) => {
        const weight = percentToWeight(p.weightPercent);
        if (!weight) throw new RangeError(`not a percent: ${p.weightPercent}`);
        if (p.kind === 'audience') {
          // as the server writes it back (contest-file.ts panelEntry): the kind's own fields only
          const scale = { min: decimal(p.scaleMin), max: decimal(p.scaleMax), step: decimal(p.scaleStep) };
          return { key: p.key, name: p.name.trim(), kind: 'audience' as const, weight: jsonNumber(weight), scale, trimPercent: whole(p.trimPercent, 0) };
        }
        return { key: p.key, name: p.name.trim(), weight: jsonNumber(weight), dropHighest: whole(p.dropHighest, 0), dropLowest: whole(p.dropLowest, 0) };
      }),
      decimals: whole(draft.decimals, 2),
      tieBreak: [...draft.tieBreak],
      ...(seconds === null ? {} : { timeLimitSeconds: seconds }),
      awards: draft.awards.map((a) => (a.count.trim() === '' ? { name: a.name.trim() } : { name: a.name.trim(), count: whole(a.count, 0) })),
    },
    presenters: draft.presenters.map((p) => ({
      key: p.key,
      name: p.name.trim(),
      unit: p.unit.trim(),
      topic: p.topic.trim(),
      ...(p.order.trim() === '' ? {} : { order: whole(p.order, 0) }),
      recused: [...p.recused],
      ...(p.absent.length > 0 ? { absent: [...p.absent] } : {}),
    })),
    judges: draft.judges.map((j) => ({ key: j.key, name: j.name.trim(), panel: j.panel })),
  };
}

/** the first key `prefix1`, `prefix2`, … (padded to `width` digits) not in use */
export function nextKey(prefix: string, used: Iterable<string>, width = 1): string {
  const taken = new Set(used);
  for (let n = 1; ; n++) {
    const key = `${prefix}${String(n).padStart(width, '0')}`;
    if (!taken.has(key)) return key;
  }
}
