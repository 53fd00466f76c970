import { describe, expect, test } from 'vitest';
import { fromUnits, makeRubric, quickChoices, stepIndex, toUnits, totalText, valueText } from '../../../client/src/judge/rubric.ts';
import { sameDecimal } from '../../../client/src/lib/decimal.ts';

/**
 * The judge page's arithmetic (client/src/judge/rubric.ts): every value is a whole number of
 * steps, totals are sums of integers, and what is shown is exact — 0.1 + 0.2 is "0.3".
 */

describe('the judge page counts in whole steps', () => {
  const rubric = makeRubric([
    { key: 'a', name: 'A', max: '10', step: '0.1' },
    { key: 'b', name: 'B', max: '30', step: '0.5' },
    { key: 'c', name: 'C', max: '5', step: '0.25' },
    { key: 'd', name: 'D', max: '10', step: '3' },
  ]);
  const [a, b, c, d] = rubric.criteria;

  test('each criterion offers exactly 0 … max in its steps', () => {
    expect(rubric.scale).toBe(2);
    expect(a!.steps).toBe(100); // 0, 0.1, … 10: 101 values
    expect(b!.steps).toBe(60); // 61 values
    expect(c!.steps).toBe(20);
    expect(d!.steps).toBe(3); // 0, 3, 6, 9: a max that is not a whole step is never reached
    expect(valueText(rubric, a!, 3)).toBe('0.3');
    expect(valueText(rubric, c!, 7)).toBe('1.75');
    expect(valueText(rubric, b!, 60)).toBe('30');
    expect(rubric.maxTotal).toBe('54'); // 10 + 30 + 5 + 9
  });

  test('totals are exact where floating point would drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // what the page must not do
    expect(totalText(rubric, [1, null, null, null])).toBe('0.1');
    expect(totalText(rubric, [3, 0, 0, 0])).toBe('0.3');
    expect(totalText(rubric, [1, 0, 1, 0])).toBe('0.35');
    expect(totalText(rubric, [99, 59, 19, 3])).toBe('53.15'); // 9.9 + 29.5 + 4.75 + 9
    expect(totalText(rubric, [100, 60, 20, 3])).toBe('54');
    expect(totalText(rubric, [null, null, null, null])).toBe('0');
  });

  test('stored values map back to steps, and anything off the rubric is not a step', () => {
    expect(stepIndex(rubric, a!, '0.3')).toBe(3);
    expect(stepIndex(rubric, b!, '18.5')).toBe(37);
    expect(stepIndex(rubric, b!, '18.50')).toBe(37);
    expect(stepIndex(rubric, b!, '18.25')).toBeNull(); // off the step
    expect(stepIndex(rubric, b!, '30.5')).toBeNull(); // over the max
    expect(stepIndex(rubric, b!, '-1')).toBeNull();
    expect(stepIndex(rubric, a!, '0.123')).toBeNull();
    expect(stepIndex(rubric, a!, 'abc')).toBeNull();
  });

  test('quick choices are whole steps at 60–100 % of the maximum, never past it', () => {
    const values = (c: typeof a) => quickChoices(c!).map((i) => valueText(rubric, c!, i));
    expect(values(b)).toEqual(['18', '21', '24', '27', '30']);
    expect(values(a)).toEqual(['6', '7', '8', '9', '10']);
    expect(values(c)).toEqual(['3', '3.5', '4', '4.5', '5']);
    expect(values(d)).toEqual(['3', '6', '9']); // 0…9 in steps of 3: repeats dropped
  });

  test('decimal text converts without floats and compares by value', () => {
    expect(toUnits('87.5', 2)).toBe(8750);
    expect(toUnits('0.05', 2)).toBe(5);
    expect(toUnits('1.005', 2)).toBeNull();
    expect(fromUnits(5, 2)).toBe('0.05');
    expect(fromUnits(8750, 2)).toBe('87.5');
    expect(fromUnits(0, 0)).toBe('0');
    expect(sameDecimal('87.50', '87.5')).toBe(true);
    expect(sameDecimal('87.5', '87.05')).toBe(false);
    expect(sameDecimal('90', '90.000')).toBe(true);
  });
});
