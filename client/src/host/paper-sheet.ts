import type { CriterionInfo } from '../../../server/protocol.ts';

/**
 * A paper sheet (代录) typed in by the host: each value checked against its criterion's max and
 * step exactly, on scaled integers (bigint), never floats — 0.1 + 0.2 must be 0.3 here too.
 */

/** A decimal as an integer count of 10^-scale. */
interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,9}))?$/;

/** Full-width digits and the ideographic full stop, as a Chinese IME may type them, to ASCII. */
export function normaliseInput(text: string): string {
  return text
    .trim()
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[．。]/g, '.');
}

function parse(text: string): Scaled | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { units: BigInt(m[1]! + frac), scale: frac.length };
}

function rescale(x: Scaled, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

function format(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

export type ItemProblem = 'empty' | 'not_number' | 'over_max' | 'off_step';

/** What is wrong with one typed value for a criterion, or null when it is a valid score. */
export function itemProblem(text: string, criterion: Pick<CriterionInfo, 'max' | 'step'>): ItemProblem | null {
  const value = normaliseInput(text);
  if (value === '') return 'empty';
  const x = parse(value);
  const max = parse(criterion.max);
  const step = parse(criterion.step);
  if (!x) return 'not_number';
  if (!max || !step) return null; // the server's rubric is always plain decimals; let the server judge otherwise
  const scale = Math.max(x.scale, max.scale, step.scale);
  const v = rescale(x, scale);
  if (v > rescale(max, scale)) return 'over_max';
  const s = rescale(step, scale);
  if (s > 0n && v % s !== 0n) return 'off_step';
  return null;
}

/** The sheet's total (sum of the items), exact, as decimal text; null while any item is invalid. */
export function sheetTotal(values: Record<string, string>, criteria: ReadonlyArray<Pick<CriterionInfo, 'key' | 'max' | 'step'>>): string | null {
  const parsed: Scaled[] = [];
  for (const c of criteria) {
    const text = values[c.key] ?? '';
    if (itemProblem(text, c) !== null) return null;
    parsed.push(parse(normaliseInput(text))!);
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
