import { describe, expect, it } from 'vitest';
import forwardShader from '../../../../shaders/softmax/forward.wgsl?raw';
import backwardShader from '../../../../shaders/softmax/backward.wgsl?raw';
import { ComputePlan, u32 } from '../../gpu/compute-plan';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { REDUCTION_WORKGROUP, rowLanes } from '../workgroups';
import { createRng, randomArray } from '../../random';
import { compareArrays, type Tolerance } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './softmax';
import * as ref from './softmax.ref';

// Probabilities are in (0, 1]: float32 exp is within a few ulp and the row sum over at most 768
// terms adds a relative error of about 1e-6 at worst; the worst seen is 1.2e-7 absolute (rows of
// 3 with probabilities near 1). The backward's dot product is O(1) and each gradient a product
// of O(1) terms (worst seen 8.4e-8). Rows near 1000 match to the same size of error because the
// shader subtracts the row maximum; without it every exp overflows and the outputs are NaN.
const TOLERANCES = {
  forward: { atol: 1e-6, rtol: 1e-5 },
  backward: { atol: 1e-6, rtol: 1e-5 },
} satisfies Record<string, Tolerance>;

async function checkCase(N: number, C: number, low: number, high: number): Promise<void> {
  const ctx = await testContext();
  const rng = createRng((N * 1009 + C) * 31 + low);
  const inp = asFloat32Values(randomArray(rng, N * C, low, high));
  const dOut = asFloat32Values(randomArray(rng, N * C));
  const previous = asFloat32Values(randomArray(rng, N * C));
  const tInp = upload(ctx, 'inp', inp);
  // Stale contents that the forward and an overwriting backward must not read.
  const tOut = upload(ctx, 'out', new Float32Array(N * C).fill(123));
  const tDOut = upload(ctx, 'dOut', dOut);
  const tDInp = upload(ctx, 'dInp', new Float32Array(N * C).fill(123));
  const tDAcc = upload(ctx, 'dAcc', previous);
  await runPlan(ctx, 'softmax', (plan) => {
    gpu.softmaxForward(plan, tOut, tInp, N, C);
    // Backward from the GPU's own output, as in training.
    gpu.softmaxBackward(plan, tDInp, tDOut, tOut, N, C, OVERWRITE_ALL);
    gpu.softmaxBackward(plan, tDAcc, tDOut, tOut, N, C, { accumulate: true });
  });
  const out = new Float64Array(N * C);
  ref.softmaxForward(out, inp, N, C);
  const gpuOut = Float64Array.from(await download(ctx, tOut));
  const dInp = new Float64Array(N * C);
  ref.softmaxBackward(dInp, dOut, gpuOut, N, C, OVERWRITE_ALL);
  const dAcc = previous.slice();
  ref.softmaxBackward(dAcc, dOut, gpuOut, N, C, ACCUMULATE_ALL);
  for (const [name, tensor, expected, tolerance] of [
    ['out', tOut, out, TOLERANCES.forward],
    ['dInp', tDInp, dInp, TOLERANCES.backward],
    ['dInp accumulated', tDAcc, dAcc, TOLERANCES.backward],
  ] as const) {
    const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
    expect(result.ok, result.report).toBe(true);
  }
  ctx.pool.releaseOwner('test');
}

