import { Value } from '@sinclair/typebox/value';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { audiencePanel, expectsJudge, groupBy, inRunningOrder, judgePanels, seatExclusion, voteValueProblem, type ContestDefinition, type Criterion, type Panel, type Presenter, type Sheet, type Vote } from '../domain/contest.ts';
import { Exact, sum } from '../domain/exact.ts';
import { sheetItemsProblem } from '../domain/scoring.ts';
import { AppError } from '../errors.ts';
import { textProblem } from '../schemas/common.schema.ts';
import { dotted, whatCame } from '../schemas/schema-errors.ts';
import { CONTEST_FILE_FORMAT, ContestFileSchema, type ContestFile } from './contest-file.schema.ts';

/**
 * Reading and writing `leitai/contest@1` documents. Reading is three steps, each refusing with a
 * message that names the offending key: exact JSON (no number loses a digit), the TypeBox shape,
 * then the rules a shape cannot express, checked on exact decimals.
 */

export interface ContestWithScores {
  definition: ContestDefinition;
  sheets: Sheet[];
  /** the counted audience votes of an export (`audienceVotes`); [] when there are none */
  votes: Vote[];
}

function invalid(path: string, message: string): AppError {
  return new AppError('invalid_contest_file', path ? `${path}: ${message}` : message, { path });
}

/**
 * JSON.parse, except that a number whose digits a double cannot hold exactly (more than 15
 * significant digits) is refused instead of silently rounded, and a key repeated with another
 * value is refused instead of silently overwritten (lossless-json lets an identical repeat through).
 */
export function parseJsonExact(text: string): unknown {
  try {
    return parseLossless(text, undefined, (digits: string) => {
      if (!isSafeNumber(digits)) throw new Error(`the number ${digits} has more digits than can be kept exactly`);
      return Number(digits);
    });
  } catch (error) {
    throw invalid('', `not valid JSON: ${(error as Error).message}`);
  }
}

function checkShape(document: unknown): ContestFile {
  if (Value.Check(ContestFileSchema, document)) return document;
  const first = Value.Errors(ContestFileSchema, document).First()!;
  if (first.path === '/format') throw invalid('format', `must be "${CONTEST_FILE_FORMAT}"`);
  const text = typeof first.value === 'string' && first.schema.format === 'text' ? textProblem(first.value) : null;
  if (text) throw invalid(dotted(first.path), text);
  throw invalid(dotted(first.path) || 'document', `${first.message.toLowerCase()} (${whatCame(first.value)})`);
}

function decimal(path: string, value: number): Exact {
  const exact = Exact.tryFromJsonNumber(value);
  if (exact === null) throw invalid(path, `${value} is not an exact decimal`);
  return exact;
}

function requireUniqueKeys(path: string, list: ReadonlyArray<{ key: string }>): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (seen.has(item.key)) throw invalid(`${path}[${i}].key`, `duplicate key "${item.key}"`);
    seen.add(item.key);
  });
}

