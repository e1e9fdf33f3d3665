import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './pool2d';
import { pool2dOutputSize } from './pool2d-shape';
import * as ref from './pool2d.ref';

// Window sums have at most 64 terms and the max kernels only move values, so float32 stays
// within a few ulps of the float64 reference.
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

async function checkPooling(B: number, C: number, H: number, W: number, K: number, stride: number, inp: Float64Array, seed: number): Promise<void> {
  const ctx = await testContext();
  const rng = createRng(seed);
  const nOut = B * C * pool2dOutputSize(H, K, stride) * pool2dOutputSize(W, K, stride);
  const nInp = B * C * H * W;
  const dOut = asFloat32Values(randomArray(rng, nOut));
  const previous = asFloat32Values(randomArray(rng, nInp));
  const tInp = upload(ctx, 'inp', inp, [B, C, H, W]);
  const tDOut = upload(ctx, 'dOut', dOut);
  const tMaxOut = upload(ctx, 'maxOut', new Float32Array(nOut).fill(123));
  const tAvgOut = upload(ctx, 'avgOut', new Float32Array(nOut).fill(123));
  const tMaxDInp = upload(ctx, 'maxDInp', new Float32Array(nInp).fill(123));
  const tMaxDAcc = upload(ctx, 'maxDAcc', previous);
  const tAvgDInp = upload(ctx, 'avgDInp', new Float32Array(nInp).fill(123));
  const tAvgDAcc = upload(ctx, 'avgDAcc', previous);
  await runPlan(ctx, 'pool2d', (plan) => {
    gpu.maxPool2dForward(plan, tMaxOut, tInp, B, C, H, W, K, stride);
    gpu.avgPool2dForward(plan, tAvgOut, tInp, B, C, H, W, K, stride);
    gpu.maxPool2dBackward(plan, tMaxDInp, tDOut, tInp, B, C, H, W, K, stride, OVERWRITE_ALL);
    gpu.maxPool2dBackward(plan, tMaxDAcc, tDOut, tInp, B, C, H, W, K, stride, { accumulate: true });
    gpu.avgPool2dBackward(plan, tAvgDInp, tDOut, B, C, H, W, K, stride, OVERWRITE_ALL);
    gpu.avgPool2dBackward(plan, tAvgDAcc, tDOut, B, C, H, W, K, stride, { accumulate: true });
  });
  const maxOut = new Float64Array(nOut);
  ref.maxPool2dForward(maxOut, inp, B, C, H, W, K, stride);
  const avgOut = new Float64Array(nOut);
  ref.avgPool2dForward(avgOut, inp, B, C, H, W, K, stride);
  const maxDInp = new Float64Array(nInp);
  ref.maxPool2dBackward(maxDInp, dOut, inp, B, C, H, W, K, stride, OVERWRITE_ALL);
  const maxDAcc = previous.slice();
  ref.maxPool2dBackward(maxDAcc, dOut, inp, B, C, H, W, K, stride, ACCUMULATE_ALL);
  const avgDInp = new Float64Array(nInp);
  ref.avgPool2dBackward(avgDInp, dOut, B, C, H, W, K, stride, OVERWRITE_ALL);
  const avgDAcc = previous.slice();
  ref.avgPool2dBackward(avgDAcc, dOut, B, C, H, W, K, stride, ACCUMULATE_ALL);
  const checks = [
    ['max out', tMaxOut, maxOut],
    ['avg out', tAvgOut, avgOut],
    ['max dInp', tMaxDInp, maxDInp],
    ['max dInp accumulated', tMaxDAcc, maxDAcc],
    ['avg dInp', tAvgDInp, avgDInp],
    ['avg dInp accumulated', tAvgDAcc, avgDAcc],
  ] as const;
  for (const [name, tensor, expected] of checks) {
    const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
    expect(result.ok, result.report).toBe(true);
  }
  ctx.pool.releaseOwner('test');
}

describe('pool2d on the GPU', () => {
  // [B, C, H, W, K, stride]: one window, exact tiling, odd sizes (last row/column dropped),
  // overlapping windows, a global average pool, and stride > K (inputs between windows).
  const shapes = [
    [1, 1, 2, 2, 2, 2],
    [2, 3, 8, 8, 2, 2],
    [1, 5, 7, 9, 2, 2],
    [2, 3, 7, 7, 3, 2],
    [3, 16, 8, 8, 8, 8],
    [1, 2, 7, 8, 2, 3],
  ] as const;
  for (const [B, C, H, W, K, stride] of shapes) {
    it(`max and avg forward and backward match the reference, B=${B} C=${C} H=${H} W=${W} K=${K} stride=${stride}`, async () => {
      const seed = B * 1000 + C * 100 + H * 10 + W + K + stride;
      const inp = asFloat32Values(randomArray(createRng(seed + 1), B * C * H * W));
      await checkPooling(B, C, H, W, K, stride, inp, seed);
    });
  }

  for (const [B, C, H, W, K, stride] of [
    [2, 3, 8, 8, 2, 2],
    [2, 3, 7, 7, 3, 2],
  ] as const) {
    it(`max pool gives ties to the first element, B=${B} C=${C} H=${H} W=${W} K=${K} stride=${stride}`, async () => {
      // Post-ReLU activations quantised to quarters: mostly zeros, the rest repeated values,
      // so most windows hold exact ties.
      const rng = createRng(99 + H);
      const inp = randomArray(rng, B * C * H * W).map((v) => Math.max(0, Math.round(v * 3) / 4));
      let windowsWithTies = 0;
      const Hout = pool2dOutputSize(H, K, stride);
      const Wout = pool2dOutputSize(W, K, stride);
      for (let p = 0; p < B * C; p++) {
        for (let oh = 0; oh < Hout; oh++) {
          for (let ow = 0; ow < Wout; ow++) {
            const window: number[] = [];
            for (let kh = 0; kh < K; kh++) {
              for (let kw = 0; kw < K; kw++) window.push(inp[(p * H + oh * stride + kh) * W + ow * stride + kw]);
            }
            const top = Math.max(...window);
            if (window.filter((v) => v === top).length > 1) windowsWithTies++;
          }
        }
      }
      expect(windowsWithTies).toBeGreaterThan((B * C * Hout * Wout) / 4);
      await checkPooling(B, C, H, W, K, stride, inp, 500 + H);
    });
  }

  it('rejects tensors whose size does not match the shape', async () => {
    const ctx = await testContext();
    const tInp = upload(ctx, 'inp', new Float32Array(16));
    const tOut = upload(ctx, 'out', new Float32Array(3));
    await expect(runPlan(ctx, 'pool2d-bad', (plan) => gpu.maxPool2dForward(plan, tOut, tInp, 1, 1, 4, 4, 2, 2))).rejects.toThrow(
      /maxPool2dForward: out "out" has 3 elements, expected 4/,
    );
    await expect(runPlan(ctx, 'pool2d-bad', (plan) => gpu.avgPool2dForward(plan, tOut, tInp, 1, 1, 4, 4, 5, 1))).rejects.toThrow(/window is larger/);
    ctx.pool.releaseOwner('test');
  });
});
