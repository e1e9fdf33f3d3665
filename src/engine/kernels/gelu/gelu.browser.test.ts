import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { ComputePlan } from '../../gpu/compute-plan';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './gelu';
import * as ref from './gelu.ref';

// float32 exp and a handful of products and divisions per element: a few ulp of values up to 30.
const TOLERANCE = { atol: 1e-6, rtol: 1e-5 };

async function expectMatchesReference(n: number, inp: Float64Array, seed: number): Promise<void> {
  const ctx = await testContext();
  const rng = createRng(seed);
  const dOut = asFloat32Values(randomArray(rng, n));
  const previous = asFloat32Values(randomArray(rng, n));
  const tInp = upload(ctx, 'inp', inp);
  const tOut = upload(ctx, 'out', new Float32Array(n).fill(123));
  const tDOut = upload(ctx, 'dOut', dOut);
  const tDInp = upload(ctx, 'dInp', new Float32Array(n).fill(123));
  const tDAcc = upload(ctx, 'dAcc', previous);
  await runPlan(ctx, 'gelu', (plan) => {
    gpu.geluForward(plan, tOut, tInp, n);
    gpu.geluBackward(plan, tDInp, tDOut, tInp, n, OVERWRITE_ALL);
    gpu.geluBackward(plan, tDAcc, tDOut, tInp, n, { accumulate: true });
  });
  const out = new Float64Array(n);
  ref.geluForward(out, inp, n);
  const dInp = new Float64Array(n);
  ref.geluBackward(dInp, dOut, inp, n, OVERWRITE_ALL);
  const dAcc = previous.slice();
  ref.geluBackward(dAcc, dOut, inp, n, ACCUMULATE_ALL);
  for (const [name, tensor, expected] of [
    ['out', tOut, out],
    ['dInp', tDInp, dInp],
    ['dInp accumulated', tDAcc, dAcc],
  ] as const) {
    const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
    expect(result.ok, result.report).toBe(true);
  }
  ctx.pool.releaseOwner('test');
}

describe('gelu on the GPU', () => {
  // 1, one below a workgroup of 256, and one not a multiple of it.
  for (const n of [1, 255, 1000]) {
    it(`forward and backward match the reference, n=${n}`, async () => {
      const inp = asFloat32Values(randomArray(createRng(n), n, -6, 6));
      if (n > 4) inp.set([-30, 30, -15, 15], n - 4);
      await expectMatchesReference(n, inp, n + 1);
    });
  }

  it('stays finite and exact over [-30, 30], where a naive tanh overflows', async () => {
    // Steps of 1/8 hit 0, the clamp of 2u at |x| ~ 7, and the extremes exactly.
    const inp = Float64Array.from({ length: 481 }, (_, i) => -30 + i / 8);
    await expectMatchesReference(inp.length, inp, 3);
  });

  it('rejects mismatched sizes and an in-place gelu', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'gelu-validation', 'test');
    const x = upload(ctx, 'x', new Float32Array(8));
    const y = upload(ctx, 'y', new Float32Array(8));
    const short = upload(ctx, 'short', new Float32Array(7));
    expect(() => gpu.geluForward(plan, short, x, 8)).toThrow('geluForward: out "short" has 7 elements, expected 8 (n)');
    expect(() => gpu.geluForward(plan, x, x, 8)).toThrow('geluForward: out "x" and inp "x" share a GPU buffer');
    expect(() => gpu.geluBackward(plan, x, y, short, 8, OVERWRITE_ALL)).toThrow('geluBackward: inp "short" has 7 elements, expected 8 (n)');
    expect(() => gpu.geluBackward(plan, x, y, x, 8, OVERWRITE_ALL)).toThrow('geluBackward: dInp "x" and inp "x" share a GPU buffer');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
