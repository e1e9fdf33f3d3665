import forwardShader from '../../../../shaders/softmax/forward.wgsl?raw';
import backwardShader from '../../../../shaders/softmax/backward.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { REDUCTION_WORKGROUP, rowLanes } from '../workgroups';

/** out (N, C) = softmax of each row of inp (N, C): exp(x - max) / sum exp(x - max). */
export function softmaxForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, N: number, C: number): void {
  const op = 'softmaxForward';
  expectPositiveIntegers(op, { N, C });
  expectSizes(op, { out, inp }, N * C, `N*C = ${N}*${C}`);
  expectNoAliasing(op, { out }, { inp });
  const lanes = rowLanes(C);
  plan.add({
    op: 'softmax_forward',
    shader: forwardShader,
    constants: { WG: REDUCTION_WORKGROUP, LANES: lanes },
    uniforms: [u32(N), u32(C)],
    bindings: [inp, out],
    workgroups: gridFor(N, REDUCTION_WORKGROUP / lanes),
  });
}

/**
 * dInp (N, C) = out * (dOut - sum_c dOut * out) per row, from the forward's output `out`;
 * adds into dInp with `options.accumulate`.
 */
export function softmaxBackward(
  plan: ComputePlan,
  dInp: GpuTensor,
  dOut: GpuTensor,
  out: GpuTensor,
  N: number,
  C: number,
  options: InputGradientOptions,
): void {
  const op = 'softmaxBackward';
  expectPositiveIntegers(op, { N, C });
  expectSizes(op, { dInp, dOut, out }, N * C, `N*C = ${N}*${C}`);
  expectNoAliasing(op, { dInp }, { dOut, out });
  const lanes = rowLanes(C);
  plan.add({
    op: 'softmax_backward',
    shader: backwardShader,
    constants: { WG: REDUCTION_WORKGROUP, LANES: lanes, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(N), u32(C)],
    bindings: [dOut, out, dInp],
    workgroups: gridFor(N, REDUCTION_WORKGROUP / lanes),
  });
}