/** A contest document already parsed from JSON (exactly, see parseJsonExact) → validated domain values. */
export function contestFromDocument(document: unknown): ContestWithScores {
  const file = checkShape(document);
  const { rules } = file;

  requireUniqueKeys('rules.criteria', rules.criteria);
  requireUniqueKeys('rules.panels', rules.panels);
  requireUniqueKeys('presenters', file.presenters);
  requireUniqueKeys('judges', file.judges);

  const criteria: Criterion[] = rules.criteria.map((c, i) => {
    const path = `rules.criteria[${i}]`;
    const max = decimal(`${path}.max`, c.max);
    const step = decimal(`${path}.step`, c.step);
    if (max.cmp(Exact.ZERO) <= 0) throw invalid(`${path}.max`, `criterion ${c.key} must have a maximum above 0, got ${max}`);
    if (step.cmp(Exact.ZERO) <= 0) throw invalid(`${path}.step`, `criterion ${c.key} must have a step above 0, got ${step}`);
    if (!max.isMultipleOf(step)) throw invalid(`${path}.step`, `criterion ${c.key}: the step ${step} does not divide the maximum ${max}`);
    return { key: c.key, name: c.name, max, step };
  });

  const panels: Panel[] = rules.panels.map((p, i) => readPanel(p, `rules.panels[${i}]`));
  const audienceAt = rules.panels.findIndex((p) => p.kind === 'audience');
  const secondAudience = rules.panels.findIndex((p, i) => p.kind === 'audience' && i > audienceAt);
  if (secondAudience !== -1) {
    throw invalid(`rules.panels[${secondAudience}].kind`, `panel ${rules.panels[secondAudience]!.key} is a second audience panel; a contest has at most one`);
  }
  // DESIGN.md: the audience vote is added to a jury's scores, and a presenter is complete when the judges have scored
  if (judgePanels({ panels }).length === 0) {
    throw invalid('rules.panels', `the only panel is the audience panel ${panels[0]!.key}; a contest needs at least one judges' panel besides the audience vote`);
  }
  const totalWeight = sum(panels.map((p) => p.weight));
  if (!totalWeight.eq(Exact.ONE)) {
    throw invalid('rules.panels', `the panel weights sum to ${totalWeight}, they must sum to exactly 1`);
  }

  const tieBreak = rules.tieBreak ?? [];
  tieBreak.forEach((key, i) => {
    if (!panels.some((p) => p.key === key)) throw invalid(`rules.tieBreak[${i}]`, `no panel with key "${key}"`);
  });

  const judges = file.judges.map((j, i) => {
    const panel = panels.find((p) => p.key === j.panel);
    if (!panel) throw invalid(`judges[${i}].panel`, `judge ${j.key}: no panel with key "${j.panel}"`);
    if (panel.kind === 'audience') throw invalid(`judges[${i}].panel`, `judge ${j.key}: panel ${j.panel} is the audience panel, which has no judges`);
    return { key: j.key, name: j.name, panel: j.panel };
  });
  const judgeKeys = new Set(judges.map((j) => j.key));
  const judgesByPanel = groupBy(judges, (j) => j.panel);

  const orders = new Set<number>();
  const presenters: Presenter[] = file.presenters.map((p, i) => {
    if (p.order !== undefined) {
      if (orders.has(p.order)) throw invalid(`presenters[${i}].order`, `presenter ${p.key}: running order ${p.order} is used twice`);
      orders.add(p.order);
    }
    const listed = (field: 'recused' | 'absent') => {
      const keys = [...new Set(p[field] ?? [])];
      keys.forEach((judge, r) => {
        if (!judgeKeys.has(judge)) throw invalid(`presenters[${i}].${field}[${r}]`, `presenter ${p.key}: no judge with key "${judge}"`);
      });
      return keys;
    };
    const recused = listed('recused');
    const absent = listed('absent');
    const both = absent.findIndex((judge) => recused.includes(judge));
    if (both !== -1) throw invalid(`presenters[${i}].absent[${both}]`, `presenter ${p.key}: judge ${absent[both]} is listed as both recused and absent`);
    const seats = { recused, absent };
    for (const panel of judgePanels({ panels })) {
      const panelJudges = judgesByPanel.get(panel.key) ?? [];
      if (panelJudges.length > 0 && panelJudges.every((j) => !expectsJudge(seats, j.key))) {
        const withAbsent = panelJudges.some((j) => absent.includes(j.key));
        const why = withAbsent ? 'recused from or marked absent for' : 'recused from';
        throw invalid(`presenters[${i}].${withAbsent ? 'absent' : 'recused'}`, `presenter ${p.key} is ${why} every judge of panel ${panel.key}, so it could get no ${panel.key} score`);
      }
    }
    return { key: p.key, name: p.name, unit: p.unit ?? '', topic: p.topic ?? '', order: p.order ?? null, recused, absent };
  });
  if (orders.size > 0 && orders.size < presenters.length) {
    const i = file.presenters.findIndex((p) => p.order === undefined);
    throw invalid(`presenters[${i}].order`, `presenter ${file.presenters[i]!.key} has no running order while others have one`);
  }

  rules.awards?.forEach((a, i) => {
    if (a.count === undefined && i !== rules.awards!.length - 1) {
      throw invalid(`rules.awards[${i}].count`, `only the last award may leave out its count (it then goes to everyone left)`);
    }
  });

  const definition: ContestDefinition = {
    title: file.title,
    rules: {
      criteria,
      panels,
      decimals: rules.decimals ?? 2,
      tieBreak,
      timeLimitSeconds: rules.timeLimitSeconds ?? null,
      awards: (rules.awards ?? []).map((a) => ({ name: a.name, count: a.count ?? null })),
    },
    presenters: inRunningOrder(presenters),
    judges,
  };

  const seen = new Set<string>();
  const sheets: Sheet[] = (file.scores ?? []).map((s, i) => {
    const path = `scores[${i}]`;
    const presenter = presenters.find((p) => p.key === s.presenter);
    if (!presenter) throw invalid(`${path}.presenter`, `no presenter with key "${s.presenter}"`);
    if (!judgeKeys.has(s.judge)) throw invalid(`${path}.judge`, `no judge with key "${s.judge}"`);
    const excluded = seatExclusion(presenter, s.judge);
    if (excluded) throw invalid(path, `judge ${s.judge} is ${excluded === 'recused' ? 'recused from' : 'marked absent for'} presenter ${s.presenter} and cannot score them`);
    const pair = `${s.presenter}\u0000${s.judge}`;
    if (seen.has(pair)) throw invalid(path, `a second sheet by judge ${s.judge} for presenter ${s.presenter}`);
    seen.add(pair);
    const items: Record<string, Exact> = {};
    for (const [key, value] of Object.entries(s.items)) items[key] = decimal(`${path}.items.${key}`, value);
    const problem = sheetItemsProblem(criteria, items);
    if (problem) throw invalid(`${path}.items`, `judge ${s.judge}, presenter ${s.presenter}: ${problem}`);
    return { presenter: s.presenter, judge: s.judge, items };
  });

  return { definition, sheets, votes: readVotes(file.audienceVotes ?? [], definition) };
}

