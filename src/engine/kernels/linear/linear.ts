import matmulKernel from '../../../../shaders/linear/matmul.wgsl?raw';
import backwardBiasShader from '../../../../shaders/linear/backward-bias.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { placeholderFor } from '../placeholder';
import { registerTileFor, tileConstants, tileGrid, withRegisterTile } from '../register-tile';
import { REDUCTION_WORKGROUP } from '../workgroups';

const matmulShader = withRegisterTile(matmulKernel);

/** matmul.wgsl's switches: which operand is stored transposed, add into c, add the bias. */
interface MatmulFlags {
  readonly TRANS_A: 0 | 1;
  readonly TRANS_B: 0 | 1;
  readonly ACCUMULATE: 0 | 1;
  readonly HAS_BIAS: 0 | 1;
}

/**
 * One matmul.wgsl dispatch labelled `label`, c (M, P) (+)= op(a) @ op(b) over K, on the register
 * tile for its output; a grid too large for the device is reported as `caller`'s error.
 */
function addMatmul(
  plan: ComputePlan,
  caller: string,
  label: string,
  [M, K, P]: [M: number, K: number, P: number],
  flags: MatmulFlags,
  bindings: [a: GpuTensor, b: GpuTensor, bias: GpuTensor, c: GpuTensor],
): void {
  const tile = registerTileFor(M, P);
  plan.add({
    op: label,
    shader: matmulShader,
    constants: { ...tileConstants(tile), ...flags },
    uniforms: [u32(M), u32(K), u32(P)],
    bindings,
    workgroups: tileGrid(caller, M, P, tile),
  });
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
  const flags: MatmulFlags = { TRANS_A: 0, TRANS_B: 1, ACCUMULATE: 0, HAS_BIAS: bias ? 1 : 0 };
  addMatmul(plan, op, bias ? 'linear_forward_bias' : 'linear_forward', [N, C, OC], flags, [inp, weight, bias ?? placeholderFor(plan), out]);
}

/**
 * dInp = dOut @ weight (N, C), dWeight = dOut^T @ inp (OC, C), dBias = column sums of dOut (OC).
 * Overwrites unless `options.accumulate` (dInp) / `options.accumulateParams` (dWeight, dBias);
 * a null gradient is not computed (dWeight is null for a frozen weight, e.g. a tied, frozen table).
 */
export function linearBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dWeight: GpuTensor | null,
  dBias: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  N: number,
  C: number,
  OC: number,
  options: BackwardOptions,
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
    const flags: MatmulFlags = { TRANS_A: 0, TRANS_B: 0, ACCUMULATE: options.accumulate ? 1 : 0, HAS_BIAS: 0 };
    addMatmul(plan, op, 'linear_backward_input', [N, OC, C], flags, [dOut, weight, noBias, dInp]);
  }
  if (dWeight) {
    // (OC, N) @ (N, C): dOut is stored (N, OC), i.e. transposed.
    addMatmul(plan, op, 'linear_backward_weight', [OC, N, C], { TRANS_A: 1, TRANS_B: 0, ACCUMULATE: accumulateParams, HAS_BIAS: 0 }, [
      dOut,
      inp,
      noBias,
      dWeight,
    ]);
  }
  if (dBias) {
    plan.add({
      op: 'linear_backward_bias',
      shader: backwardBiasShader,
      constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: accumulateParams },
      uniforms: [u32(N), u32(OC)],
      bindings: [dOut, dBias],
      workgroups: gridFor(OC, 1),
    });
  }
}
