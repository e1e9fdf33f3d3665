import { describe, expect, it } from 'vitest';
import forwardShader from '../../../../shaders/layernorm/forward.wgsl?raw';
import backwardInputShader from '../../../../shaders/layernorm/backward-input.wgsl?raw';
import backwardParamsShader from '../../../../shaders/layernorm/backward-params.wgsl?raw';
import { ComputePlan, f32, u32, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { ACCUMULATE_ALL, OVERWRITE_ALL, type BackwardOptions } from '../backward-options';
import { placeholderFor } from '../placeholder';
import { REDUCTION_WORKGROUP, rowLanes } from '../workgroups';
import { createRng, randomArray } from '../../random';
import { compareArrays, type Tolerance } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './layernorm';
import { LAYER_NORM_EPS } from './layernorm-defaults';
import * as ref from './layernorm.ref';

// Row reductions run over C <= 768 values, column reductions over N <= 300 rows, in float32.
// Outputs are O(1) (worst seen 7e-7, also with x ~ 1000); mean is within an ulp of |mean| (3e-5
// at 1000) and rstd (up to 1 / sqrt(eps) = 316 when C = 1) within 2e-7 relative. dInp is rstd
// times O(1) terms (worst seen 1.3e-6); dWeight and dBias sum up to 300 rows of O(1) products,
// up to 33 in magnitude (worst seen 4.2e-6). A one-pass E[x^2] - E[x]^2 variance misses `out`
// by 0.18 to 250 on the rows near 1000.
const TOLERANCES = {
  forward: { atol: 1e-5, rtol: 1e-4 },
  stats: { atol: 1e-6, rtol: 1e-6 },
  dInp: { atol: 2e-5, rtol: 1e-4 },
  params: { atol: 5e-5, rtol: 1e-4 },
} satisfies Record<string, Tolerance>;

/** Which gradients a backward call computes (the others are null) and its accumulate flags. */
interface BackwardCall {
  name: string;
  dInp: boolean;
  dWeight: boolean;
  dBias: boolean;
  options: BackwardOptions;
}

const everything = { dInp: true, dWeight: true, dBias: true };
// Every flag combination with all three gradients, the fused parameter kernel without dInp, and
// each single-gradient kernel in both modes, so each flag must reach only its own gradients.
const BACKWARD_CALLS: readonly BackwardCall[] = [
  { name: 'overwrite', ...everything, options: OVERWRITE_ALL },
  { name: 'accumulate all', ...everything, options: ACCUMULATE_ALL },
  { name: 'accumulate dInp only', ...everything, options: { accumulate: true, accumulateParams: false } },
  { name: 'accumulate params only', ...everything, options: { accumulate: false, accumulateParams: true } },
  { name: 'no dInp, params accumulated', dInp: false, dWeight: true, dBias: true, options: { accumulate: false, accumulateParams: true } },
  { name: 'dInp alone', dInp: true, dWeight: false, dBias: false, options: OVERWRITE_ALL },
  { name: 'dWeight alone', dInp: false, dWeight: true, dBias: false, options: OVERWRITE_ALL },
  { name: 'dWeight alone, accumulated', dInp: false, dWeight: true, dBias: false, options: { accumulate: false, accumulateParams: true } },
  { name: 'dBias alone', dInp: false, dWeight: false, dBias: true, options: OVERWRITE_ALL },
  { name: 'dBias alone, accumulated', dInp: false, dWeight: false, dBias: true, options: { accumulate: false, accumulateParams: true } },
];

async function checkCase(N: number, C: number, low: number, high: number): Promise<void> {
  const ctx = await testContext();
  const rng = createRng((N * 1009 + C) * 31 + low);
  const random = (length: number, lo = -1, hi = 1) => asFloat32Values(randomArray(rng, length, lo, hi));
  const inp = random(N * C, low, high);
  const weight = random(C, 0.5, 1.5);
  const bias = random(C);
  const dOut = random(N * C);
  const previous = { dInp: random(N * C), dWeight: random(C), dBias: random(C) };

  const t = (label: string, values: ArrayLike<number>) => upload(ctx, label, values);
  // Stale contents that overwrite mode must not read.
  const stale = (label: string, size: number) => t(label, new Float32Array(size).fill(123));
  const tInp = t('inp', inp);
  const tWeight = t('weight', weight);
  const tBias = t('bias', bias);
  const tDOut = t('dOut', dOut);
  const tOut = stale('out', N * C);
  const tMean = stale('mean', N);
  const tRstd = stale('rstd', N);
  const tOutNoBias = stale('outNoBias', N * C);
  const tMeanNoBias = stale('meanNoBias', N);
  const tRstdNoBias = stale('rstdNoBias', N);
  const outputs = BACKWARD_CALLS.map((call) => {
    const make = (name: 'dInp' | 'dWeight' | 'dBias', size: number, accumulate: boolean | undefined): GpuTensor | null =>
      call[name] ? (accumulate ? t(`${call.name} ${name}`, previous[name]) : stale(`${call.name} ${name}`, size)) : null;
    return {
      dInp: make('dInp', N * C, call.options.accumulate),
      dWeight: make('dWeight', C, call.options.accumulateParams),
      dBias: make('dBias', C, call.options.accumulateParams),
    };
  });

  await runPlan(ctx, 'layernorm', (plan: ComputePlan) => {
    gpu.layerNormForward(plan, tOut, tMean, tRstd, tInp, tWeight, tBias, N, C);
    gpu.layerNormForward(plan, tOutNoBias, tMeanNoBias, tRstdNoBias, tInp, tWeight, null, N, C);
    // Backward from the GPU's own saved statistics, as in training.
    BACKWARD_CALLS.forEach((call, k) => {
      const { dInp, dWeight, dBias } = outputs[k];
      gpu.layerNormBackward(plan, dInp, dWeight, dBias, tDOut, tInp, tWeight, tMean, tRstd, N, C, call.options);
    });
  });

  const out = new Float64Array(N * C);
  const mean = new Float64Array(N);
  const rstd = new Float64Array(N);
  ref.layerNormForward(out, mean, rstd, inp, weight, bias, N, C);
  const outNoBias = new Float64Array(N * C);
  ref.layerNormForward(outNoBias, null, null, inp, weight, null, N, C);
  // The reference backward starts from the GPU's saved float32 statistics, which the mean and
  // rstd checks compare with the float64 ones. With x ~ 1000, rounding the mean to float32 moves
  // it by up to 3e-5 and every xhat of the row by 3e-5 * rstd, an error of the saved-statistics
  // interface (PyTorch saves float32 statistics too) and not of the backward kernels.
  const savedMean = Float64Array.from(await download(ctx, tMean));
  const savedRstd = Float64Array.from(await download(ctx, tRstd));
  const fresh = { dInp: new Float64Array(N * C), dWeight: new Float64Array(C), dBias: new Float64Array(C) };
  ref.layerNormBackward(fresh.dInp, fresh.dWeight, fresh.dBias, dOut, inp, weight, savedMean, savedRstd, N, C, OVERWRITE_ALL);

  const checks: [string, GpuTensor, Float64Array, Tolerance][] = [
    ['out', tOut, out, TOLERANCES.forward],
    ['mean', tMean, mean, TOLERANCES.stats],
    ['rstd', tRstd, rstd, TOLERANCES.stats],
    ['out without bias', tOutNoBias, outNoBias, TOLERANCES.forward],
    ['mean without bias', tMeanNoBias, mean, TOLERANCES.stats],
    ['rstd without bias', tRstdNoBias, rstd, TOLERANCES.stats],
  ];
  BACKWARD_CALLS.forEach((call, k) => {
    for (const name of ['dInp', 'dWeight', 'dBias'] as const) {
      const tensor = outputs[k][name];
      if (!tensor) continue;
      const accumulated = name === 'dInp' ? call.options.accumulate : call.options.accumulateParams;
      const expected = accumulated ? fresh[name].map((v, i) => v + previous[name][i]) : fresh[name];
      checks.push([`${name} (${call.name})`, tensor, expected, name === 'dInp' ? TOLERANCES.dInp : TOLERANCES.params]);
    }
  });
  for (const [name, tensor, expected, tolerance] of checks) {
    const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
    expect(result.ok, result.report).toBe(true);
  }
  ctx.pool.releaseOwner('test');
}

describe('layernorm on the GPU', () => {
  // C = 1, 5, 64, 130, 768 give 1, 2, 16, 64 and 256 invocations per row, i.e. 256, 128, 16, 4
  // and 1 rows per workgroup; N = 3, 17 and 300 leave the last workgroup part-filled, and
  // N = 300 makes each parameter-gradient lane sum several rows.
  for (const N of [1, 3, 17, 300]) {
    for (const C of [1, 5, 64, 130, 768]) {
      it(`forward and backward match the reference, N=${N} C=${C}`, async () => {
        await checkCase(N, C, -1, 1);
      });
    }
  }

  // x = 1000 + noise in [-1, 1]: |mean| ~ 1700 std, where a one-pass E[x^2] - E[x]^2 variance
  // is mostly rounding error in float32.
  for (const [N, C] of [
    [1, 768],
    [3, 130],
    [17, 64],
    [300, 5],
  ] as const) {
    it(`rows with a large offset match the reference, N=${N} C=${C}`, async () => {
      await checkCase(N, C, 999, 1001);
    });
  }

  // The launchers fold workgroups over x and y only past 65535 of them: N > 65535 rows for
  // C = 768, 16.7M rows for C = 1 (over a minute per kernel on SwiftShader), C > 524280 for the
  // column sums. So these dispatch the shaders themselves on small grids laid out the way
  // gridFor lays out large ones (x filled, then rows of x), with spare workgroups past the end.
  // (N, C, row grid, column-block grid): 3 row groups of 128 rows on [2, 2] and 1 block of 8
  // columns on [1, 2]; 10 row groups of 4 rows on [4, 3] and 17 blocks on [6, 3].
  const folded = [
    [300, 5, [2, 2], [1, 2]],
    [40, 130, [4, 3], [6, 3]],
  ] as const;
  for (const [N, C, rowGrid, paramGrid] of folded) {
    it(`the shaders fold workgroups over a 2-D grid, N=${N} C=${C}`, async () => {
      const ctx = await testContext();
      const lanes = rowLanes(C);
      // The grids cover the work and have spare workgroups.
      const rowGroups = Math.ceil(N / (REDUCTION_WORKGROUP / lanes));
      expect(rowGrid[0] * (rowGrid[1] - 1)).toBeLessThan(rowGroups);
      expect(rowGrid[0] * rowGrid[1]).toBeGreaterThan(rowGroups);
      expect(paramGrid[0] * paramGrid[1]).toBeGreaterThan(Math.ceil(C / gpu.LAYER_NORM_PARAM_COLUMNS));
      const rng = createRng(N + C);
      const random = (length: number, lo = -1, hi = 1) => asFloat32Values(randomArray(rng, length, lo, hi));
      const inp = random(N * C);
      const weight = random(C, 0.5, 1.5);
      const bias = random(C);
      const dOut = random(N * C);
      const t = (label: string, values: ArrayLike<number>) => upload(ctx, label, values);
      const stale = (label: string, size: number) => t(label, new Float32Array(size).fill(123));
      const [tInp, tWeight, tBias, tDOut] = [t('inp', inp), t('weight', weight), t('bias', bias), t('dOut', dOut)];
      const [tOut, tMean, tRstd, tDInp] = [stale('out', N * C), stale('mean', N), stale('rstd', N), stale('dInp', N * C)];
      const [tDWeight, tDBias, tDWeightAlone, tDBiasAlone] = [stale('dWeight', C), stale('dBias', C), stale('dWeightAlone', C), stale('dBiasAlone', C)];
      const WG = REDUCTION_WORKGROUP;
      const rows = { WG, LANES: lanes };
      const columns = { WG, COLUMNS: gpu.LAYER_NORM_PARAM_COLUMNS, ACCUMULATE_PARAMS: 0 };
      const sizes = [u32(N), u32(C)];
      const saved = [tDOut, tInp, tMean, tRstd];
      await runPlan(ctx, 'layernorm-folded', (plan) => {
        const add = (
          op: string,
          shader: string,
          constants: Record<string, number>,
          uniforms: UniformField[],
          bindings: GpuTensor[],
          workgroups: readonly [number, number],
        ) => plan.add({ op, shader, constants, uniforms, bindings, workgroups });
        add('forward', forwardShader, { ...rows, HAS_BIAS: 1 }, [...sizes, f32(LAYER_NORM_EPS)], [tInp, tWeight, tBias, tOut, tMean, tRstd], rowGrid);
        add('input', backwardInputShader, { ...rows, ACCUMULATE: 0 }, sizes, [tDOut, tInp, tWeight, tMean, tRstd, tDInp], rowGrid);
        add('params', backwardParamsShader, { ...columns, WEIGHT_GRAD: 1, BIAS_GRAD: 1 }, sizes, [...saved, tDWeight, tDBias], paramGrid);
        add('weight', backwardParamsShader, { ...columns, WEIGHT_GRAD: 1, BIAS_GRAD: 0 }, sizes, [...saved, tDWeightAlone, placeholderFor(plan)], paramGrid);
        add('bias', backwardParamsShader, { ...columns, WEIGHT_GRAD: 0, BIAS_GRAD: 1 }, sizes, [...saved, placeholderFor(plan), tDBiasAlone], paramGrid);
      });
      const out = new Float64Array(N * C);
      const mean = new Float64Array(N);
      const rstd = new Float64Array(N);
      ref.layerNormForward(out, mean, rstd, inp, weight, bias, N, C);
      const dInp = new Float64Array(N * C);
      const dWeight = new Float64Array(C);
      const dBias = new Float64Array(C);
      ref.layerNormBackward(dInp, dWeight, dBias, dOut, inp, weight, mean, rstd, N, C, OVERWRITE_ALL);
      const checks = [
        ['out', tOut, out, TOLERANCES.forward],
        ['mean', tMean, mean, TOLERANCES.stats],
        ['rstd', tRstd, rstd, TOLERANCES.stats],
        ['dInp', tDInp, dInp, TOLERANCES.dInp],
        ['dWeight', tDWeight, dWeight, TOLERANCES.params],
        ['dBias', tDBias, dBias, TOLERANCES.params],
        ['dWeight alone', tDWeightAlone, dWeight, TOLERANCES.params],
        ['dBias alone', tDBiasAlone, dBias, TOLERANCES.params],
      ] as const;
      for (const [name, tensor, expected, tolerance] of checks) {
        const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects mismatched sizes, aliasing and a bad eps', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'layernorm-validation', 'test');
    const t = (label: string, size: number) => upload(ctx, label, new Float32Array(size));
    const [inp, out, dOut, dInp] = [t('inp', 6), t('out', 6), t('dOut', 6), t('dInp', 6)];
    const [weight, bias, dWeight, dBias] = [t('weight', 3), t('bias', 3), t('dWeight', 3), t('dBias', 3)];
    const [mean, rstd] = [t('mean', 2), t('rstd', 2)];
    expect(() => gpu.layerNormForward(plan, out, mean, rstd, inp, weight, t('short', 2), 2, 3)).toThrow(
      'layerNormForward: bias "short" has 2 elements, expected 3 (C = 3)',
    );
    expect(() => gpu.layerNormForward(plan, out, t('rows', 3), rstd, inp, weight, bias, 2, 3)).toThrow(
      'layerNormForward: mean "rows" has 3 elements, expected 2 (N = 2)',
    );
    expect(() => gpu.layerNormForward(plan, inp, mean, rstd, inp, weight, bias, 2, 3)).toThrow('layerNormForward: out "inp" and inp "inp" share a GPU buffer');
    expect(() => gpu.layerNormForward(plan, out, mean, rstd, inp, weight, bias, 2, 3, -1)).toThrow(
      'layerNormForward: eps must be a finite non-negative number, got -1',
    );
    expect(() => gpu.layerNormBackward(plan, t('dInp', 5), dWeight, dBias, dOut, inp, weight, mean, rstd, 2, 3, OVERWRITE_ALL)).toThrow(
      'layerNormBackward: dInp "dInp" has 5 elements, expected 6 (N*C = 2*3)',
    );
    expect(() => gpu.layerNormBackward(plan, null, dWeight, t('dBias', 6), dOut, inp, weight, mean, rstd, 2, 3, OVERWRITE_ALL)).toThrow(
      'layerNormBackward: dBias "dBias" has 6 elements, expected 3 (C = 3)',
    );
    expect(() => gpu.layerNormBackward(plan, dOut, dWeight, dBias, dOut, inp, weight, mean, rstd, 2, 3, OVERWRITE_ALL)).toThrow(
      'layerNormBackward: dInp "dOut" and dOut "dOut" share a GPU buffer',
    );
    expect(() => gpu.layerNormBackward(plan, null, dWeight, dWeight, dOut, inp, weight, mean, rstd, 2, 3, OVERWRITE_ALL)).toThrow(
      'layerNormBackward: dWeight "dWeight" and dBias "dWeight" overlap',
    );
    expect(() => gpu.layerNormBackward(plan, dInp, dWeight, dBias, dOut, inp, weight, mean, rstd, 0, 3, OVERWRITE_ALL)).toThrow(
      'layerNormBackward: N must be a positive integer, got 0',
    );
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
