import { describe, expect, it } from 'vitest';
import { barOf, drawingNumber, fitLabel, maxAbs, niceLimit, signOf, xOf } from '../../../client/src/admin/consistency/chart-scale.ts';

describe('consistency chart scale', () => {
  it('reads decimal strings for drawing only', () => {
    expect(drawingNumber('-1.25')).toBe(-1.25);
    expect(drawingNumber('0.00')).toBe(0);
    expect(drawingNumber(null)).toBeNull();
    expect(drawingNumber('')).toBeNull();
    expect(drawingNumber('x')).toBeNull();
  });

  it('picks a round limit at least as large as every value, written exactly', () => {
    expect(niceLimit(0)).toEqual({ value: 1, label: '1' });
    expect(niceLimit(0.3)).toEqual({ value: 0.5, label: '0.5' });
    expect(niceLimit(0.3, 0.1)).toEqual({ value: 0.5, label: '0.5' });
    expect(niceLimit(0.2, 0.1)).toEqual({ value: 0.2, label: '0.2' });
    expect(niceLimit(0.21, 0.1)).toEqual({ value: 0.25, label: '0.25' });
    expect(niceLimit(1)).toEqual({ value: 1, label: '1' });
    expect(niceLimit(1.01)).toEqual({ value: 2, label: '2' });
    expect(niceLimit(2.1)).toEqual({ value: 2.5, label: '2.5' });
    expect(niceLimit(3.7)).toEqual({ value: 5, label: '5' });
    expect(niceLimit(7)).toEqual({ value: 10, label: '10' });
    expect(niceLimit(12)).toEqual({ value: 20, label: '20' });
    expect(niceLimit(21)).toEqual({ value: 25, label: '25' });
    expect(niceLimit(260)).toEqual({ value: 500, label: '500' });
    expect(niceLimit(Number.NaN)).toEqual({ value: 1, label: '1' });
  });

  it('takes the largest absolute value, ignoring gaps', () => {
    expect(maxAbs([1, -3.5, null, 2])).toBe(3.5);
    expect(maxAbs([])).toBe(0);
  });

  it('places values around a zero in the middle, clamped to the axis', () => {
    const axis = { left: 100, width: 400, limit: 2 };
    expect(xOf(axis, 0)).toBe(300);
    expect(xOf(axis, 2)).toBe(500);
    expect(xOf(axis, -1)).toBe(200);
    expect(xOf(axis, 9)).toBe(500);
    expect(barOf(axis, 1)).toEqual({ x: 300, width: 100 });
    expect(barOf(axis, -2)).toEqual({ x: 100, width: 200 });
  });

  it('names signs and fits labels', () => {
    expect(signOf(1)).toBe('positive');
    expect(signOf(-0.01)).toBe('negative');
    expect(signOf(0)).toBe('zero');
    expect(signOf(null)).toBe('zero');
    expect(fitLabel('市委组织部评委', 11)).toBe('市委组织部评委');
    expect(fitLabel('村（社区）书记代表A村（社区）', 6)).toBe('村（社区）…');
  });
});
