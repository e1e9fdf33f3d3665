import { describe, expect, it } from 'vitest';
import { formatLoss, logTicks, lossScale } from './loss-scale';

describe('formatLoss', () => {
  it('keeps three significant digits, without trailing zeros', () => {
    expect(formatLoss(0.81234)).toBe('0.812');
    expect(formatLoss(1.25)).toBe('1.25');
    expect(formatLoss(2)).toBe('2');
    expect(formatLoss(0.000431)).toBe('0.000431');
    expect(formatLoss(12345)).toBe('12300');
  });
  it('writes very small and very large losses in exponent form', () => {
    expect(formatLoss(0.0000123)).toBe('1.23e-5');
    expect(formatLoss(2e7)).toBe('2e+7');
  });
});

describe('logTicks', () => {
  it('takes the 1-2-5 values inside a wide range', () => {
    expect(logTicks(0.15, 30)).toEqual([0.2, 0.5, 1, 2, 5, 10, 20]);
  });
  it('spaces five values evenly in log10 when fewer than three 1-2-5 values fit', () => {
    // 0.65 .. 1.08 (the seed's Iris losses) holds only 1 of the 1-2-5 values.
    const ticks = logTicks(0.65, 1.08);
    expect(ticks).toHaveLength(5);
    expect(ticks[0]).toBe(0.65);
    expect(ticks[4]).toBe(1.08);
    // The middle one is the geometric mean: sqrt(0.65 * 1.08) = 0.8379.
    expect(ticks[2]).toBe(0.838);
  });
  it('gives the one value of an empty range', () => {
    expect(logTicks(0.5, 0.5)).toEqual([0.5]);
  });
});

describe('lossScale', () => {
  const grid = [
    [0.5, 1, null],
    [2, 4, 8],
  ];
  it('spans every measured value of every grid, linear', () => {
    const scale = lossScale([grid, [[16, null]]], false);
    expect(scale.range).toEqual([0.5, 16]);
    expect(scale.drawn(3)).toBe(3);
    expect(scale.drawn(null)).toBeNull();
    expect(scale.ticks).toBeNull();
  });
  it('draws log10 of the loss and labels the ticks in loss units', () => {
    const scale = lossScale([grid], true);
    expect(scale.range![0]).toBeCloseTo(Math.log10(0.5), 12);
    expect(scale.range![1]).toBeCloseTo(Math.log10(8), 12);
    expect(scale.drawn(100)).toBeCloseTo(2, 12);
    expect(scale.drawn(0)).toBeNull();
    expect(scale.drawn(-1)).toBeNull();
    expect(scale.ticks!.labels).toEqual(['0.5', '1', '2', '5']);
    expect(scale.ticks!.values.map((value) => 10 ** value)).toEqual([0.5, 1, 2, 5].map((value) => expect.closeTo(value, 12)));
  });
  it('has no range while nothing is measured', () => {
    expect(lossScale([[[null, null]]], true).range).toBeNull();
    expect(lossScale([], false).range).toBeNull();
  });
});
