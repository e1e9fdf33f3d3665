import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { gramOfRandomRows } from '../../testing/random-statistics';
import { matrixTable } from '../matrix-table';
import { philox4x32_10, philoxUniformOf } from '../philox/philox.ref';
import { NEWTON_ITERATIONS, RootStatus } from './matrix-root-shape';
import {
  identity,
  inverseRoot,
  inverseRootsPacked,
  matmulSquare,
  matPower,
  maxDeviationFromIdentity,
  powerIteration,
  powerIterationStart,
  statusCode,
} from './matrix-root.ref';

/** (S)^(-1/p) from ml-matrix's symmetric eigendecomposition, with the eigenvalues. */
function eigenRoot(s: Float64Array, n: number, p: number): { root: Float64Array; eigenvalues: number[] } {
  const rows = Array.from({ length: n }, (_, i) => Array.from(s.subarray(i * n, (i + 1) * n)));
  const decomposition = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const vectors = decomposition.eigenvectorMatrix;
  const eigenvalues = decomposition.realEigenvalues;
  const root = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors.get(i, k) * eigenvalues[k] ** (-1 / p) * vectors.get(j, k);
      root[i * n + j] = sum;
    }
  }
  return { root, eigenvalues };
}

function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

const start = (n: number, matrix = 0) => powerIterationStart(n, 11, 3, 0, matrix);

/** 1e-12 I + G^T G for a 2 x 9 gradient G, rounded to float32 as the GPU holds it. */
function roundedRankDeficient(): Float64Array {
  return Float64Array.from(Float32Array.from(gramOfRandomRows(2, 9, 5), (value, i) => value + (i % 10 === 0 ? 1e-12 : 0)));
}

