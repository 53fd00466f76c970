import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';
import { halfWidth, parseDecimal } from './decimal.ts';

/**
 * A score as a person types it (the judge's number pad, the host's paper-sheet entry), checked
 * against its criterion's max and step exactly (lib/decimal.ts), never in floating point.
 */

/** at most nine digits either side of the point: more is no score anyone means */
const SCORE_TEXT = /^\d{1,9}(\.\d{1,9})?$/;

export type ItemProblem = 'empty' | 'not_number' | 'over_max' | 'off_step';

/** What is wrong with one typed value for a criterion, or null when it is a valid score. */
export function itemProblem(text: string, criterion: Pick<CriterionInfo, 'max' | 'step'>): ItemProblem | null {
  const value = halfWidth(text);
  if (value === '') return 'empty';
  const x = SCORE_TEXT.test(value) ? parseDecimal(value) : null;
  if (!x) return 'not_number';
  const max = parseDecimal(criterion.max);
  const step = parseDecimal(criterion.step);
  if (!max || !step) return null; // the server's rubric is always plain decimals; let the server judge otherwise
  if (x.cmp(max) > 0) return 'over_max';
  if (!step.isZero() && !x.isMultipleOf(step)) return 'off_step';
  return null;
}
