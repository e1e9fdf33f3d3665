import copyShader from '../../../../shaders/snapshot/copy.wgsl?raw';
import accumulateLossShader from '../../../../shaders/snapshot/accumulate-loss.wgsl?raw';
import gramUpdateShader from '../../../../shaders/snapshot/gram-update.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP, reductionWorkgroupFor } from '../workgroups';
import { expectSnapshotIndexable } from './snapshot-layout';

/**
 * snapshots[slot·P + i] = params[i] for i < P, with slot = slotIndex[0] (a u32 tensor of 1 the
 * host writes before each submit); and, by one invocation, slotLoss[2·slot] = lossAccumulator[0],
 * slotLoss[2·slot + 1] = lossAccumulator[1], then lossAccumulator[0] = lossAccumulator[1] = 0.
 * snapshots has capacity·P elements, slotLoss 2·capacity. A slot ≥ capacity writes nothing.
 */
export function snapshotCopy(
  plan: ComputePlan,
  snapshots: GpuTensor,
  slotLoss: GpuTensor,
  params: GpuTensor,
  lossAccumulator: GpuTensor,
  slotIndex: GpuTensor,
  P: number,
  capacity: number,
): void {
  const op = 'snapshotCopy';
  expectPositiveIntegers(op, { P, capacity });
  expectSnapshotIndexable(op, P, capacity);
  expectSizes(op, { snapshots }, capacity * P, `capacity*P = ${capacity}*${P}`);
  expectSizes(op, { slotLoss }, 2 * capacity, `2*capacity = 2*${capacity}`);
  expectSizes(op, { params }, P, 'P');
  expectSizes(op, { lossAccumulator }, 2, 'loss sum and steps');
  expectSizes(op, { slotIndex }, 1);
  expectDtypes(op, { snapshots, slotLoss, params, lossAccumulator }, 'f32');
  expectDtypes(op, { slotIndex }, 'u32');
  expectNoAliasing(op, { snapshots, slotLoss, lossAccumulator }, { params, slotIndex });
  plan.add({
    op: 'snapshot_copy',
    shader: copyShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(P), u32(capacity)],
    bindings: [params, slotIndex, snapshots, slotLoss, lossAccumulator],
    workgroups: gridFor(P, ELEMENTWISE_WORKGROUP),
  });
}

/** One invocation: lossAccumulator[0] += metrics[0] / metrics[2]; lossAccumulator[1] += 1 (metrics = [loss sum, correct, rows] of the step just run). */
export function accumulateLoss(plan: ComputePlan, lossAccumulator: GpuTensor, metrics: GpuTensor): void {
  const op = 'accumulateLoss';
  expectSizes(op, { lossAccumulator }, 2, 'loss sum and steps');
  expectSizes(op, { metrics }, 3, 'loss sum, correct, rows');
  expectDtypes(op, { lossAccumulator, metrics }, 'f32');
  expectNoAliasing(op, { lossAccumulator }, { metrics });
  plan.add({ op: 'accumulate_loss', shader: accumulateLossShader, bindings: [metrics, lossAccumulator], workgroups: [1] });
}

/**
 * For every t < capacity: g_t = Σ_i (row[i] − origin[i]) · (snapshots[t·P + i] − origin[i]);
 * gram[r·S + first + t] = gram[(first + t)·S + r] = g_t with r = rowIndex[0] (a u32 tensor of 1
 * the host writes before each submit; r ≥ S writes nothing). gram is S×S row-major f32, and
 * first + capacity ≤ S. One workgroup per t with a tree reduction over i; the differences are
 * taken before the product, which keeps the digits of rows close to the origin.
 */
export function gramUpdate(
  plan: ComputePlan,
  gram: GpuTensor,
  snapshots: GpuTensor,
  row: GpuTensor,
  origin: GpuTensor,
  rowIndex: GpuTensor,
  P: number,
  capacity: number,
  first: number,
  S: number,
): void {
  const op = 'gramUpdate';
  expectPositiveIntegers(op, { P, capacity, S });
  if (!Number.isInteger(first) || first < 0) throw new Error(`${op}: first must be an integer ≥ 0, got ${first}`);
  if (first + capacity > S) throw new Error(`${op}: first + capacity = ${first} + ${capacity} = ${first + capacity} must be at most S = ${S}`);
  expectSnapshotIndexable(op, P, capacity);
  if (S * S >= 2 ** 31) throw new Error(`${op}: S*S = ${S}*${S} = ${S * S} Gram entries, must be below 2^31 so that r*S + c fits the shader's u32 arithmetic`);
  expectSizes(op, { gram }, S * S, `S*S = ${S}*${S}`);
  expectSizes(op, { snapshots }, capacity * P, `capacity*P = ${capacity}*${P}`);
  expectSizes(op, { row, origin }, P, 'P');
  expectSizes(op, { rowIndex }, 1);
  expectDtypes(op, { gram, snapshots, row, origin }, 'f32');
  expectDtypes(op, { rowIndex }, 'u32');
  expectNoAliasing(op, { gram }, { snapshots, row, origin, rowIndex });
  plan.add({
    op: 'gram_update',
    shader: gramUpdateShader,
    constants: { WG: reductionWorkgroupFor(P) },
    uniforms: [u32(P), u32(capacity), u32(first), u32(S)],
    bindings: [snapshots, row, origin, rowIndex, gram],
    workgroups: gridFor(capacity, 1),
  });
}