type PanelEntry = ContestFile['rules']['panels'][number];

/** One panel of the file → a judges' or the audience panel, refusing a field of the other kind by name. */
function readPanel(p: PanelEntry, path: string): Panel {
  const weight = decimal(`${path}.weight`, p.weight);
  if (weight.cmp(Exact.ZERO) <= 0 || weight.cmp(Exact.ONE) > 0) {
    throw invalid(`${path}.weight`, `panel ${p.key} has weight ${weight}, it must be above 0 and at most 1`);
  }
  if (p.kind !== 'audience') {
    if (p.scale !== undefined) throw invalid(`${path}.scale`, `panel ${p.key} is a judges' panel; only the audience panel (kind "audience") has a vote scale`);
    if (p.trimPercent !== undefined) throw invalid(`${path}.trimPercent`, `panel ${p.key} is a judges' panel; it trims with dropHighest and dropLowest, not trimPercent`);
    return { kind: 'judges', key: p.key, name: p.name, weight, dropHighest: p.dropHighest ?? 0, dropLowest: p.dropLowest ?? 0 };
  }
  if (p.dropHighest !== undefined) throw invalid(`${path}.dropHighest`, `panel ${p.key} is the audience panel; it trims with trimPercent, not dropHighest`);
  if (p.dropLowest !== undefined) throw invalid(`${path}.dropLowest`, `panel ${p.key} is the audience panel; it trims with trimPercent, not dropLowest`);
  if (p.scale === undefined) throw invalid(`${path}.scale`, `the audience panel ${p.key} needs a vote scale, e.g. { "min": 1, "max": 10, "step": 1 }`);
  const min = decimal(`${path}.scale.min`, p.scale.min);
  const max = decimal(`${path}.scale.max`, p.scale.max);
  const step = decimal(`${path}.scale.step`, p.scale.step);
  if (step.cmp(Exact.ZERO) <= 0) throw invalid(`${path}.scale.step`, `audience panel ${p.key}: the step must be above 0, got ${step}`);
  if (min.isNegative()) throw invalid(`${path}.scale.min`, `audience panel ${p.key}: the lowest vote must be 0 or more, got ${min}`);
  if (max.cmp(min) <= 0) throw invalid(`${path}.scale.max`, `audience panel ${p.key}: the highest vote ${max} must be above the lowest ${min}`);
  if (!min.isMultipleOf(step)) throw invalid(`${path}.scale.min`, `audience panel ${p.key}: the lowest vote ${min} is not a whole number of steps of ${step}`);
  if (!max.isMultipleOf(step)) throw invalid(`${path}.scale.max`, `audience panel ${p.key}: the highest vote ${max} is not a whole number of steps of ${step}`);
  if (max.sub(min).div(step).cmp(Exact.of(100)) > 0) throw invalid(`${path}.scale.step`, `audience panel ${p.key}: ${min}–${max} in steps of ${step} is more than 100 choices`);
  return { kind: 'audience', key: p.key, name: p.name, weight, scale: { min, max, step }, trimPercent: p.trimPercent ?? 0 };
}

