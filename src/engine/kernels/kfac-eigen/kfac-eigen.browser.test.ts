import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import { eigenLayout } from './kfac-eigen-layout';
import * as gpu from './kfac-eigen';
import { jacobiEigen } from './kfac-eigen.ref';
import { maxAbs } from '../../testing/max-error';

function reconstruct(vectors: ArrayLike<number>, values: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += vectors[i * n + k] * values[k] * vectors[j * n + k];
  return out;
}

/** A factor like the notebook's: 0.95 I + 0.05 · a Gram matrix of `rank` random rows, rounded to float32. */
function emaFactor(seed: number, n: number, rank: number): Float64Array {
  const x = randomArray(createRng(seed), rank * n);
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) M[i * n + i] = 0.95;
  for (let r = 0; r < rank; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] += (0.05 * x[r * n + i] * x[r * n + j]) / rank;
  return asFloat32Values(M);
}

// Float32 rotations: the reconstruction V diag(d) Vᵀ (against the twin's) and VᵀV − I grow with
// the rotations each entry goes through (n per sweep). Measured worst (n = 65): reconstruction
// 6.6e-6 of max |M|, orthogonality 6.8e-6, eigenvalues 1.1e-6 of max |M|; where the spectrum is
// well separated, V itself matches the float64 twin's rotations to 1.4e-6.
const TOLERANCE = 3e-5;

describe('kfacEigen on the GPU', () => {
  it('decomposes 1x1, hand-worked, random full-rank and low-rank matrices in one dispatch, and NaN for a non-finite one', async () => {
    const ctx = await testContext();
    const rng = createRng(3);
    const random = (n: number) => {
      const a = randomArray(rng, n * n);
      return asFloat32Values(Float64Array.from({ length: n * n }, (_, e) => a[e] + a[(e % n) * n + Math.floor(e / n)]));
    };
    const matrices: { n: number; M: Float64Array; compareVectors: boolean }[] = [
      { n: 1, M: Float64Array.of(4), compareVectors: true },
      { n: 3, M: Float64Array.of(2, 0, 0, 0, 3, 4, 0, 4, 9), compareVectors: true },
      { n: 17, M: random(17), compareVectors: true },
      { n: 65, M: emaFactor(5, 65, 4), compareVectors: false },
      { n: 10, M: emaFactor(6, 10, 10), compareVectors: false },
      { n: 2, M: Float64Array.of(1, NaN, NaN, 1), compareVectors: false },
    ];
    let cursor = 0;
    const placed = matrices.map((m) => {
      const inOffset = cursor;
      cursor += m.n * m.n + 3;
      return { ...m, inOffset };
    });
    const inp = new Float32Array(cursor);
    for (const m of placed) inp.set(m.M, m.inOffset);
    const layout = eigenLayout(placed, 4);
    const out = upload(ctx, 'eigen', new Float32Array(layout.totalElements));
    const table = upload(ctx, 'table', layout.words, undefined, 'u32');
    await runPlan(ctx, 'kfac-eigen', (plan) => gpu.kfacEigen(plan, out, upload(ctx, 'factors', inp), table, layout));
    const got = await download(ctx, out);
    const worst = { reconstruction: 0, orthogonality: 0, values: 0, vectors: 0 };
    placed.forEach(({ n, M, compareVectors }, index) => {
      const { outOffset, valuesOffset } = layout.entries[index];
      const V = got.subarray(outOffset, outOffset + n * n);
      const d = got.subarray(valuesOffset, valuesOffset + n);
      if (!M.every(Number.isFinite)) {
        expect([...V, ...d].every(Number.isNaN), 'NaN matrix').toBe(true);
        return;
      }
      const twin = jacobiEigen(M, n);
      const sorted = (values: ArrayLike<number>) => Array.from(values).sort((a, b) => a - b);
      const scale = maxAbs(M);
      // Against the twin's V diag(d) Vᵀ: negative eigenvalues (the random symmetric matrix) are set to 0 on both sides.
      const expected = reconstruct(twin.vectors, twin.values, n);
      worst.reconstruction = Math.max(worst.reconstruction, maxAbs(reconstruct(V, d, n).map((v, i) => v - expected[i])) / scale);
      worst.orthogonality = Math.max(
        worst.orthogonality,
        maxAbs(reconstruct(V, new Float64Array(n).fill(1), n).map((v, i) => v - (i % (n + 1) === 0 ? 1 : 0))),
      );
      const expectedValues = sorted(twin.values);
      worst.values = Math.max(worst.values, maxAbs(sorted(d).map((v, i) => v - expectedValues[i])) / scale);
      if (compareVectors) worst.vectors = Math.max(worst.vectors, maxAbs(Array.from(V, (v, i) => v - twin.vectors[i])));
    });
    console.log(`kfacEigen worst: ${JSON.stringify(worst)}`);
    expect(worst.reconstruction).toBeLessThan(TOLERANCE);
    expect(worst.orthogonality).toBeLessThan(TOLERANCE);
    expect(worst.values).toBeLessThan(TOLERANCE);
    expect(worst.vectors).toBeLessThan(TOLERANCE);
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'kfac-eigen-checks', 'test');
    const layout = eigenLayout([{ n: 3, inOffset: 0 }], 4);
    const table = upload(ctx, 'table', layout.words, undefined, 'u32');
    expect(() => gpu.kfacEigen(plan, upload(ctx, 'out', new Float32Array(layout.totalElements)), upload(ctx, 'short', [1, 2]), table, layout)).toThrow(
      'kfacEigen: matrix 0 (3x3 at 0) runs past inp "short" of 2 elements',
    );
    expect(() => gpu.kfacEigen(plan, upload(ctx, 'small', [0]), upload(ctx, 'M', new Float32Array(9)), table, layout)).toThrow(
      'kfacEigen: out "small" has 1 elements, expected 21 (the eigen layout\'s totalElements)',
    );
  });
});
