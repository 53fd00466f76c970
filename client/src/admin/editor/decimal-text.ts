import { Exact } from '../../../../server/domain/exact.ts';

/**
 * Numbers as the organiser typed them. Every decimal in the editor is text, read exactly (bigint
 * rationals, server/domain/exact.ts) and turned into a JSON number only when the file is written,
 * from its exact digits: no number is ever computed in floating point.
 */

/** full-width digits and punctuation a Chinese input method types (１８．５, ８：００) → ASCII */
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

export const HUNDRED = Exact.of(100);

/** a panel's weight (0.7) as the percent the organiser types ("70") */
export function weightToPercent(weight: number): string {
  const exact = Exact.tryFromJsonNumber(weight);
  return exact ? (exact.mul(HUNDRED).toDecimalString() ?? String(weight)) : String(weight);
}

/** "70" → 0.7 exactly (null when the text is not a decimal) */
export function percentToWeight(text: string): Exact | null {
  const percent = parseDecimal(text);
  return percent ? percent.div(HUNDRED) : null;
}

export { Exact };
