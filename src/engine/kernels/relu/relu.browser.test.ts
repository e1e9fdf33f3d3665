import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { ComputePlan } from '../../gpu/compute-plan';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './relu';
import * as ref from './relu.ref';

describe('relu on the GPU', () => {
  // 1, a size below one workgroup, one not a multiple of 256, and one needing a 2-D grid.
  for (const n of [1, 200, 1025, 256 * 65535 + 7]) {
    it(`forward and backward match the reference, n=${n}`, async () => {
      const ctx = await testContext();
      const rng = createRng(n);
      const inp = asFloat32Values(randomArray(rng, n));
      const dOut = asFloat32Values(randomArray(rng, n));
      const previous = asFloat32Values(randomArray(rng, n));
      const tInp = upload(ctx, 'inp', inp);
      const tOut = upload(ctx, 'out', new Float32Array(n));
      const tDOut = upload(ctx, 'dOut', dOut);
      const tDInp = upload(ctx, 'dInp', new Float32Array(n).fill(123));
      const tDAcc = upload(ctx, 'dAcc', previous);
      await runPlan(ctx, 'relu', (plan) => {
        gpu.reluForward(plan, tOut, tInp, n);
        gpu.reluBackward(plan, tDInp, tDOut, tInp, n, OVERWRITE_ALL);
        gpu.reluBackward(plan, tDAcc, tDOut, tInp, n, { accumulate: true });
      });
      const out = new Float64Array(n);
      ref.reluForward(out, inp, n);
      const dInp = new Float64Array(n);
      ref.reluBackward(dInp, dOut, inp, n, OVERWRITE_ALL);
      const dAcc = previous.slice();
      ref.reluBackward(dAcc, dOut, inp, n, ACCUMULATE_ALL);
      for (const [name, tensor, expected] of [
        ['out', tOut, out],
        ['dInp', tDInp, dInp],
        ['dInp accumulated', tDAcc, dAcc],
      ] as const) {
        const result = compareArrays(await download(ctx, tensor), expected, { atol: 1e-6, rtol: 1e-6 }, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects mismatched sizes and an in-place relu', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'relu-validation', 'test');
    const x = upload(ctx, 'x', new Float32Array(8));
    const y = upload(ctx, 'y', new Float32Array(8));
    const short = upload(ctx, 'short', new Float32Array(7));
    expect(() => gpu.reluForward(plan, short, x, 8)).toThrow('reluForward: out "short" has 7 elements, expected 8 (n)');
    expect(() => gpu.reluForward(plan, x, x, 8)).toThrow('reluForward: out "x" and inp "x" share a GPU buffer');
    expect(() => gpu.reluBackward(plan, x, y, x, 8, OVERWRITE_ALL)).toThrow('reluBackward: dInp "x" and inp "x" share a GPU buffer');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