describe('inverseRoot (float64 ComputePower)', () => {
  // Well conditioned: a Gram matrix of more rows than columns plus I, condition number below 100.
  // The Newton iteration stops at max|M - I| <= 1e-6, so X^p (S + ridge) is I to about 1e-6 and
  // X itself to about 1e-6 / p relative; measured worst 7.3e-8 over these cases.
  it.each([
    [2, 4],
    [5, 8],
    [16, 4],
    [16, 8],
    [33, 2],
    [33, 8],
  ])('matches the eigendecomposition root of a well-conditioned statistic, n = %i, p = %i', (n, p) => {
    const s = gramOfRandomRows(3 * n, n, n * 10 + p);
    for (let i = 0; i < n; i++) s[i * n + i] += 3 * n;
    const damping = 1e-4;
    const before = Float64Array.from(s);
    const result = inverseRoot(s, n, p, start(n), { damping });
    expect(result.stop).toBe('converged');
    const { root, eigenvalues } = eigenRoot(before, n, p);
    // The ridge is damping times λmax, added to the statistic itself. The power iteration stops
    // once its estimate moves by 1e-6 or less (absolute), which with close top eigenvalues can
    // still be 2% low (measured: the 33 x 33 case).
    const largest = Math.max(...eigenvalues);
    expect(result.lambda).toBeLessThanOrEqual(largest * (1 + 1e-12));
    expect(result.lambda).toBeGreaterThan(0.95 * largest);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) expect(s[i * n + j]).toBe(before[i * n + j] + (i === j ? damping * result.lambda : 0));
    }
    const expected = eigenRoot(s, n, p).root;
    expect(relativeDifference(result.root, expected)).toBeLessThan(1e-6);
    expect(relativeDifference(result.root, root)).toBeGreaterThan(0);
    // X^p (S + ridge I) = I.
    expect(maxDeviationFromIdentity(matmulSquare(matPower(result.root, n, p), s, n), n)).toBeLessThan(1e-5);
  });

  it('returns the identity for a 1 x 1 statistic and leaves it alone', () => {
    const s = Float64Array.of(42);
    const result = inverseRoot(s, 1, 4, start(1), { damping: 0.5 });
    expect(result).toMatchObject({ stop: 'identity', iterations: 0, powerIterations: 0 });
    expect([...result.root]).toEqual([1]);
    expect([...s]).toEqual([42]);
    expect(statusCode(result)).toBe(RootStatus.identity);
  });

  it("follows ASDL's power iteration: estimates v.Sv of the normalised iterate, error from 0, an absolute tolerance", () => {
    // S = diag(3, 1), v0 = (1, 1): s1 = (3 + 1) / 2 = 2, then v = (3, 1)/sqrt(10) and s2 = (27 + 1) / 10 = 2.8.
    const s = Float64Array.of(3, 0, 0, 1);
    const first = powerIteration(s, 2, Float64Array.of(1, 1), 1e-6, 1);
    expect(first.iterations).toBe(1);
    expect(first.lambda).toBeCloseTo(2, 14);
    expect(powerIteration(s, 2, Float64Array.of(1, 1), 1e-6, 2).lambda).toBeCloseTo(2.8, 14);
    const converged = powerIteration(s, 2, Float64Array.of(1, 1));
    expect(converged.lambda).toBeCloseTo(3, 6);
    expect(converged.iterations).toBeLessThan(100);
    // The tolerance is on the change of the estimate, not relative: with close eigenvalues it stops
    // early, low: diag(1, 0.999) gives 0.9995 then 0.99950050 (a change of 5e-7), and stops there.
    const early = powerIteration(Float64Array.of(1, 0, 0, 0.999), 2, Float64Array.of(1, 1));
    expect(early.iterations).toBe(2);
    expect(early.lambda).toBeCloseTo(1.997002999 / 1.998001, 14);
  });

  it('starts the power iteration from Philox numbers in [-1, 1), matrix i using counter word 2 = i', () => {
    const v = powerIterationStart(6, 11, 3, 7, 2);
    const words = [...philox4x32_10([0, 7, 2, 0], [11, 3]), ...philox4x32_10([1, 7, 2, 0], [11, 3])];
    expect([...v]).toEqual(words.slice(0, 6).map((word) => 2 * philoxUniformOf(word) - 1));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThan(1);
    expect(powerIterationStart(6, 11, 3, 7, 3)).not.toEqual(v);
  });

  it('keeps a rank-deficient statistic finite: a 9 x 9 from a 2 x 9 gradient, as float32 holds it', () => {
    for (const p of [4, 8]) {
      const s = roundedRankDeficient();
      const result = inverseRoot(s, 9, p, start(9), { damping: 1e-12 });
      expect(result.root.every(Number.isFinite)).toBe(true);
      // Float32 rounding leaves the seven null eigenvalues near ±1e-7 λmax, some negative: the
      // iteration grows those by (1 + 1/p)^p per step until the error rises and the step is refused.
      expect(result.stop).toBe('rejected');
      expect(result.iterations).toBeGreaterThan(10);
    }
  });

  it('discards the step whose error rises by more than 1.2 times, keeping the root before it', () => {
    const s = roundedRankDeficient();
    const rejected = inverseRoot(Float64Array.from(s), 9, 8, start(9), { damping: 1e-12 });
    expect(rejected.stop).toBe('rejected');
    expect(rejected.iterations).toBeLessThan(NEWTON_ITERATIONS);
    const stopped = inverseRoot(Float64Array.from(s), 9, 8, start(9), { damping: 1e-12, maxIterations: rejected.iterations });
    expect(stopped.stop).toBe('limit');
    expect(stopped.root).toEqual(rejected.root);
    expect(stopped.error).toBe(rejected.error);
    // One step more would have been taken without the rule: its error is above 1.2 times this one.
    const oneMore = inverseRoot(Float64Array.from(s), 9, 8, start(9), { damping: 1e-12, maxIterations: rejected.iterations + 1, tolerance: 0 });
    expect(oneMore.stop).toBe('rejected');
  });

  it('stops at the iteration limit with the last accepted root', () => {
    const s = gramOfRandomRows(2, 9, 5);
    const limited = inverseRoot(s, 9, 4, start(9), { damping: 1e-12, maxIterations: 3 });
    expect(limited).toMatchObject({ stop: 'limit', iterations: 3 });
    expect(limited.error).toBeGreaterThan(1e-6);
  });

  it("computes T^p as ASDL's MatPower: repeated squaring for powers of two, binary powering otherwise", () => {
    const m = Float64Array.of(1, 0.5, 0.25, 2);
    let expected = identity(2);
    for (let k = 1; k <= 6; k++) {
      expected = matmulSquare(expected, m, 2);
      const power = matPower(m, 2, k);
      for (let i = 0; i < 4; i++) expect(power[i]).toBeCloseTo(expected[i], 12);
    }
  });

  it('treats a packed batch matrix by matrix, the ridge in the packed statistics', () => {
    const table = matrixTable([3, 1, 4], 16);
    const matrices = [gramOfRandomRows(5, 3, 1), Float64Array.of(2), gramOfRandomRows(6, 4, 2)];
    const packed = new Float64Array(table.totalElements);
    table.entries.forEach(({ offset }, i) => packed.set(matrices[i], offset));
    const { roots, results } = inverseRootsPacked(table, packed, [4, 4, 8], { seed: 11, stream: 3, step: 0 }, { damping: 1e-3 });
    expect(results.map((result) => result.stop)).toEqual(['converged', 'identity', 'converged']);
    table.entries.forEach(({ offset, n }, i) => {
      const alone = Float64Array.from(matrices[i]);
      const result = inverseRoot(alone, n, [4, 4, 8][i], start(n, i), { damping: 1e-3 });
      expect(roots.subarray(offset, offset + n * n)).toEqual(result.root);
      expect(packed.subarray(offset, offset + n * n)).toEqual(alone);
    });
  });
});