describe('softmax on the GPU', () => {
  // C = 1, 3, 10, 130, 768 give 1, 1, 4, 64 and 256 lanes per row, i.e. 256, 256, 64, 4 and 1
  // rows per workgroup; N = 3 and 300 leave the last workgroup part-filled.
  for (const N of [1, 3, 300]) {
    for (const C of [1, 3, 10, 130, 768]) {
      it(`forward and backward match the reference, N=${N} C=${C}`, async () => {
        await checkCase(N, C, -4, 4);
      });
    }
  }

  for (const [N, C] of [
    [5, 3],
    [17, 130],
  ] as const) {
    it(`rows of logits near 1000 stay finite and match, N=${N} C=${C}`, async () => {
      await checkCase(N, C, 995, 1005);
    });
  }

  // The launchers fold workgroups over x and y only past 65535 of them (16.7M rows of 3), so this
  // dispatches the shaders on a small grid laid out the way gridFor lays out large ones: 300 rows
  // of 10 values are 5 groups of 64 rows, on a [2, 3] grid with one spare workgroup.
  it('the shaders fold workgroups over a 2-D grid', async () => {
    const [N, C] = [300, 10];
    const grid = [2, 3] as const;
    const lanes = rowLanes(C);
    const groups = Math.ceil(N / (REDUCTION_WORKGROUP / lanes));
    expect(grid[0] * (grid[1] - 1)).toBeLessThan(groups);
    expect(grid[0] * grid[1]).toBeGreaterThan(groups);
    const ctx = await testContext();
    const rng = createRng(7);
    const inp = asFloat32Values(randomArray(rng, N * C, -3, 3));
    const dOut = asFloat32Values(randomArray(rng, N * C));
    const [tInp, tDOut] = [upload(ctx, 'inp', inp), upload(ctx, 'dOut', dOut)];
    const [tOut, tDInp] = [upload(ctx, 'out', new Float32Array(N * C).fill(123)), upload(ctx, 'dInp', new Float32Array(N * C).fill(123))];
    await runPlan(ctx, 'softmax-folded', (plan) => {
      const constants = { WG: REDUCTION_WORKGROUP, LANES: lanes };
      const uniforms = [u32(N), u32(C)];
      plan.add({ op: 'forward', shader: forwardShader, constants, uniforms, bindings: [tInp, tOut], workgroups: grid });
      plan.add({
        op: 'backward',
        shader: backwardShader,
        constants: { ...constants, ACCUMULATE: 0 },
        uniforms,
        bindings: [tDOut, tOut, tDInp],
        workgroups: grid,
      });
    });
    const out = new Float64Array(N * C);
    ref.softmaxForward(out, inp, N, C);
    const dInp = new Float64Array(N * C);
    ref.softmaxBackward(dInp, dOut, out, N, C, OVERWRITE_ALL);
    for (const [name, tensor, expected, tolerance] of [
      ['out', tOut, out, TOLERANCES.forward],
      ['dInp', tDInp, dInp, TOLERANCES.backward],
    ] as const) {
      const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
      expect(result.ok, result.report).toBe(true);
    }
    ctx.pool.releaseOwner('test');
  });

  it('rejects mismatched sizes, bad counts and an in-place softmax', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'softmax-validation', 'test');
    const t = (label: string, size: number) => upload(ctx, label, new Float32Array(size));
    const [x, y, dy] = [t('x', 6), t('y', 6), t('dy', 6)];
    expect(() => gpu.softmaxForward(plan, t('short', 5), x, 2, 3)).toThrow('softmaxForward: out "short" has 5 elements, expected 6 (N*C = 2*3)');
    expect(() => gpu.softmaxForward(plan, x, x, 2, 3)).toThrow('softmaxForward: out "x" and inp "x" share a GPU buffer');
    expect(() => gpu.softmaxForward(plan, y, x, 0, 3)).toThrow('softmaxForward: N must be a positive integer, got 0');
    expect(() => gpu.softmaxBackward(plan, x, dy, t('short', 4), 2, 3, OVERWRITE_ALL)).toThrow(
      'softmaxBackward: out "short" has 4 elements, expected 6 (N*C = 2*3)',
    );
    expect(() => gpu.softmaxBackward(plan, y, dy, y, 2, 3, OVERWRITE_ALL)).toThrow('softmaxBackward: dInp "y" and out "y" share a GPU buffer');
    expect(() => gpu.softmaxBackward(plan, x, dy, y, 2, 2.5, OVERWRITE_ALL)).toThrow('softmaxBackward: C must be a positive integer, got 2.5');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
