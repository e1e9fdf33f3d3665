import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './clip-norm';
import * as ref from './clip-norm.ref';

// The norm is a sum of n squares in float32, per invocation then by tree: its worst relative
// error measured was 5.6e-8 (n = 100,003); the clipped values inherit it through the factor
// (worst |gpu - ref| 6.3e-9 on values below 1).
const NORM_RTOL = 1e-6;
const VALUE_TOLERANCE = { atol: 1e-7, rtol: 2e-6 };

describe('gradient-norm clipping on the GPU', () => {
  // (n, maxNorm): a single value, sizes below and across a chunk, the most chunks, and bounds
  // that clip and that do not.
  const cases = [
    [1, 0.5],
    [7, 100],
    [5001, 1],
    [100_003, 10],
    [2_000_003, 1],
    [2_000_003, 1e6],
  ] as const;
  for (const [n, maxNorm] of cases) {
    it(`matches the reference, n=${n} maxNorm=${maxNorm}`, async () => {
      const ctx = await testContext();
      const rng = createRng(n);
      const g = asFloat32Values(randomArray(rng, n));
      // A flat buffer's alignment gaps: zeros between the tensors.
      for (let i = 3; i < n; i += 97) g[i] = 0;
      const tGrads = upload(ctx, 'grads', g);
      const tScratch = upload(ctx, 'scratch', new Float32Array(gpu.clipNormScratchSize(n)).fill(NaN));
      await runPlan(ctx, 'clip', (plan) => gpu.clipGradNorm(plan, tGrads, tScratch, maxNorm));
      const expected = g.slice();
      const norm = ref.clipGradNorm(expected, maxNorm);
      const [gpuNorm] = await download(ctx, tScratch);
      const normError = Math.abs(gpuNorm - norm) / norm;
      const got = await download(ctx, tGrads);
      const result = compareArrays(got, expected, VALUE_TOLERANCE, `clipped, n=${n}`);
      console.log(
        `clip n=${n} c=${maxNorm}: norm ${norm.toFixed(3)}, relative norm error ${normError.toExponential(2)}, max |gpu - ref| ${result.maxAbsDiff.toExponential(2)}`,
      );
      expect(normError).toBeLessThanOrEqual(NORM_RTOL);
      expect(result.ok, result.report).toBe(true);
      if (norm + 1e-6 <= maxNorm)
        expect(
          got.findIndex((value, i) => value !== g[i]),
          'unclipped values are multiplied by exactly 1',
        ).toBe(-1);
      ctx.pool.releaseOwner('test');
    });
  }

  it('turns every value NaN when one gradient is NaN', async () => {
    const ctx = await testContext();
    const g = new Float32Array(9000).fill(0.5);
    g[8000] = NaN;
    const tGrads = upload(ctx, 'grads', g);
    await runPlan(ctx, 'clip-nan', (plan) => gpu.clipGradNorm(plan, tGrads, upload(ctx, 'scratch', new Float32Array(gpu.clipNormScratchSize(9000))), 1));
    const got = await download(ctx, tGrads);
    expect(got.every(Number.isNaN)).toBe(true);
    ctx.pool.releaseOwner('test');
  });

  it('rejects a bad bound, a wrong scratch and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'clip-validation', 'test');
    const grads = upload(ctx, 'grads', new Float32Array(10_000));
    const scratch = upload(ctx, 'scratch', new Float32Array(3));
    expect(gpu.clipNormScratchSize(10_000)).toBe(3);
    expect(() => gpu.clipGradNorm(plan, grads, scratch, -1)).toThrow(/clipGradNorm: maxNorm must be a finite number > 0, got -1/);
    expect(() => gpu.clipGradNorm(plan, grads, upload(ctx, 'short', new Float32Array(2)), 1)).toThrow(
      /clipGradNorm: scratch "short" has 2 elements, expected 3 \(clipNormScratchSize\(10000\) = 1 \+ 2 chunks\)/,
    );
    const two = upload(ctx, 'two', new Float32Array(2));
    expect(() => gpu.clipGradNorm(plan, two, two, 1)).toThrow(/clipGradNorm: scratch "two" and grads "two" share a GPU buffer/);
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
