import { describe, expect, it } from 'vitest';
import { woodburyFinish } from './kfac-woodbury.ref';

describe('woodburyFinish (float64 reference)', () => {
  it('(λI + s·xxᵀ)⁻¹ for one row x = (1, 2): P = xᵀ(λ + s|x|²)⁻¹x, then (I − sP)/λ', () => {
    // s = 0.5, λ = 0.25: K = 0.5·5 + 0.25 = 2.75, P = xᵀx / 2.75.
    const inverse = Float64Array.from([1, 2, 2, 4], (v) => v / 2.75);
    woodburyFinish(inverse, [9, 0.25], 2, 0.5, 1);
    // Direct: λI + s·xᵀx = [[0.75, 1], [1, 2.25]], det 0.6875.
    [2.25 / 0.6875, -1 / 0.6875, -1 / 0.6875, 0.75 / 0.6875].forEach((value, i) => expect(inverse[i]).toBeCloseTo(value, 13));
  });
});
