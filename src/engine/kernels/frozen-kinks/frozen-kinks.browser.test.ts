import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { download, runPlan, testContext, upload, zeros } from '../../testing/gpu-test';
import { pool2dOutputSize } from '../pool2d/pool2d-shape';
import { copyValues, maxPool2dForwardAt } from './frozen-kinks';
import { maxPool2dForwardAt as maxPool2dForwardAtRef } from './frozen-kinks.ref';

describe('frozen-kink kernels on the GPU', () => {
  // Selection and copying only: the GPU must agree exactly.
  it.each([
    [2, 3, 7, 5, 3, 2],
    [1, 1, 1, 1, 1, 1],
    [3, 5, 9, 9, 2, 2],
    [1, 2, 6, 7, 3, 3],
  ])('maxPool2dForwardAt (B, C, H, W, K, stride) = (%i, %i, %i, %i, %i, %i) picks the reference elements', async (B, C, H, W, K, stride) => {
    const ctx = await testContext();
    const rng = createRng(B * 100 + H);
    const inp = Float32Array.from(randomArray(rng, B * C * H * W));
    // Coarse values in `at` make ties, which must go to the first maximum.
    const at = Float32Array.from(randomArray(rng, B * C * H * W), (x) => Math.round(3 * x));
    const n = B * C * pool2dOutputSize(H, K, stride) * pool2dOutputSize(W, K, stride);
    const out = zeros(ctx, 'out', [n]);
    await runPlan(ctx, 'max-pool-at', (plan) => maxPool2dForwardAt(plan, out, upload(ctx, 'inp', inp), upload(ctx, 'at', at), B, C, H, W, K, stride));
    const expected = new Float64Array(n);
    maxPool2dForwardAtRef(expected, inp, at, B, C, H, W, K, stride);
    expect(Array.from(await download(ctx, out))).toEqual(Array.from(expected));
    ctx.pool.releaseOwner('test');
  });

  it('copies n values exactly', async () => {
    const ctx = await testContext();
    for (const n of [1, 255, 1000]) {
      const values = Float32Array.from(randomArray(createRng(n), n));
      const out = zeros(ctx, 'out', [n]);
      await runPlan(ctx, 'copy', (plan) => copyValues(plan, out, upload(ctx, 'inp', values), n));
      expect(await download(ctx, out)).toEqual(values);
    }
    ctx.pool.releaseOwner('test');
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const t = (label: string, n: number) => zeros(ctx, label, [n]);
    await runPlan(ctx, 'checks', (plan) => {
      expect(() => maxPool2dForwardAt(plan, t('out', 4), t('inp', 9), t('at', 8), 1, 1, 3, 3, 2, 1)).toThrow(
        'maxPool2dForwardAt: at "at" has 8 elements, expected 9 (B*C*H*W for B=1, C=1, H=3, W=3, K=2, stride=1)',
      );
      expect(() => copyValues(plan, t('short', 3), t('inp', 4), 4)).toThrow('copy_values: out "short" has 3 elements, expected 4 (n)');
    });
    ctx.pool.releaseOwner('test');
  });
});
