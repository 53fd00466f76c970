import { Exact } from '../../../server/domain/exact.ts';

/**
 * Numbers as people type them and as the pages show them, read exactly: every decimal is text,
 * parsed into the domain's bigint rationals (server/domain/exact.ts) and written back as text.
 * No number from a judge's, host's or organiser's input is ever computed in floating point.
 */

export { Exact };

export const HUNDRED = Exact.of(100);

/** full-width digits and punctuation a Chinese input method types (１８．５, ８：００) → ASCII, trimmed */
export function halfWidth(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    .replace(/[\uFF0E\u3002]/g, '.')
    .replace(/\uFF1A/g, ':')
    .replace(/\uFF05/g, '%')
    .trim();
}

/** "18.5", "０.７", "100" → the exact value; null for anything that is not a plain non-negative decimal */
export function parseDecimal(text: string): Exact | null {
  const plain = halfWidth(text);
  return /^\d+(\.\d+)?$/.test(plain) ? Exact.parse(plain) : null;
}

/** "3" → 3; null for anything that is not a plain whole number */
export function parseWhole(text: string): number | null {
  const plain = halfWidth(text);
  return /^\d{1,9}$/.test(plain) ? Number(plain) : null;
}

/** the same decimal written two ways ("87.50", "87.5") compares equal */
export function sameDecimal(a: string, b: string): boolean {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x !== null && y !== null && x.eq(y);
}

/** significant digits of a finite decimal (what a JSON number can carry exactly: 15) */
export function significantDigits(value: Exact): number {
  const text = value.toDecimalString();
  if (text === null) return Infinity;
  const digits = text.replace('-', '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(1, digits.length);
}

/** the JSON number for an exact decimal: the double whose shortest text is these very digits */
export function jsonNumber(value: Exact): number {
  const text = value.toDecimalString();
  if (text === null || significantDigits(value) > 15) throw new RangeError(`${value} cannot be written as an exact JSON number`);
  return Number(text);
}

/** a JSON number from a contest file as the decimal text it was written as ("0.7", "18.5") */
export function decimalText(value: number): string {
  return Exact.tryFromJsonNumber(value)?.toDecimalString() ?? String(value);
}

/**
 * A panel's weight as the percent it is: 0.7 (a contest file's number) or "0.7" (a snapshot's
 * text, ".5" too) → "70", "0.125" → "12.5"; null when it is not a number.
 */
export function weightToPercent(weight: number | string): string | null {
  const exact = typeof weight === 'number' ? Exact.tryFromJsonNumber(weight) : Exact.tryParse(weight.trim().replace(/^\./, '0.'));
  return exact?.mul(HUNDRED).toDecimalString() ?? null;
}

/** a weight as the projector and the result pages show it ("0.7" → "70%"); anything else as it came */
export function percentText(weight: string): string {
  const percent = weightToPercent(weight);
  return percent === null ? weight : `${percent}%`;
}

/** "70" → 0.7 exactly (null when the text is not a decimal) */
export function percentToWeight(text: string): Exact | null {
  const percent = parseDecimal(text);
  return percent ? percent.div(HUNDRED) : null;
}
