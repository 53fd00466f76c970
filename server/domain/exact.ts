/**
 * Exact rational arithmetic on bigint, for every number between a judge's input and a rounded
 * result. Scores are decimals (18.5, 0.7, 90.005); means and weighted sums of them are rationals
 * (a mean of 7 totals may not be a finite decimal), so a rational is the one type that is exact
 * all the way and is rounded once, at the end, half-up.
 *
 * Written here rather than taken from a library: it is small, the whole product's correctness
 * rests on it, and decimal libraries either round divisions to a precision or accept binary
 * floating point silently, which is exactly the drift this module exists to rule out.
 */

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class Exact {
  /** numerator and denominator in lowest terms; the denominator is always positive */
  readonly n: bigint;
  readonly d: bigint;

  private constructor(n: bigint, d: bigint) {
    if (d === 0n) throw new RangeError('division by zero');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    this.n = g > 1n ? n / g : n;
    this.d = g > 1n ? d / g : d;
  }

  static readonly ZERO = new Exact(0n, 1n);
  static readonly ONE = new Exact(1n, 1n);

  static of(n: bigint | number, d: bigint | number = 1n): Exact {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
    if (typeof d === 'number' && !Number.isSafeInteger(d)) throw new RangeError(`not an integer: ${d}`);
    return new Exact(BigInt(n), BigInt(d));
  }

  /** Parses decimal text such as "90.005", "-0.5" or "1e-3" exactly. Returns null on anything else. */
  static tryParse(text: string): Exact | null {
    const m = DECIMAL_TEXT.exec(text.trim());
    if (!m) return null;
    const [, sign, whole, frac = '', exp = '0'] = m;
    const e = Number(exp) - frac.length;
    if (!Number.isSafeInteger(e) || Math.abs(e) > 400) return null;
    let n = BigInt(whole! + frac);
    if (sign) n = -n;
    return e >= 0 ? new Exact(n * 10n ** BigInt(e), 1n) : new Exact(n, 10n ** BigInt(-e));
  }

  static parse(text: string): Exact {
    const x = Exact.tryParse(text);
    if (x === null) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
    return x;
  }

  /**
   * The decimal a JSON number was written as. JSON parsers hand us an IEEE double; its shortest
   * round-trip text (what String() prints) is the decimal that was written whenever that decimal
   * has at most 15 significant digits, which is the only case we accept. Nothing is computed on
   * the double: it is only the carrier of the digits.
   */
  static fromJsonNumber(x: number): Exact {
    const parsed = Exact.tryFromJsonNumber(x);
    if (parsed === null) throw new RangeError(`not an exact decimal: ${x}`);
    return parsed;
  }

  static tryFromJsonNumber(x: number): Exact | null {
    if (!Number.isFinite(x)) return null;
    if (significantDigits(String(x)) > 15) return null;
    return Exact.tryParse(String(x));
  }

  add(o: Exact): Exact {
    return new Exact(this.n * o.d + o.n * this.d, this.d * o.d);
  }

  sub(o: Exact): Exact {
    return new Exact(this.n * o.d - o.n * this.d, this.d * o.d);
  }

  mul(o: Exact): Exact {
    return new Exact(this.n * o.n, this.d * o.d);
  }

  div(o: Exact): Exact {
    return new Exact(this.n * o.d, this.d * o.n);
  }

  cmp(o: Exact): -1 | 0 | 1 {
    const l = this.n * o.d;
    const r = o.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  eq(o: Exact): boolean {
    return this.n === o.n && this.d === o.d;
  }

  isZero(): boolean {
    return this.n === 0n;
  }

  isNegative(): boolean {
    return this.n < 0n;
  }

  isInteger(): boolean {
    return this.d === 1n;
  }

  /** true when this is a whole multiple of step (step > 0) */
  isMultipleOf(step: Exact): boolean {
    return this.div(step).isInteger();
  }

  /**
   * Rounds half away from zero (四舍五入 on the non-negative numbers scores are) to `decimals`
   * places and formats with exactly that many places: 90.005 → "90.01" at 2.
   */
  toFixed(decimals: number): string {
    // no upper bound of 20 like Number#toFixed: an exact decimal may have as many places as it was written with
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 1000) {
      throw new RangeError(`decimals must be a whole number from 0 to 1000, got ${decimals}`);
    }
    const scale = 10n ** BigInt(decimals);
    const negative = this.n < 0n;
    const abs = negative ? -this.n : this.n;
    // round(abs * scale / d) half up = floor((2 * abs * scale + d) / (2 * d))
    const scaled = (2n * abs * scale + this.d) / (2n * this.d);
    const digits = scaled.toString().padStart(decimals + 1, '0');
    const whole = digits.slice(0, digits.length - decimals);
    const frac = digits.slice(digits.length - decimals);
    const sign = negative && scaled !== 0n ? '-' : '';
    return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${frac}`;
  }

  /** Rounded like toFixed, as an Exact: what a rounded score compares as. */
  round(decimals: number): Exact {
    return Exact.parse(this.toFixed(decimals));
  }

  /**
   * The shortest exact decimal text, when the value has a finite decimal expansion
   * ("18.5", "0.7", "100"); otherwise null (1/3 has none).
   */
  toDecimalString(): string | null {
    let d = this.d;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
      d /= 2n;
      twos++;
    }
    while (d % 5n === 0n) {
      d /= 5n;
      fives++;
    }
    if (d !== 1n) return null;
    const places = Math.max(twos, fives);
    const text = this.toFixed(places);
    return places === 0 ? text : text.replace(/\.?0+$/, '');
  }

  /**
   * A JS number for places that need one and never compute with it (JSON output of a stored
   * value, chart positions). Only exact for finite decimals of at most 15 significant digits.
   */
  toNumber(): number {
    const text = this.toDecimalString();
    return Number(text ?? this.toFixed(15));
  }

  toString(): string {
    return this.toDecimalString() ?? `${this.n}/${this.d}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function significantDigits(text: string): number {
  const mantissa = text.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '');
  const trimmed = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return trimmed.length === 0 ? 1 : trimmed.length;
}

export function sum(values: readonly Exact[]): Exact {
  return values.reduce((acc, v) => acc.add(v), Exact.ZERO);
}
