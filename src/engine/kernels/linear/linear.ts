import matmulShader from '../../../../shaders/linear/matmul.wgsl?raw';
import backwardBiasShader from '../../../../shaders/linear/backward-bias.wgsl?raw';
import { gridFor, MAX_WORKGROUPS_PER_DIMENSION, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { placeholderFor } from '../placeholder';

/** Output rows and columns per workgroup of matmul-tiled.wgsl (THREADS * BLOCK). */
const MATMUL_TILE = 64;
/** Invocations per dBias column; a power of two, as the tree reduction halves it. */
const BIAS_WORKGROUP = 256;

/** Workgroups covering an (M, P) output with one MATMUL_TILE x MATMUL_TILE tile each. */
function tileGrid(op: string, M: number, P: number): [number, number] {
  const grid: [number, number] = [Math.ceil(P / MATMUL_TILE), Math.ceil(M / MATMUL_TILE)];
  if (grid[0] > MAX_WORKGROUPS_PER_DIMENSION || grid[1] > MAX_WORKGROUPS_PER_DIMENSION) {
    throw new Error(`${op}: a (${M}, ${P}) product needs ${grid[0]} x ${grid[1]} workgroups, over ${MAX_WORKGROUPS_PER_DIMENSION} per dimension`);
  }
  return grid;
}

/** out = inp @ weight^T + bias, with inp (N, C), weight (OC, C), bias (OC) or null, out (N, OC). */
export function linearForward(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor | null,
  N: number,
  C: number,
  OC: number,
): void {
  const op = 'linearForward';
  expectPositiveIntegers(op, { N, C, OC });
  expectSizes(op, { out }, N * OC, `N*OC = ${N}*${OC}`);
  expectSizes(op, { inp }, N * C, `N*C = ${N}*${C}`);
  expectSizes(op, { weight }, OC * C, `OC*C = ${OC}*${C}`);
  expectSizes(op, { bias }, OC, `OC = ${OC}`);
  expectNoAliasing(op, { out }, { inp, weight, bias });
  plan.add({
    op: bias ? 'linear_forward_bias' : 'linear_forward',
    shader: matmulShader,
    constants: { TRANS_A: 0, TRANS_B: 1, ACCUMULATE: 0, HAS_BIAS: bias ? 1 : 0 },
    uniforms: [u32(N), u32(C), u32(OC)],
    bindings: [inp, weight, bias ?? placeholderFor(plan), out],
    workgroups: tileGrid(op, N, OC),
  });
}

/**
 * dInp = dOut @ weight (N, C), dWeight = dOut^T @ inp (OC, C), dBias = column sums of dOut (OC).
 * Overwrites unless `options.accumulate` (dInp) / `options.accumulateParams` (dWeight, dBias);
 * a null gradient is not computed.
 */
export function linearBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dWeight: GpuTensor,
  dBias: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  N: number,
  C: number,
  OC: number,
  options: BackwardOptions = {},
): void {
  const op = 'linearBackward';
  expectPositiveIntegers(op, { N, C, OC });
  expectSizes(op, { weight, dWeight }, OC * C, `OC*C = ${OC}*${C}`);
  expectSizes(op, { dOut }, N * OC, `N*OC = ${N}*${OC}`);
  expectSizes(op, { inp, dInp }, N * C, `N*C = ${N}*${C}`);
  expectSizes(op, { dBias }, OC, `OC = ${OC}`);
  // One check per dispatch, all before the first is added.
  expectNoAliasing(op, { dInp }, { dOut, weight });
  expectNoAliasing(op, { dWeight }, { dOut, inp });
  expectNoAliasing(op, { dBias }, { dOut });
  const accumulateParams = options.accumulateParams ? 1 : 0;
  // The matmul shader's bias binding, unused without HAS_BIAS.
  const noBias = placeholderFor(plan);

  if (dInp) {
    // (N, OC) @ (OC, C): weight is already stored as op(b).
    plan.add({
      op: 'linear_backward_input',
      shader: matmulShader,
      constants: { TRANS_A: 0, TRANS_B: 0, ACCUMULATE: options.accumulate ? 1 : 0, HAS_BIAS: 0 },
      uniforms: [u32(N), u32(OC), u32(C)],
      bindings: [dOut, weight, noBias, dInp],
      workgroups: tileGrid(op, N, C),
    });
  }
  // (OC, N) @ (N, C): dOut is stored (N, OC), i.e. transposed.
  plan.add({
    op: 'linear_backward_weight',
    shader: matmulShader,
    constants: { TRANS_A: 1, TRANS_B: 0, ACCUMULATE: accumulateParams, HAS_BIAS: 0 },
    uniforms: [u32(OC), u32(N), u32(C)],
    bindings: [dOut, inp, noBias, dWeight],
    workgroups: tileGrid(op, OC, C),
  });
  if (dBias) {
    plan.add({
      op: 'linear_backward_bias',
      shader: backwardBiasShader,
      constants: { WG: BIAS_WORKGROUP, ACCUMULATE: accumulateParams },
      uniforms: [u32(N), u32(OC)],
      bindings: [dOut, dBias],
      workgroups: gridFor(OC, 1),
    });
  }
}
