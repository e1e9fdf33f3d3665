import statsShader from '../../../../shaders/batchnorm2d/stats.wgsl?raw';
import normalizeShader from '../../../../shaders/batchnorm2d/normalize.wgsl?raw';
import backwardShader from '../../../../shaders/batchnorm2d/backward.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes, type Tensors } from '../launch-checks';
import { placeholderFor } from '../placeholder';
import { ELEMENTWISE_WORKGROUP, REDUCTION_WORKGROUP } from '../workgroups';
import { checkTrainingBatch } from './batchnorm2d-shape';

/** Checks the counts, the (B, C, HW)-shaped tensors and the per-channel (C) ones. */
function expectShapes(op: string, B: number, C: number, HW: number, full: Tensors, perChannel: Tensors): void {
  expectPositiveIntegers(op, { B, C, HW });
  const shape = `B=${B}, C=${C}, HW=${HW}`;
  expectSizes(op, full, B * C * HW, `B*C*HW for ${shape}`);
  expectSizes(op, perChannel, C, `C for ${shape}`);
}

/**
 * Training forward: batch statistics per channel (saved in `mean`, `invStd`; the running
 * statistics are updated in place), then out = gamma * (x - mean) * invStd + beta.
 */
export function batchNorm2dForwardTrain(
  plan: ComputePlan,
  out: GpuTensor,
  mean: GpuTensor,
  invStd: GpuTensor,
  runningMean: GpuTensor,
  runningVar: GpuTensor,
  inp: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  B: number,
  C: number,
  HW: number,
  momentum: number,
  eps: number,
): void {
  const op = 'batchnorm2d_forward_train';
  expectShapes(op, B, C, HW, { out, inp }, { mean, invStd, runningMean, runningVar, gamma, beta });
  checkTrainingBatch(op, B, HW);
  expectNoAliasing(op, { mean, invStd, runningMean, runningVar }, { inp });
  expectNoAliasing(op, { out }, { inp, gamma, beta, mean, invStd });
  plan.add({
    op: 'batchnorm2d_stats',
    shader: statsShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(B), u32(C), u32(HW), f32(momentum), f32(eps)],
    bindings: [inp, mean, invStd, runningMean, runningVar],
    workgroups: gridFor(C, 1),
  });
  const n = B * C * HW;
  plan.add({
    op: 'batchnorm2d_normalize',
    shader: normalizeShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, FROM_VARIANCE: 0 },
    uniforms: [u32(n), u32(C), u32(HW), f32(eps)],
    bindings: [inp, gamma, beta, mean, invStd, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/** Eval forward: out = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. */
export function batchNorm2dForwardEval(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  runningMean: GpuTensor,
  runningVar: GpuTensor,
  B: number,
  C: number,
  HW: number,
  eps: number,
): void {
  const op = 'batchnorm2d_forward_eval';
  expectShapes(op, B, C, HW, { out, inp }, { gamma, beta, runningMean, runningVar });
  expectNoAliasing(op, { out }, { inp, gamma, beta, runningMean, runningVar });
  const n = B * C * HW;
  plan.add({
    op,
    shader: normalizeShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, FROM_VARIANCE: 1 },
    uniforms: [u32(n), u32(C), u32(HW), f32(eps)],
    bindings: [inp, gamma, beta, runningMean, runningVar, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * Training-mode backward from the saved `mean` and `invStd`: dGamma, dBeta and dInp, each unless
 * null (a frozen parameter, an input that needs no gradient), one workgroup per channel.
 * Overwrites unless `options.accumulate` (dInp) / `options.accumulateParams` (dGamma, dBeta).
 */
export function batchNorm2dBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dGamma: GpuTensor | null,
  dBeta: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  gamma: GpuTensor,
  mean: GpuTensor,
  invStd: GpuTensor,
  B: number,
  C: number,
  HW: number,
  options: BackwardOptions,
): void {
  const op = 'batchnorm2d_backward';
  expectShapes(op, B, C, HW, { dInp, dOut, inp }, { dGamma, dBeta, gamma, mean, invStd });
  // gamma only scales dInp, so the variant without dInp does not bind it.
  expectNoAliasing(op, { dGamma, dBeta, dInp }, { dOut, inp, gamma: dInp ? gamma : null, mean, invStd });
  if (!dInp && !dGamma && !dBeta) return;
  // Both entry points write dGamma and dBeta (when switched on) from the first six bindings; main also writes dInp.
  const uniforms = [u32(B), u32(C), u32(HW)];
  const constants = {
    WG: REDUCTION_WORKGROUP,
    ACCUMULATE_PARAMS: options.accumulateParams ? 1 : 0,
    GAMMA_GRAD: dGamma ? 1 : 0,
    BETA_GRAD: dBeta ? 1 : 0,
  };
  // The shader leaves a gradient's binding alone when it is switched off.
  const bindings = [dOut, inp, mean, invStd, dGamma ?? placeholderFor(plan), dBeta ?? placeholderFor(plan, 1)];
  const workgroups = gridFor(C, 1);
  if (dInp) {
    const inputConstants = { ...constants, ACCUMULATE: options.accumulate ? 1 : 0 };
    plan.add({ op, shader: backwardShader, constants: inputConstants, uniforms, bindings: [...bindings, gamma, dInp], workgroups });
  } else {
    plan.add({ op: 'batchnorm2d_backward_params', shader: backwardShader, entryPoint: 'paramsOnly', constants, uniforms, bindings, workgroups });
  }
}
