import { describe, expect, it } from 'vitest';
import { packBiasTable } from './kfac-bias-layout';
import { kfacBias } from './kfac-bias.ref';

describe('kfacBias (float64 reference)', () => {
  it('replaces each bias gradient by B⁻¹ g_b in place, layer by layer', () => {
    const grads = Float64Array.of(1, 2, 7, 3);
    // Layer 0: [[2, 1], [0, 1]] · (1, 2) = (4, 2); layer 1: [[0.5]] · 3 = 1.5; index 2 untouched.
    kfacBias(
      grads,
      [2, 1, 0, 1, 0.5],
      [
        { gradOffset: 0, inverseOffset: 0, side: 2 },
        { gradOffset: 3, inverseOffset: 4, side: 1 },
      ],
    );
    expect([...grads]).toEqual([4, 2, 7, 1.5]);
  });

  it('gives each layer its own scratch range', () => {
    const { words, scratch } = packBiasTable([
      { gradOffset: 10, inverseOffset: 0, side: 3 },
      { gradOffset: 64, inverseOffset: 9, side: 2 },
    ]);
    expect(scratch).toBe(5);
    expect([...words]).toEqual([10, 0, 3, 0, 64, 9, 2, 3]);
  });
});
