import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import type { ComputePlan } from '../../gpu/compute-plan';
import { createRng, randomArray } from '../../random';
import { compareArrays, type Tolerance } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './batchnorm2d';
import * as ref from './batchnorm2d.ref';

const EPS = 1e-5;
const MOMENTUM = 0.1;

// Reductions run over at most M = 256 values per channel in float32. Normalised outputs are
// O(1) (worst seen 1.7e-5, on the inputs near 100). The gradients get the looser bound: dInp
// subtracts two channel sums from M * dOut, and with inputs near 100 the float32-rounded saved
// mean shifts every xhat by ~1e-5, which dGamma sums up (worst seen 6e-5).
const FORWARD: Tolerance = { atol: 2e-5, rtol: 2e-4 };
const STATS: Tolerance = { atol: 1e-5, rtol: 1e-4 };
const GRADIENT: Tolerance = { atol: 1e-4, rtol: 1e-3 };

describe('batchnorm2d on the GPU', () => {
  // (B, C, H, W, inputs low, high): two values per channel; batch 1 with odd C; M = 256, one
  // workgroup of strided loads; odd everything; HW = 4 below the workgroup with many batches.
  // Inputs in [100, 103] have |mean| ~ 100 std, where a one-pass E[x^2] - E[x]^2 variance loses
  // about four digits in float32 (such a kernel misses `out` by 4.5e-3 here); [2, 5] is a
  // milder nonzero mean that one-pass would still pass.
  const cases = [
    [2, 1, 1, 1, -1, 1],
    [1, 3, 5, 5, 2, 5],
    [4, 16, 8, 8, -1, 1],
    [3, 7, 3, 5, 100, 103],
    [8, 5, 2, 2, -1, 1],
  ] as const;
  for (const [B, C, H, W, low, high] of cases) {
    it(`train, eval and backward match the reference, B=${B} C=${C} H=${H} W=${W}, inputs in [${low}, ${high}]`, async () => {
      const ctx = await testContext();
      const HW = H * W;
      const n = B * C * HW;
      const rng = createRng(((B * 31 + C) * 31 + H) * 31 + W);
      const random = (length: number, lo = -1, hi = 1) => asFloat32Values(randomArray(rng, length, lo, hi));
      const inp = random(n, low, high);
      const inp2 = random(n, low, high);
      const gamma = random(C, 0.5, 1.5);
      const beta = random(C);
      const runningMean0 = random(C);
      const runningVar0 = random(C, 0.5, 2);
      const dOut = random(n);
      const previous = { dInp: random(n), dGamma: random(C), dBeta: random(C) };

      const t = (label: string, values: ArrayLike<number>) => upload(ctx, label, values);
      const garbage = (label: string, size: number) => t(label, new Float32Array(size).fill(123));
      const tInp = t('inp', inp);
      const tInp2 = t('inp2', inp2);
      const tGamma = t('gamma', gamma);
      const tBeta = t('beta', beta);
      const tRunningMean = t('runningMean', runningMean0);
      const tRunningVar = t('runningVar', runningVar0);
      const tDOut = t('dOut', dOut);
      const tOut = garbage('out', n);
      const tMean = garbage('mean', C);
      const tInvStd = garbage('invStd', C);
      const tOut2 = garbage('out2', n);
      const tMean2 = garbage('mean2', C);
      const tInvStd2 = garbage('invStd2', C);
      const tEval = garbage('outEval', n);
      const tDInp = garbage('dInp', n);
      const tDGamma = garbage('dGamma', C);
      const tDBeta = garbage('dBeta', C);
      const tDInpAcc = t('dInpAcc', previous.dInp);
      const tDGammaAcc = t('dGammaAcc', previous.dGamma);
      const tDBetaAcc = t('dBetaAcc', previous.dBeta);
      const tDGammaOnly = garbage('dGammaOnly', C);
      const tDBetaOnly = garbage('dBetaOnly', C);
      const tDGammaOnlyAcc = t('dGammaOnlyAcc', previous.dGamma);
      const tDBetaOnlyAcc = t('dBetaOnlyAcc', previous.dBeta);
      const tDInpMixed = t('dInpMixed', previous.dInp);
      const tDGammaMixed = garbage('dGammaMixed', C);
      const tDBetaMixed = garbage('dBetaMixed', C);
      // Frozen gamma and beta (no parameter gradient, both bindings switched off), and a frozen gamma alone.
      const tDInpFrozen = garbage('dInpFrozen', n);
      const tDInpGammaFrozen = garbage('dInpGammaFrozen', n);
      const tDBetaGammaFrozen = garbage('dBetaGammaFrozen', C);

      await runPlan(ctx, 'batchnorm2d', (plan: ComputePlan) => {
        gpu.batchNorm2dForwardTrain(plan, tOut, tMean, tInvStd, tRunningMean, tRunningVar, tInp, tGamma, tBeta, B, C, HW, MOMENTUM, EPS);
        gpu.batchNorm2dForwardTrain(plan, tOut2, tMean2, tInvStd2, tRunningMean, tRunningVar, tInp2, tGamma, tBeta, B, C, HW, MOMENTUM, EPS);
        gpu.batchNorm2dForwardEval(plan, tEval, tInp, tGamma, tBeta, tRunningMean, tRunningVar, B, C, HW, EPS);
        const saved = [tDOut, tInp, tGamma, tMean, tInvStd, B, C, HW] as const;
        gpu.batchNorm2dBackward(plan, tDInp, tDGamma, tDBeta, ...saved, OVERWRITE_ALL);
        gpu.batchNorm2dBackward(plan, tDInpAcc, tDGammaAcc, tDBetaAcc, ...saved, ACCUMULATE_ALL);
        gpu.batchNorm2dBackward(plan, null, tDGammaOnly, tDBetaOnly, ...saved, OVERWRITE_ALL);
        gpu.batchNorm2dBackward(plan, null, tDGammaOnlyAcc, tDBetaOnlyAcc, ...saved, { accumulate: false, accumulateParams: true });
        gpu.batchNorm2dBackward(plan, tDInpMixed, tDGammaMixed, tDBetaMixed, ...saved, { accumulate: true, accumulateParams: false });
        gpu.batchNorm2dBackward(plan, tDInpFrozen, null, null, ...saved, OVERWRITE_ALL);
        gpu.batchNorm2dBackward(plan, tDInpGammaFrozen, null, tDBetaGammaFrozen, ...saved, OVERWRITE_ALL);
      });

      const out = new Float64Array(n);
      const mean = new Float64Array(C);
      const invStd = new Float64Array(C);
      const out2 = new Float64Array(n);
      const mean2 = new Float64Array(C);
      const invStd2 = new Float64Array(C);
      const runningMean = runningMean0.slice();
      const runningVar = runningVar0.slice();
      ref.batchNorm2dForwardTrain(out, mean, invStd, runningMean, runningVar, inp, gamma, beta, B, C, HW, MOMENTUM, EPS);
      ref.batchNorm2dForwardTrain(out2, mean2, invStd2, runningMean, runningVar, inp2, gamma, beta, B, C, HW, MOMENTUM, EPS);
      const outEval = new Float64Array(n);
      ref.batchNorm2dForwardEval(outEval, inp, gamma, beta, runningMean, runningVar, B, C, HW, EPS);
      const dInp = new Float64Array(n);
      const dGamma = new Float64Array(C);
      const dBeta = new Float64Array(C);
      ref.batchNorm2dBackward(dInp, dGamma, dBeta, dOut, inp, gamma, mean, invStd, B, C, HW, OVERWRITE_ALL);
      const plus = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

      const checks = [
        ['out', tOut, out, FORWARD],
        ['mean', tMean, mean, STATS],
        ['invStd', tInvStd, invStd, STATS],
        ['out (second step)', tOut2, out2, FORWARD],
        ['mean (second step)', tMean2, mean2, STATS],
        ['invStd (second step)', tInvStd2, invStd2, STATS],
        ['runningMean after two steps', tRunningMean, runningMean, STATS],
        ['runningVar after two steps', tRunningVar, runningVar, STATS],
        ['eval out', tEval, outEval, FORWARD],
        ['dInp', tDInp, dInp, GRADIENT],
        ['dGamma', tDGamma, dGamma, GRADIENT],
        ['dBeta', tDBeta, dBeta, GRADIENT],
        ['dInp accumulated', tDInpAcc, plus(previous.dInp, dInp), GRADIENT],
        ['dGamma accumulated', tDGammaAcc, plus(previous.dGamma, dGamma), GRADIENT],
        ['dBeta accumulated', tDBetaAcc, plus(previous.dBeta, dBeta), GRADIENT],
        ['dGamma without dInp', tDGammaOnly, dGamma, GRADIENT],
        ['dBeta without dInp', tDBetaOnly, dBeta, GRADIENT],
        ['dGamma accumulated without dInp', tDGammaOnlyAcc, plus(previous.dGamma, dGamma), GRADIENT],
        ['dBeta accumulated without dInp', tDBetaOnlyAcc, plus(previous.dBeta, dBeta), GRADIENT],
        ['dInp accumulated, params overwritten', tDInpMixed, plus(previous.dInp, dInp), GRADIENT],
        ['dGamma overwritten, dInp accumulated', tDGammaMixed, dGamma, GRADIENT],
        ['dBeta overwritten, dInp accumulated', tDBetaMixed, dBeta, GRADIENT],
        ['dInp with gamma and beta frozen', tDInpFrozen, dInp, GRADIENT],
        ['dInp with gamma frozen', tDInpGammaFrozen, dInp, GRADIENT],
        ['dBeta with gamma frozen', tDBetaGammaFrozen, dBeta, GRADIENT],
      ] as const;
      for (const [name, tensor, expected, tolerance] of checks) {
        const result = compareArrays(await download(ctx, tensor), expected, tolerance, name);
        expect(result.ok, result.report).toBe(true);
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('rejects one value per channel in training and mismatched tensor sizes', async () => {
    const ctx = await testContext();
    const t = (label: string, size: number) => upload(ctx, label, new Float32Array(size));
    await runPlan(ctx, 'batchnorm2d validation', (plan: ComputePlan) => {
      const c = () => t('channel', 2);
      expect(() => gpu.batchNorm2dForwardTrain(plan, t('out', 2), c(), c(), c(), c(), t('inp', 2), c(), c(), 1, 2, 1, MOMENTUM, EPS)).toThrow(
        'Expected more than 1 value per channel when training',
      );
      expect(() => gpu.batchNorm2dForwardEval(plan, t('out', 12), t('inp', 12), c(), t('beta', 3), c(), c(), 2, 2, 3, EPS)).toThrow(
        'batchnorm2d_forward_eval: beta "beta" has 3 elements, expected 2',
      );
      expect(() => gpu.batchNorm2dBackward(plan, t('dInp', 11), c(), c(), t('dOut', 12), t('inp', 12), c(), c(), c(), 2, 2, 3, OVERWRITE_ALL)).toThrow(
        'batchnorm2d_backward: dInp "dInp" has 11 elements, expected 12',
      );
    });
    ctx.pool.releaseOwner('test');
  });
});
