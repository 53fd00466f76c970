import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';
import { sheetTotal } from '../../../server/domain/scoring.ts';
import { Exact, parseDecimal } from '../lib/decimal.ts';

/**
 * The rubric as whole numbers. Every value a judge can give is a whole number of its criterion's
 * step, so the page counts in integer "units" of 10^-scale (scale = the most decimal places in any
 * max or step) and never adds floating-point numbers: 0.1 + 0.2 is 1 + 2 units, shown as "0.3".
 */

export interface RubricCriterion {
  key: string;
  name: string;
  /** the step in units */
  stepUnits: number;
  /** the highest step index: values are 0, 1 × step, …, steps × step */
  steps: number;
  max: string;
  step: string;
}

export interface Rubric {
  scale: number;
  criteria: RubricCriterion[];
  /** the highest total possible, as decimal text */
  maxTotal: string;
}

/** decimal places of a rubric number ("18.5" → 1, "20" → 0, "0.50" → 1) */
function places(text: string): number {
  return parseDecimal(text)?.toDecimalString()?.split('.')[1]?.length ?? 0;
}

/** "18.5" at scale 2 → 1850; null for anything that is not a plain non-negative decimal with at most scale places */
export function toUnits(text: string, scale: number): number | null {
  const units = parseDecimal(text)?.mul(Exact.of(10n ** BigInt(scale)));
  if (!units?.isInteger()) return null;
  return units.n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units.n) : null;
}

/** 1850 at scale 2 → "18.5" (no trailing zeros, no float arithmetic) */
export function fromUnits(units: number, scale: number): string {
  return Exact.of(BigInt(units), 10n ** BigInt(scale)).toString();
}

export function makeRubric(criteria: readonly CriterionInfo[]): Rubric {
  const scale = Math.min(9, Math.max(0, ...criteria.flatMap((c) => [places(c.max), places(c.step)])));
  const list = criteria.map((c): RubricCriterion => {
    const stepUnits = toUnits(c.step, scale) ?? 0;
    const maxUnits = toUnits(c.max, scale) ?? 0;
    return { key: c.key, name: c.name, max: c.max, step: c.step, stepUnits, steps: stepUnits > 0 ? Math.floor(maxUnits / stepUnits) : 0 };
  });
  const maxTotal = fromUnits(list.reduce((sum, c) => sum + c.steps * c.stepUnits, 0), scale);
  return { scale, criteria: list, maxTotal };
}

/** the value of step index i, as decimal text */
export function valueText(rubric: Rubric, criterion: RubricCriterion, index: number): string {
  return fromUnits(index * criterion.stepUnits, rubric.scale);
}

/** the step index of a stored value ("18.5" → 37 with step 0.5), or null when it is not one */
export function stepIndex(rubric: Rubric, criterion: RubricCriterion, text: string): number | null {
  const units = toUnits(text, rubric.scale);
  if (units === null || criterion.stepUnits === 0 || units % criterion.stepUnits !== 0) return null;
  const index = units / criterion.stepUnits;
  return index <= criterion.steps ? index : null;
}

/**
 * The sheet's total for the chosen step indexes (null = not scored yet, counted as 0), as decimal
 * text: the server's own sheetTotal, so the preview is the total the receipt will show.
 */
export function totalText(rubric: Rubric, indexes: ReadonlyArray<number | null>): string {
  const items = Object.fromEntries(rubric.criteria.map((c, i) => [c.key, Exact.parse(valueText(rubric, c, indexes[i] ?? 0))]));
  return sheetTotal(items).toString();
}

/**
 * Quick choices for a criterion: the step indexes at 60 %, 70 %, 80 %, 90 % and 100 % of its
 * maximum (rounded down to a whole step; integer arithmetic), where judges' marks mostly fall.
 * A tap there and one or two on − / + reach any value, instead of dozens of steps.
 */
export function quickChoices(criterion: RubricCriterion): number[] {
  const picks = [6, 7, 8, 9, 10].map((tenths) => Math.floor((criterion.steps * tenths) / 10));
  return [...new Set(picks)].filter((index) => index > 0);
}
