import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exact } from '../../../server/domain/exact.ts';

const x = (text: string) => Exact.parse(text);

describe('exact decimals', () => {
  it('adds 0.1 and 0.2 to exactly 0.3, where floating point gives 0.30000000000000004', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(x('0.1').add(x('0.2')).eq(x('0.3'))).toBe(true);
    expect(x('0.1').add(x('0.2')).toString()).toBe('0.3');
  });

  it('rounds a mean of exactly 90.005 half-up to 90.01 (floating point gives 90.00)', () => {
    expect((90.005).toFixed(2)).toBe('90.00');
    const mean = x('90.00').add(x('90.01')).div(Exact.of(2));
    expect(mean.toString()).toBe('90.005');
    expect(mean.toFixed(2)).toBe('90.01');
  });

  it('computes 0.35 × 80.01 + 0.65 × 80.02 = 80.0165 and rounds it to 80.017', () => {
    const final = x('0.35').mul(x('80.01')).add(x('0.65').mul(x('80.02')));
    expect(final.toString()).toBe('80.0165');
    expect(final.toFixed(3)).toBe('80.017');
  });

  it('rounds at 0 to 4 places, padding with zeros', () => {
    const v = x('87.44995');
    expect([0, 1, 2, 3, 4].map((d) => v.toFixed(d))).toEqual(['87', '87.4', '87.45', '87.450', '87.4500']);
    expect(x('2.5').toFixed(0)).toBe('3');
    expect(x('0.0005').toFixed(3)).toBe('0.001');
    expect(x('0.00049').toFixed(3)).toBe('0.000');
    expect(Exact.of(1, 3).toFixed(4)).toBe('0.3333');
    expect(Exact.of(2, 3).toFixed(2)).toBe('0.67');
  });

  it('keeps a repeating mean exact until it is rounded: (85 + 86 + 86) / 3 = 85.666… → 85.67', () => {
    const mean = x('85').add(x('86')).add(x('86')).div(Exact.of(3));
    expect(mean.toDecimalString()).toBeNull();
    expect(mean.toString()).toBe('257/3');
    expect(mean.toFixed(2)).toBe('85.67');
    expect(mean.mul(Exact.of(3)).eq(x('257'))).toBe(true);
  });

  it('knows whole steps: 18.5 is a step of 0.5, 18.25 is not', () => {
    expect(x('18.5').isMultipleOf(x('0.5'))).toBe(true);
    expect(x('18.25').isMultipleOf(x('0.5'))).toBe(false);
    expect(x('0.3').isMultipleOf(x('0.1'))).toBe(true);
  });

  it('reads decimal text, exponents included, and refuses anything else', () => {
    expect(x('1e-3').toString()).toBe('0.001');
    expect(x('1.5E2').toString()).toBe('150');
    expect(x('-0.50').toString()).toBe('-0.5');
    for (const bad of ['', 'abc', '1,5', '0x10', 'NaN', 'Infinity', '1.', '.5', '--1']) expect(Exact.tryParse(bad)).toBeNull();
  });

  it('takes the digits a JSON number was written with, and refuses numbers a double cannot hold exactly', () => {
    expect(Exact.fromJsonNumber(0.7).toString()).toBe('0.7');
    expect(Exact.fromJsonNumber(90.005).toString()).toBe('90.005');
    expect(Exact.tryFromJsonNumber(0.1 + 0.2)).toBeNull(); // 0.30000000000000004 has 17 significant digits
    expect(Exact.tryFromJsonNumber(Number.NaN)).toBeNull();
    expect(Exact.tryFromJsonNumber(Number.POSITIVE_INFINITY)).toBeNull();
    expect(Exact.fromJsonNumber(-0).toString()).toBe('0');
  });

  it('round-trips every decimal of up to 15 significant digits through a JSON number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 10 }), (digits, places) => {
        const exact = Exact.of(digits, 10n ** BigInt(places));
        expect(Exact.fromJsonNumber(Number(exact.toString())).eq(exact)).toBe(true);
      }),
    );
  });

  it('obeys the field laws on random rationals', () => {
    const rational = fc.tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: 1n, max: 1000n })).map(([n, d]) => Exact.of(n, d));
    fc.assert(
      fc.property(rational, rational, rational, (a, b, c) => {
        expect(a.add(b).eq(b.add(a))).toBe(true);
        expect(a.mul(b.add(c)).eq(a.mul(b).add(a.mul(c)))).toBe(true);
        expect(a.add(b).sub(b).eq(a)).toBe(true);
        if (!b.isZero()) expect(a.div(b).mul(b).eq(a)).toBe(true);
      }),
    );
  });

  it('rounds half-up exactly like decimal long arithmetic on random values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 4 }), (digits, places, decimals) => {
        // reference: round the digit string by hand
        const text = digits.toString().padStart(places + 1, '0');
        const value = Exact.of(digits, 10n ** BigInt(places));
        const cut = places - decimals;
        let expected: bigint;
        if (cut <= 0) expected = digits * 10n ** BigInt(-cut);
        else {
          const kept = digits / 10n ** BigInt(cut);
          const firstDropped = Number(text[text.length - cut]);
          expected = firstDropped >= 5 ? kept + 1n : kept;
        }
        expect(value.toFixed(decimals)).toBe(Exact.of(expected, 10n ** BigInt(decimals)).toFixed(decimals));
      }),
    );
  });
});
