/**
 * Scales for the judge-consistency charts, drawn as inline SVG. Numbers here are for pixel
 * positions only: the labels next to bars and dots are the server's decimal strings, never a
 * float turned back into text. The one label made here is the axis limit, picked from a short
 * list of round values (1, 2, 2.5, 5 × a power of ten) and written out exactly.
 */

/** a decimal string as a number for drawing; null when absent or unreadable */
export function drawingNumber(decimal: string | null | undefined): number | null {
  if (decimal === null || decimal === undefined || decimal.trim() === '') return null;
  const n = Number(decimal);
  return Number.isFinite(n) ? n : null;
}

export interface AxisLimit {
  /** the axis runs from -value to +value */
  value: number;
  /** value written out exactly, e.g. "2.5", "0.25", "10" */
  label: string;
}

const MANTISSAS: ReadonlyArray<readonly [number, string]> = [
  [1, '1'],
  [2, '2'],
  [2.5, '25'],
  [5, '5'],
];

/** "25" × 10^k written out: exponent -1 → "2.5", -2 → "0.25", 1 → "250" */
function shiftLabel(digits: string, exponent: number): string {
  if (exponent >= 0) return (digits + '0'.repeat(exponent)).replace(/^0+(?=\d)/, '');
  const padded = digits.padStart(-exponent + 1, '0');
  const cut = padded.length + exponent;
  const fraction = padded.slice(cut).replace(/0+$/, '');
  return padded.slice(0, cut) + (fraction ? `.${fraction}` : '');
}

/**
 * The smallest round limit at least as large as maxAbs (and at least `floor`), so every bar and
 * dot fits. A chart with nothing to show gets a limit of 1.
 */
export function niceLimit(maxAbs: number, floor = 0.5): AxisLimit {
  const target = Number.isFinite(maxAbs) && maxAbs > 0 ? Math.max(maxAbs, floor) : Math.max(floor, 1);
  for (let exponent = -3; exponent <= 9; exponent++) {
    for (const [mantissa, digits] of MANTISSAS) {
      const value = mantissa * 10 ** exponent;
      // 2.5 is written "25" one decade down
      const label = mantissa === 2.5 ? shiftLabel(digits, exponent - 1) : shiftLabel(digits, exponent);
      if (value >= target * (1 - 1e-12)) return { value, label };
    }
  }
  return { value: target, label: String(target) };
}

/** the largest |x| among the values that can be drawn */
export function maxAbs(values: ReadonlyArray<number | null>): number {
  let max = 0;
  for (const v of values) if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return max;
}

export interface Axis {
  /** left edge of the plotting area, px */
  left: number;
  /** width of the plotting area, px; zero is in its middle */
  width: number;
  limit: number;
}

/** x position of a value (clamped to the axis) */
export function xOf(axis: Axis, value: number): number {
  const clamped = Math.max(-axis.limit, Math.min(axis.limit, value));
  return axis.left + axis.width / 2 + (clamped / axis.limit) * (axis.width / 2);
}

/** a bar from zero to the value: its left edge and width, px */
export function barOf(axis: Axis, value: number): { x: number; width: number } {
  const zero = xOf(axis, 0);
  const end = xOf(axis, value);
  return { x: Math.min(zero, end), width: Math.abs(end - zero) };
}

export type Sign = 'positive' | 'negative' | 'zero';

export function signOf(value: number | null): Sign {
  if (value === null || value === 0) return 'zero';
  return value > 0 ? 'positive' : 'negative';
}

/** a name that fits the label column: cut to `max` characters with an ellipsis */
export function fitLabel(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
