import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';
import { itemProblem, normaliseInput, parseScaled, rescale, type Scaled } from '../lib/score-text.ts';

/**
 * A paper sheet (代录) typed in by the host: each value checked against its criterion's max and
 * step exactly (lib/score-text.ts), the total summed on scaled integers (bigint), never floats —
 * 0.1 + 0.2 must be 0.3 here too.
 */

function format(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** The sheet's total (sum of the items), exact, as decimal text; null while any item is invalid. */
export function sheetTotal(values: Record<string, string>, criteria: ReadonlyArray<Pick<CriterionInfo, 'key' | 'max' | 'step'>>): string | null {
  const parsed: Scaled[] = [];
  for (const c of criteria) {
    const text = values[c.key] ?? '';
    if (itemProblem(text, c) !== null) return null;
    parsed.push(parseScaled(normaliseInput(text))!);
  }
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  return format(
    parsed.reduce((acc, p) => acc + rescale(p, scale), 0n),
    scale,
  );
}

/** The items to send: normalised text per criterion (the protocol carries scores as decimal strings). */
export function sheetItems(values: Record<string, string>, criteria: ReadonlyArray<Pick<CriterionInfo, 'key'>>): Record<string, string> {
  return Object.fromEntries(criteria.map((c) => [c.key, normaliseInput(values[c.key] ?? '')]));
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
