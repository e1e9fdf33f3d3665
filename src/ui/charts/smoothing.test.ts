import { describe, expect, it } from 'vitest';
import { emaSmooth } from './smoothing';

describe('emaSmooth (TensorBoard debiased EMA)', () => {
  it('returns the values unchanged at weight 0', () => {
    expect(emaSmooth([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
  });

  it('matches a hand computation at weight 0.5', () => {
    // w = 0.5, values 1, 2, 3:
    //   n=1: last = 0.5*0     + 0.5*1 = 0.5    debias = 1 - 0.5   = 0.5    -> 0.5 / 0.5     = 1
    //   n=2: last = 0.5*0.5   + 0.5*2 = 1.25   debias = 1 - 0.25  = 0.75   -> 1.25 / 0.75   = 5/3
    //   n=3: last = 0.5*1.25  + 0.5*3 = 2.125  debias = 1 - 0.125 = 0.875  -> 2.125 / 0.875 = 17/7
    const smoothed = emaSmooth([1, 2, 3], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeCloseTo(5 / 3, 12);
    expect(smoothed[2]).toBeCloseTo(17 / 7, 12);
  });

  it('matches a hand computation at the default weight 0.6', () => {
    // n=1: last = 0.4*2 = 0.8, debias 0.4 -> 2; n=2: last = 0.6*0.8 + 0.4*0 = 0.48, debias 1 - 0.36 = 0.64 -> 0.75
    const smoothed = emaSmooth([2, 0], 0.6);
    expect(smoothed[0]).toBeCloseTo(2, 12);
    expect(smoothed[1]).toBeCloseTo(0.75, 12);
  });

  it('passes non-finite values through without updating the average', () => {
    // n=1: last = 0.5, debias 0.5 -> 1; NaN and Infinity skip; n=2: last = 0.25 + 1.5 = 1.75, debias 0.75 -> 7/3
    const smoothed = emaSmooth([1, NaN, Infinity, 3], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBe(Infinity);
    expect(smoothed[3]).toBeCloseTo(7 / 3, 12);
  });

  it('keeps a constant series exactly constant (TensorBoard #786)', () => {
    expect(emaSmooth([0.1, 0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1, 0.1]);
  });

  it('starts at the first value whatever the weight (the debiasing)', () => {
    expect(emaSmooth([7, 9], 0.99)[0]).toBeCloseTo(7, 10);
    // A strong weight stays near the first value: n=2 gives (0.99*0.07 + 0.01*9) / (1 - 0.99^2) = 0.1593 / 0.0199
    expect(emaSmooth([7, 9], 0.99)[1]).toBeCloseTo(0.1593 / 0.0199, 10);
  });

  it('returns a new array and leaves the input alone', () => {
    const values = [1, 2, 3];
    const smoothed = emaSmooth(values, 0);
    expect(smoothed).not.toBe(values);
    expect(values).toEqual([1, 2, 3]);
    expect(emaSmooth([], 0.6)).toEqual([]);
  });

  it('rejects weights outside [0, 1)', () => {
    expect(() => emaSmooth([1], 1)).toThrow(/\[0, 1\)/);
    expect(() => emaSmooth([1], -0.1)).toThrow(RangeError);
    expect(() => emaSmooth([1], NaN)).toThrow(RangeError);
  });
});
