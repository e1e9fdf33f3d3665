import { describe, expect, it } from 'vitest';
import { OVERWRITE_ALL } from '../backward-options';
import { reshape, tensorView } from '../../gpu/tensor';
import { writeTensor } from '../../gpu/transfer';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as add from '../add/add';
import * as addRef from '../add/add.ref';
import * as relu from '../relu/relu';
import * as reluRef from '../relu/relu.ref';
import * as gpu from './flatten';
import * as ref from './flatten.ref';

// The kernels that read the views do one float32 operation per element.
const TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

describe('flatten on the GPU', () => {
  for (const [B, C, H, W] of [
    [1, 1, 1, 1],
    [2, 3, 5, 7],
    [1, 5, 3, 3],
  ] as const) {
    it(`kernels reading the views match the reference flatten, B=${B} C=${C} H=${H} W=${W}`, async () => {
      const ctx = await testContext();
      const n = B * C * H * W;
      const rng = createRng(n);
      const x = asFloat32Values(randomArray(rng, n));
      const bias = asFloat32Values(randomArray(rng, n));
      const dY = asFloat32Values(randomArray(rng, n));
      // An activation that starts past the buffer's first alignment unit, so a view that lost
      // the offset would read the wrong memory.
      const alignment = ctx.device.limits.minStorageBufferOffsetAlignment;
      const buffer = ctx.pool.acquire('x', alignment + n * 4, 'test');
      ctx.device.queue.writeBuffer(buffer, 0, new Float32Array(alignment / 4).fill(-7));
      const tX = tensorView(buffer, [B, C, H, W], { offset: alignment, label: 'x' });
      writeTensor(ctx, tX, x);
      const tBias = upload(ctx, 'bias', bias, [B, C * H * W]);
      const tY = upload(ctx, 'y', new Float32Array(n).fill(123), [B, C * H * W]);
      const tDY = upload(ctx, 'dY', dY, [B, C * H * W]);
      const tDX = upload(ctx, 'dX', new Float32Array(n).fill(123), [B, C, H, W]);

      const flat = gpu.flattenForward(tX, B, C, H, W);
      const dFlat = gpu.flattenBackward(tDY, B, C, H, W);
      expect(flat.shape).toEqual([B, C * H * W]);
      expect(dFlat.shape).toEqual([B, C, H, W]);
      const plan = await runPlan(ctx, 'flatten', (p) => {
        add.addForward(p, tY, flat, tBias, n);
        relu.reluBackward(p, tDX, dFlat, tX, n, OVERWRITE_ALL);
      });
      // The views themselves cost nothing: only the two consumer kernels ran.
      expect(plan.dispatchCount).toBe(2);

      const flatX = new Float64Array(n);
      ref.flattenForward(flatX, x, B, C, H, W);
      const y = new Float64Array(n);
      addRef.addForward(y, flatX, bias, n);
      const dFlatRef = new Float64Array(n);
      ref.flattenBackward(dFlatRef, dY, B, C, H, W);
      const dX = new Float64Array(n);
      reluRef.reluBackward(dX, dFlatRef, x, n, OVERWRITE_ALL);
      for (const [name, tensor, expected] of [
        ['y = flatten(x) + bias', tY, y],
        ['dX = relu backward(unflatten(dY))', tDX, dX],
      ] as const) {
        const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('reshape and the flatten views throw on a size mismatch', async () => {
    const ctx = await testContext();
    const tX = upload(ctx, 'x', new Float32Array(24), [2, 3, 2, 2]);
    expect(() => reshape(tX, [2, 13])).toThrow(/Cannot reshape "x" of shape \[2,3,2,2\] to \[2,13\]/);
    expect(() => gpu.flattenForward(tX, 2, 3, 2, 3)).toThrow(/flattenForward: inp "x" has 24 elements, expected 36/);
    expect(() => gpu.flattenBackward(reshape(tX, [2, 12]), 2, 3, 3, 2)).toThrow(/flattenBackward: dOut "x" has 24 elements, expected 36/);
    ctx.pool.releaseOwner('test');
  });
});
