import { describe, expect, it } from 'vitest';
import { philox4x32_10, philoxUniform } from './philox.ref';

describe('philox4x32_10', () => {
  // Random123's known-answer vectors (its tests/kat_vectors), the third from the digits of pi.
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ] as const)('matches Random123 for counter %j and key %j', (counter, key, expected) => {
    expect(philox4x32_10(counter, key)).toEqual(expected);
  });
});

describe('philoxUniform', () => {
  it('fills [0, 1) with floats exact in float32, uniform in mean and variance, different per step and stream', () => {
    const values = philoxUniform(40_000, 7, 1, 3);
    expect(Float32Array.from(values)).toEqual(Float32Array.from(values, (v) => v));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    // Standard errors: 1/sqrt(12 n) = 0.0014 for the mean, about 0.0004 for the variance.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.006);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    expect(philoxUniform(8, 7, 1, 4)).not.toEqual(philoxUniform(8, 7, 1, 3));
    expect(philoxUniform(8, 7, 2, 3)).not.toEqual(philoxUniform(8, 7, 1, 3));
    // Element i is independent of n: a longer fill extends a shorter one.
    expect(philoxUniform(10, 7, 1, 3)).toEqual(values.slice(0, 10));
  });
});