/** An export's counted votes: each on the audience panel's scale, for a known presenter, one per voter and presenter. */
function readVotes(entries: NonNullable<ContestFile['audienceVotes']>, definition: ContestDefinition): Vote[] {
  if (entries.length === 0) return [];
  const panel = audiencePanel(definition.rules);
  if (!panel) throw invalid('audienceVotes', 'the file has audience votes but its rules have no audience panel (kind "audience")');
  const presenters = new Set(definition.presenters.map((p) => p.key));
  const seen = new Set<string>();
  return entries.map((v, i) => {
    const path = `audienceVotes[${i}]`;
    if (!presenters.has(v.presenter)) throw invalid(`${path}.presenter`, `no presenter with key "${v.presenter}"`);
    const pair = `${v.presenter}\u0000${v.voter}`;
    if (seen.has(pair)) throw invalid(path, `a second vote by voter ${v.voter} for presenter ${v.presenter}; only the last one counts and only it belongs in the file`);
    seen.add(pair);
    const value = decimal(`${path}.value`, v.value);
    const problem = voteValueProblem(panel.scale, value);
    if (problem) throw invalid(`${path}.value`, `voter ${v.voter}, presenter ${v.presenter}: ${problem}`);
    return { presenter: v.presenter, voter: v.voter, value };
  });
}

/** A panel as the file writes it: the kind's own fields only, `kind` left out for a judges' panel (the default). */
function panelEntry(p: Panel): PanelEntry {
  if (p.kind === 'judges') return { key: p.key, name: p.name, weight: p.weight.toNumber(), dropHighest: p.dropHighest, dropLowest: p.dropLowest };
  const { min, max, step } = p.scale;
  return { key: p.key, name: p.name, kind: 'audience', weight: p.weight.toNumber(), scale: { min: min.toNumber(), max: max.toNumber(), step: step.toNumber() }, trimPercent: p.trimPercent };
}

/** Contest file text → validated contest; throws AppError('invalid_contest_file') naming what is wrong. */
export function readContestFile(text: string): ContestWithScores {
  return contestFromDocument(parseJsonExact(text));
}

/** The domain values back as a document; every decimal written as the JSON number of its exact digits. */
export function toContestFile(definition: ContestDefinition, sheets?: readonly Sheet[], votes?: readonly Vote[]): ContestFile {
  const { rules } = definition;
  const file: ContestFile = {
    format: CONTEST_FILE_FORMAT,
    title: definition.title,
    rules: {
      criteria: rules.criteria.map((c) => ({ key: c.key, name: c.name, max: c.max.toNumber(), step: c.step.toNumber() })),
      panels: rules.panels.map(panelEntry),
      decimals: rules.decimals,
      tieBreak: [...rules.tieBreak],
      ...(rules.timeLimitSeconds === null ? {} : { timeLimitSeconds: rules.timeLimitSeconds }),
      awards: rules.awards.map((a) => (a.count === null ? { name: a.name } : { name: a.name, count: a.count })),
    },
    presenters: definition.presenters.map((p) => ({
      key: p.key,
      name: p.name,
      unit: p.unit,
      topic: p.topic,
      ...(p.order === null ? {} : { order: p.order }),
      recused: [...p.recused],
      // written only where there is one, so a contest without absences gives the file it always did
      ...(p.absent.length > 0 ? { absent: [...p.absent] } : {}),
    })),
    judges: definition.judges.map((j) => ({ key: j.key, name: j.name, panel: j.panel })),
  };
  if (sheets) {
    file.scores = sheets.map((s) => ({
      presenter: s.presenter,
      judge: s.judge,
      items: Object.fromEntries(rules.criteria.filter((c) => s.items[c.key]).map((c) => [c.key, s.items[c.key]!.toNumber()])),
    }));
  }
  // written only when there are some, so a contest without an audience vote gives the file it always did
  if (votes && votes.length > 0) file.audienceVotes = votes.map((v) => ({ presenter: v.presenter, voter: v.voter, value: v.value.toNumber() }));
  return file;
}
