import combineRowsShader from '../../../../shaders/plane/combine-rows.wgsl?raw';
import perturbShader from '../../../../shaders/plane/perturb.wgsl?raw';
import projectRowsShader from '../../../../shaders/plane/project-rows.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { expectSnapshotIndexable } from '../snapshot/snapshot-layout';
import { ELEMENTWISE_WORKGROUP, reductionWorkgroupFor } from '../workgroups';

/**
 * out[i] = Σ_t coefficients[t] · (snapshots[t·P + i] − origin[i]), or out[i] += that when
 * options.accumulate. coefficients: f32 tensor of `capacity`; a zero coefficient skips its row
 * (an empty slot is never read).
 */
export function combineRows(
  plan: ComputePlan,
  out: GpuTensor,
  snapshots: GpuTensor,
  origin: GpuTensor,
  coefficients: GpuTensor,
  P: number,
  capacity: number,
  options: { accumulate: boolean },
): void {
  const op = 'combineRows';
  expectPositiveIntegers(op, { P, capacity });
  expectSnapshotIndexable(op, P, capacity);
  expectSizes(op, { out, origin }, P, 'P');
  expectSizes(op, { snapshots }, capacity * P, `capacity*P = ${capacity}*${P}`);
  expectSizes(op, { coefficients }, capacity, 'capacity');
  expectDtypes(op, { out, snapshots, origin, coefficients }, 'f32');
  expectNoAliasing(op, { out }, { snapshots, origin, coefficients });
  plan.add({
    op: 'combine_rows',
    shader: combineRowsShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(P), u32(capacity)],
    bindings: [snapshots, origin, coefficients, out],
    workgroups: gridFor(P, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * out[i] = base[slot·P + i] + coords[0]·dirX[i] + coords[1]·dirY[i], slot = slotIndex[0] (a u32
 * tensor of 1; a slot ≥ capacity writes nothing); base has capacity·P elements (capacity 1 for a
 * single vector); coords: f32 tensor of 2. The host writes slotIndex and coords before each submit.
 */
export function perturb(
  plan: ComputePlan,
  out: GpuTensor,
  base: GpuTensor,
  slotIndex: GpuTensor,
  dirX: GpuTensor,
  dirY: GpuTensor,
  coords: GpuTensor,
  P: number,
  capacity: number,
): void {
  const op = 'perturb';
  expectPositiveIntegers(op, { P, capacity });
  expectSnapshotIndexable(op, P, capacity);
  expectSizes(op, { out, dirX, dirY }, P, 'P');
  expectSizes(op, { base }, capacity * P, `capacity*P = ${capacity}*${P}`);
  expectSizes(op, { slotIndex }, 1);
  expectSizes(op, { coords }, 2, 'alpha and beta');
  expectDtypes(op, { out, base, dirX, dirY, coords }, 'f32');
  expectDtypes(op, { slotIndex }, 'u32');
  expectNoAliasing(op, { out }, { base, slotIndex, dirX, dirY, coords });
  plan.add({
    op: 'perturb',
    shader: perturbShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(P), u32(capacity)],
    bindings: [base, slotIndex, dirX, dirY, coords, out],
    workgroups: gridFor(P, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * For every t < capacity: out[3t] = ⟨s_t − c, dirX⟩, out[3t + 1] = ⟨s_t − c, dirY⟩,
 * out[3t + 2] = ‖s_t − c‖², with s_t = snapshots[t·P ..] and c = center. One workgroup per t,
 * tree reduction over i.
 */
export function projectRows(
  plan: ComputePlan,
  out: GpuTensor,
  snapshots: GpuTensor,
  center: GpuTensor,
  dirX: GpuTensor,
  dirY: GpuTensor,
  P: number,
  capacity: number,
): void {
  const op = 'projectRows';
  expectPositiveIntegers(op, { P, capacity });
  expectSnapshotIndexable(op, P, capacity);
  expectSizes(op, { out }, 3 * capacity, `3*capacity = 3*${capacity}`);
  expectSizes(op, { snapshots }, capacity * P, `capacity*P = ${capacity}*${P}`);
  expectSizes(op, { center, dirX, dirY }, P, 'P');
  expectDtypes(op, { out, snapshots, center, dirX, dirY }, 'f32');
  expectNoAliasing(op, { out }, { snapshots, center, dirX, dirY });
  plan.add({
    op: 'project_rows',
    shader: projectRowsShader,
    constants: { WG: reductionWorkgroupFor(P) },
    uniforms: [u32(P), u32(capacity)],
    bindings: [snapshots, center, dirX, dirY, out],
    workgroups: gridFor(capacity, 1),
  });
}
