import { describe, expect, it } from 'vitest';
import { minMaxAverage } from './minmax-average.ref';
import { minMaxAverageTable } from './minmax-average-shape';

describe('min-max running average reference', () => {
  it('normalises each vector by its own min and max, by hand', () => {
    // Vector 1 = [4, 2, 2, 1] (min 1, max 4) at 0; vector 2 = [3, 5] at 5; entry 4 is padding.
    const factors = Float64Array.of(1, 0, 0, 1, 9, 2, 2);
    minMaxAverage(
      factors,
      [4, 2, 2, 1, 7, 3, 5],
      [
        { offset: 0, length: 4 },
        { offset: 5, length: 2 },
      ],
      0.08,
      0.008,
    );
    const expected = [0.08 + 0.008, 0.008 / 3, 0.008 / 3, 0.08, 9, 0.16, 0.16 + 0.008];
    factors.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it('maps a constant vector to 0 and a vector of range 1e-12 to [0, 0.5]', () => {
    const factors = new Float64Array(5);
    minMaxAverage(
      factors,
      [2, 2, 2, 0, 1e-12],
      [
        { offset: 0, length: 3 },
        { offset: 3, length: 2 },
      ],
      0,
      1,
    );
    expect(Array.from(factors.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(factors[4]).toBeCloseTo(0.5, 12);
    expect(() => minMaxAverage(factors, [1, 2, 3, 4, 5], [{ offset: 4, length: 2 }], 0, 1)).toThrow(
      'minMaxAverage: the vector (4, 2) is empty or ends past 5 values',
    );
  });

  it('cuts vectors into pieces that know their siblings', () => {
    const { table, pieces } = minMaxAverageTable(
      [
        { offset: 0, length: 5 },
        { offset: 8, length: 2 },
      ],
      2,
    );
    expect(pieces).toBe(4);
    expect(Array.from(table)).toEqual([0, 2, 0, 3, 2, 2, 0, 3, 4, 1, 0, 3, 8, 2, 3, 1]);
  });
});
