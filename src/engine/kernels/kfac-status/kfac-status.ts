// K-FAC's non-finite check on the GPU: a u32 status (matrix + 1, step + 1) written when an
// inverse first holds an infinite or NaN value, read back only when the trainer asks.
import flagShader from '../../../../shaders/kfac-status/flag.wgsl?raw';
import settleShader from '../../../../shaders/kfac-status/settle.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { STATUS_PER_INVOCATION, STATUS_WORKGROUP } from './kfac-status-layout';

/**
 * Two dispatches. `table` holds packStatusTable's words for `chunks` chunks; `flags` (u32, one
 * per matrix) must start at 0 and is left at 0; `step` is a u32 tensor of 1; `status` is 2 u32
 * words, (0, 0) until a check finds a non-finite matrix.
 */
export function kfacStatus(plan: ComputePlan, status: GpuTensor, flags: GpuTensor, values: GpuTensor, table: GpuTensor, chunks: number, step: GpuTensor): void {
  const op = 'kfacStatus';
  if (table.dtype !== 'u32' || table.size === 0 || table.size % 4 !== 0) {
    throw new Error(`${op}: table "${table.label}" must hold 4 u32 words per matrix, got ${table.size} ${table.dtype}`);
  }
  const matrices = table.size / 4;
  expectPositiveIntegers(op, { chunks });
  expectSizes(op, { flags }, matrices, 'one per matrix of the table');
  expectSizes(op, { status }, 2, 'matrix + 1 and step + 1');
  expectSizes(op, { step }, 1);
  expectDtypes(op, { status, flags, step }, 'u32');
  expectDtypes(op, { values }, 'f32');
  expectNoAliasing(op, { flags }, { values, table });
  expectNoAliasing(op, { flags, status }, { step });
  plan.add({
    op: 'kfac_status_flag',
    shader: flagShader,
    constants: { WG: STATUS_WORKGROUP, PER_INVOCATION: STATUS_PER_INVOCATION },
    uniforms: [u32(matrices), u32(chunks)],
    bindings: [table, values, flags],
    workgroups: gridFor(chunks, 1),
  });
  plan.add({ op: 'kfac_status_settle', shader: settleShader, uniforms: [u32(matrices)], bindings: [step, flags, status], workgroups: [1] });
}
