import forwardShader from '../../../../shaders/layernorm/forward.wgsl?raw';
import backwardInputShader from '../../../../shaders/layernorm/backward-input.wgsl?raw';
import backwardParamsShader from '../../../../shaders/layernorm/backward-params.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes, type Tensors } from '../launch-checks';
import { placeholderFor } from '../placeholder';
import { REDUCTION_WORKGROUP, rowLanes } from '../workgroups';
import { LAYER_NORM_EPS } from './layernorm-defaults';

/** Adjacent columns per workgroup of the parameter-gradient kernels: 32 contiguous bytes per row. */
export const LAYER_NORM_PARAM_COLUMNS = 8;

/** Checks the counts, the (N, C) tensors, the per-row (N) and the per-feature (C) ones. */
function expectShapes(op: string, N: number, C: number, rows: Tensors, perRow: Tensors, perFeature: Tensors): void {
  expectPositiveIntegers(op, { N, C });
  expectSizes(op, rows, N * C, `N*C = ${N}*${C}`);
  expectSizes(op, perRow, N, `N = ${N}`);
  expectSizes(op, perFeature, C, `C = ${C}`);
}

/**
 * out (N, C) = (inp - mean) * rstd * weight + bias over each row of inp (N, C), with weight (C),
 * bias (C) or null; always saves mean (N) and rstd (N) = 1 / sqrt(biased var + eps) for backward.
 */
export function layerNormForward(
  plan: ComputePlan,
  out: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor | null,
  N: number,
  C: number,
  eps = LAYER_NORM_EPS,
): void {
  const op = 'layerNormForward';
  expectShapes(op, N, C, { out, inp }, { mean, rstd }, { weight, bias });
  if (!(eps >= 0 && Number.isFinite(eps))) throw new Error(`${op}: eps must be a finite non-negative number, got ${eps}`);
  expectNoAliasing(op, { out, mean, rstd }, { inp, weight, bias });
  const lanes = rowLanes(C);
  plan.add({
    op: bias ? 'layernorm_forward_bias' : 'layernorm_forward',
    shader: forwardShader,
    constants: { WG: REDUCTION_WORKGROUP, LANES: lanes, HAS_BIAS: bias ? 1 : 0 },
    uniforms: [u32(N), u32(C), f32(eps)],
    bindings: [inp, weight, bias ?? placeholderFor(plan), out, mean, rstd],
    workgroups: gridFor(N, REDUCTION_WORKGROUP / lanes),
  });
}

/**
 * From the saved mean (N) and rstd (N), with dOut, inp and dInp (N, C), weight, dWeight and
 * dBias (C): dInp = the LayerNorm input gradient (one workgroup per row or rows),
 * dWeight = sum_n dOut * xhat, dBias = sum_n dOut (column sums over the N rows).
 * Overwrites unless `options.accumulate` (dInp) / `options.accumulateParams` (dWeight, dBias);
 * a null gradient is not computed.
 */
export function layerNormBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dWeight: GpuTensor | null,
  dBias: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  N: number,
  C: number,
  options: BackwardOptions,
): void {
  const op = 'layerNormBackward';
  expectShapes(op, N, C, { dInp, dOut, inp }, { mean, rstd }, { dWeight, dBias, weight });
  // One check per dispatch, all before the first is added; weight is read by the dInp one only.
  if (dInp) expectNoAliasing(op, { dInp }, { dOut, inp, weight, mean, rstd });
  expectNoAliasing(op, { dWeight, dBias }, { dOut, inp, mean, rstd });
  const uniforms = [u32(N), u32(C)];
  const accumulateParams = options.accumulateParams ? 1 : 0;

  if (dInp) {
    const lanes = rowLanes(C);
    plan.add({
      op: 'layernorm_backward_input',
      shader: backwardInputShader,
      constants: { WG: REDUCTION_WORKGROUP, LANES: lanes, ACCUMULATE: options.accumulate ? 1 : 0 },
      uniforms,
      bindings: [dOut, inp, weight, mean, rstd, dInp],
      workgroups: gridFor(N, REDUCTION_WORKGROUP / lanes),
    });
  }
  if (dWeight || dBias) {
    plan.add({
      op: dWeight && dBias ? 'layernorm_backward_params' : dWeight ? 'layernorm_backward_weight' : 'layernorm_backward_bias',
      shader: backwardParamsShader,
      constants: {
        WG: REDUCTION_WORKGROUP,
        COLUMNS: LAYER_NORM_PARAM_COLUMNS,
        WEIGHT_GRAD: dWeight ? 1 : 0,
        BIAS_GRAD: dBias ? 1 : 0,
        ACCUMULATE_PARAMS: accumulateParams,
      },
      uniforms,
      // The shader leaves a gradient's binding alone when it is switched off.
      bindings: [dOut, inp, mean, rstd, dWeight ?? placeholderFor(plan), dBias ?? placeholderFor(plan)],
      workgroups: gridFor(C, LAYER_NORM_PARAM_COLUMNS),
    });
  }
}
