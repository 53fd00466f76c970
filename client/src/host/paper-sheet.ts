import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';
import { sheetTotal as domainSheetTotal } from '../../../server/domain/scoring.ts';
import { halfWidth, parseDecimal } from '../lib/decimal.ts';
import { itemProblem } from '../lib/score-text.ts';

/**
 * A paper sheet (代录) typed in by the host: each value checked against its criterion's max and
 * step exactly (lib/score-text.ts), the total the domain's own sheetTotal (what the server stores
 * and the receipt shows) — 0.1 + 0.2 must be 0.3 here too.
 */

/** The sheet's total (sum of the items), exact, as decimal text; null while any item is invalid. */
export function sheetTotal(values: Record<string, string>, criteria: ReadonlyArray<Pick<CriterionInfo, 'key' | 'max' | 'step'>>): string | null {
  if (criteria.some((c) => itemProblem(values[c.key] ?? '', c) !== null)) return null;
  return domainSheetTotal(Object.fromEntries(criteria.map((c) => [c.key, parseDecimal(values[c.key] ?? '')!]))).toString();
}

/** The items to send: normalised text per criterion (the protocol carries scores as decimal strings). */
export function sheetItems(values: Record<string, string>, criteria: ReadonlyArray<Pick<CriterionInfo, 'key'>>): Record<string, string> {
  return Object.fromEntries(criteria.map((c) => [c.key, halfWidth(values[c.key] ?? '')]));
}

/**
 * A fresh submission id: 16 random bytes, base64url (22 characters). crypto.getRandomValues works
 * on plain http, where crypto.randomUUID does not exist.
 */
export function newSubmissionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
