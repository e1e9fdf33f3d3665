import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { eigenLayout } from './kfac-eigen-layout';
import { jacobiEigen, kfacEigen } from './kfac-eigen.ref';
import { maxAbs } from '../../testing/max-error';

/** V diag(values) Vᵀ. */
function reconstruct(vectors: Float64Array, values: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += vectors[i * n + k] * values[k] * vectors[j * n + k];
  return out;
}

describe('jacobiEigen (float64)', () => {
  it('2x2 by hand: [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, ∓1)/√2', () => {
    const { vectors, values } = jacobiEigen([2, 1, 1, 2], 2);
    // θ = 0, t = 1, c = s = 1/√2: a_pp = 2 − 1 = 1, a_qq = 3; V = [[c, s], [−s, c]].
    expect(values[0]).toBeCloseTo(1, 15);
    expect(values[1]).toBeCloseTo(3, 15);
    [Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT1_2].forEach((v, i) => expect(vectors[i]).toBeCloseTo(v, 15));
  });

  it('3x3 by hand: [[2, 0, 0], [0, 3, 4], [0, 4, 9]] has eigenvalues 2, 1 and 11', () => {
    const { values, vectors } = jacobiEigen([2, 0, 0, 0, 3, 4, 0, 4, 9], 3);
    expect([...values].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([2, 1, 11]);
    // (0, 2, −1)/√5 for 1 and (0, 1, 2)/√5 for 11, up to sign.
    expect(Math.abs(vectors[1 * 3 + 1] * Math.sqrt(5))).toBeCloseTo(2, 12);
    expect(Math.abs(vectors[2 * 3 + 2] * Math.sqrt(5))).toBeCloseTo(2, 12);
  });

  it('reconstructs random symmetric matrices (odd sizes, rank-deficient) with orthonormal vectors', () => {
    const rng = createRng(4);
    for (const [n, rank] of [
      [1, 1],
      [7, 7],
      [20, 3],
    ]) {
      const x = randomArray(rng, rank * n);
      const M = new Float64Array(n * n);
      for (let r = 0; r < rank; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] += x[r * n + i] * x[r * n + j];
      const { vectors, values, sweeps } = jacobiEigen(M, n, 2.2e-16, -Infinity);
      expect(sweeps).toBeLessThan(15);
      expect(maxAbs(reconstruct(vectors, values, n).map((v, i) => v - M[i])) / maxAbs(M)).toBeLessThan(1e-13);
      const gram = reconstruct(vectors, new Float64Array(n).fill(1), n);
      expect(maxAbs(gram.map((v, i) => v - (i % (n + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-13);
      // Rank-deficient: n − rank eigenvalues vanish (to rounding).
      expect([...values].filter((v) => Math.abs(v) < 1e-10).length).toBe(n - rank);
    }
  });

  it('sets eigenvalues at or below 1e-10 to 0, and gives NaN for a non-finite matrix', () => {
    expect([...jacobiEigen([1e-10, 0, 0, -3], 2).values]).toEqual([0, 0]);
    expect([...jacobiEigen([2e-10, 0, 0, 5], 2).values]).toEqual([2e-10, 5]);
    const bad = jacobiEigen([1, NaN, NaN, 1], 2);
    expect([...bad.values, ...bad.vectors].every(Number.isNaN)).toBe(true);
  });

  it('lays out V, the values and a working copy per matrix, aligned', () => {
    const layout = eigenLayout(
      [
        { n: 3, inOffset: 0 },
        { n: 2, inOffset: 64 },
      ],
      256,
    );
    // V of 9 at 0, values at 64 (aligned), work to 64 + 3 + 9; then V at 128, values at 192.
    expect(layout.entries.map((e) => [e.outOffset, e.valuesOffset])).toEqual([
      [0, 64],
      [128, 192],
    ]);
    expect(layout.totalElements).toBe(256);
    expect([...layout.words]).toEqual([0, 3, 0, 64, 64, 2, 128, 192]);
    const out = new Float64Array(layout.totalElements);
    const inp = new Float64Array(128);
    inp.set([2, 1, 1, 2], 64);
    inp.set([1, 0, 0, 0, 1, 0, 0, 0, 1], 0);
    kfacEigen(out, inp, layout);
    expect([...out.slice(64, 67)]).toEqual([1, 1, 1]);
    expect(out[192]).toBeCloseTo(1, 15);
    expect(out[193]).toBeCloseTo(3, 15);
  });
});
