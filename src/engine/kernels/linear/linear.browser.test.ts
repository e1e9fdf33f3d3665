import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './linear';
import * as ref from './linear.ref';

// Reductions run over C (forward), OC (dInp) or N (dWeight, dBias), at most 300 terms of
// products of values in [-1, 1]; float32 keeps them well inside these bounds.
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

describe('linear on the GPU', () => {
  // (N, C, OC): single elements, sizes below and across the 64x64 tile and the 16-wide K slice,
  // and N > 256 so each dBias invocation sums several rows and the forward spans several row tiles.
  const shapes = [
    [1, 1, 1],
    [1, 7, 3],
    [5, 17, 33],
    [64, 48, 10],
    [37, 129, 65],
    [300, 5, 70],
  ];
  for (const [N, C, OC] of shapes) {
    it(`forward and backward match the reference, N=${N} C=${C} OC=${OC}`, async () => {
      const ctx = await testContext();
      const rng = createRng(N * 10007 + C * 101 + OC);
      const inp = asFloat32Values(randomArray(rng, N * C));
      const weight = asFloat32Values(randomArray(rng, OC * C));
      const bias = asFloat32Values(randomArray(rng, OC));
      const dOut = asFloat32Values(randomArray(rng, N * OC));
      const prevDInp = asFloat32Values(randomArray(rng, N * C));
      const prevDWeight = asFloat32Values(randomArray(rng, OC * C));
      const prevDBias = asFloat32Values(randomArray(rng, OC));
      // Stale contents that overwrite mode must not read.
      const stale = (n: number) => new Float32Array(n).fill(123);

      const tInp = upload(ctx, 'inp', inp);
      const tWeight = upload(ctx, 'weight', weight);
      const tBias = upload(ctx, 'bias', bias);
      const tDOut = upload(ctx, 'dOut', dOut);
      const tOut = upload(ctx, 'out', stale(N * OC));
      const tOutNoBias = upload(ctx, 'outNoBias', stale(N * OC));
      const tDInp = upload(ctx, 'dInp', stale(N * C));
      const tDWeight = upload(ctx, 'dWeight', stale(OC * C));
      const tDBias = upload(ctx, 'dBias', stale(OC));
      const tDWeightOnly = upload(ctx, 'dWeightOnly', stale(OC * C));
      const tDInpOnly = upload(ctx, 'dInpOnly', stale(N * C));
      const tDInpAcc = upload(ctx, 'dInpAcc', prevDInp);
      const tDWeightOver = upload(ctx, 'dWeightOver', stale(OC * C));
      const tDBiasOver = upload(ctx, 'dBiasOver', stale(OC));
      const tDInpOver = upload(ctx, 'dInpOver', stale(N * C));
      const tDWeightAcc = upload(ctx, 'dWeightAcc', prevDWeight);
      const tDBiasAcc = upload(ctx, 'dBiasAcc', prevDBias);

      await runPlan(ctx, 'linear', (plan) => {
        gpu.linearForward(plan, tOut, tInp, tWeight, tBias, N, C, OC);
        gpu.linearForward(plan, tOutNoBias, tInp, tWeight, null, N, C, OC);
        gpu.linearBackward(plan, tDInp, tDWeight, tDBias, tDOut, tInp, tWeight, N, C, OC, OVERWRITE_ALL);
        // A first layer without bias: only dWeight.
        gpu.linearBackward(plan, null, tDWeightOnly, null, tDOut, tInp, tWeight, N, C, OC, OVERWRITE_ALL);
        // A frozen, tied table: only dInp.
        gpu.linearBackward(plan, tDInpOnly, null, null, tDOut, tInp, tWeight, N, C, OC, OVERWRITE_ALL);
        // Each flag must reach only its own gradients.
        gpu.linearBackward(plan, tDInpAcc, tDWeightOver, tDBiasOver, tDOut, tInp, tWeight, N, C, OC, { accumulate: true, accumulateParams: false });
        gpu.linearBackward(plan, tDInpOver, tDWeightAcc, tDBiasAcc, tDOut, tInp, tWeight, N, C, OC, { accumulate: false, accumulateParams: true });
      });

      const out = new Float64Array(N * OC);
      ref.linearForward(out, inp, weight, bias, N, C, OC);
      const outNoBias = new Float64Array(N * OC);
      ref.linearForward(outNoBias, inp, weight, null, N, C, OC);
      const dInp = new Float64Array(N * C);
      const dWeight = new Float64Array(OC * C);
      const dBias = new Float64Array(OC);
      ref.linearBackward(dInp, dWeight, dBias, dOut, inp, weight, N, C, OC, OVERWRITE_ALL);
      const dInpAcc = prevDInp.slice();
      const dWeightAcc = prevDWeight.slice();
      const dBiasAcc = prevDBias.slice();
      ref.linearBackward(dInpAcc, dWeightAcc, dBiasAcc, dOut, inp, weight, N, C, OC, ACCUMULATE_ALL);

      const checks = [
        ['out', tOut, out],
        ['out without bias', tOutNoBias, outNoBias],
        ['dInp', tDInp, dInp],
        ['dWeight', tDWeight, dWeight],
        ['dBias', tDBias, dBias],
        ['dWeight with dInp and dBias null', tDWeightOnly, dWeight],
        ['dInp with dWeight and dBias null', tDInpOnly, dInp],
        ['dInp accumulated', tDInpAcc, dInpAcc],
        ['dWeight overwritten under accumulate', tDWeightOver, dWeight],
        ['dBias overwritten under accumulate', tDBiasOver, dBias],
        ['dInp overwritten under accumulateParams', tDInpOver, dInp],
        ['dWeight accumulated', tDWeightAcc, dWeightAcc],
        ['dBias accumulated', tDBiasAcc, dBiasAcc],
      ] as const;
      for (const [name, tensor, expected] of checks) {
        const result = compareArrays(await download(ctx, tensor), expected, TOLERANCE, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects tensors whose size does not match the shape', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'linear-validation', 'test');
    const inp = upload(ctx, 'inp', new Float32Array(6));
    const weight = upload(ctx, 'weight', new Float32Array(6));
    const out = upload(ctx, 'out', new Float32Array(4));
    const wrongBias = upload(ctx, 'wrongBias', new Float32Array(3));
    expect(() => gpu.linearForward(plan, out, inp, weight, wrongBias, 2, 3, 2)).toThrow(
      /linearForward: bias "wrongBias" has 3 elements, expected 2 \(OC = 2\)/,
    );
    expect(() => gpu.linearBackward(plan, out, weight, null, out, inp, weight, 2, 3, 2, OVERWRITE_ALL)).toThrow(
      /linearBackward: dInp "out" has 4 elements, expected 6 \(N\*C = 2\*3\)/,
    );
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
