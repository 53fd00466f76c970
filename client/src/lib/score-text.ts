import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';

/**
 * A score as a person types it (the judge's number pad, the host's paper-sheet entry), checked
 * against its criterion's max and step exactly: on scaled integers (bigint), never floats.
 */

/** A decimal as an integer count of 10^-scale. */
export interface Scaled {
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

export function parseScaled(text: string): Scaled | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { units: BigInt(m[1]! + frac), scale: frac.length };
}

export function rescale(x: Scaled, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

export type ItemProblem = 'empty' | 'not_number' | 'over_max' | 'off_step';

/** What is wrong with one typed value for a criterion, or null when it is a valid score. */
export function itemProblem(text: string, criterion: Pick<CriterionInfo, 'max' | 'step'>): ItemProblem | null {
  const value = normaliseInput(text);
  if (value === '') return 'empty';
  const x = parseScaled(value);
  const max = parseScaled(criterion.max);
  const step = parseScaled(criterion.step);
  if (!x) return 'not_number';
  if (!max || !step) return null; // the server's rubric is always plain decimals; let the server judge otherwise
  const scale = Math.max(x.scale, max.scale, step.scale);
  const v = rescale(x, scale);
  if (v > rescale(max, scale)) return 'over_max';
  const s = rescale(step, scale);
  if (s > 0n && v % s !== 0n) return 'off_step';
  return null;
}
