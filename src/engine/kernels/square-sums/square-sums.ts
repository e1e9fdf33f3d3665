// Sums of squares over strided runs of one buffer, on the GPU (square-sums.ref.ts is its
// float64 twin): the diagonal's energy and the whole energy of every Kronecker factor the
// inspector measures, in one dispatch.
import squareSumsShader from '../../../../shaders/square-sums/square-sums.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { REDUCTION_WORKGROUP } from '../workgroups';
import { RUN_WORDS, runEnd, type StridedRun } from './square-sums-shape';

export { diagonalRun, joinPieces, matrixRun, RUN_WORDS, runTable, splitRuns, SQUARE_SUMS_PIECE, vectorRun, type StridedRun } from './square-sums-shape';

/**
 * out[r] = sum_k values[offset_r + k * stride_r]^2 for the runs of `table` (written from
 * runTable(runs); `runs` is given again so the extents are checked while recording).
 */
export function squareSums(plan: ComputePlan, out: GpuTensor, values: GpuTensor, table: GpuTensor, runs: readonly StridedRun[]): void {
  const op = 'squareSums';
  if (runs.length === 0) throw new Error(`${op}: no runs to sum`);
  expectSizes(op, { out }, runs.length, 'one sum per run');
  expectSizes(op, { table }, runs.length * RUN_WORDS, `${RUN_WORDS} u32 per run`);
  expectDtypes(op, { out, values }, 'f32');
  expectDtypes(op, { table }, 'u32');
  expectNoAliasing(op, { out }, { values, table });
  runs.forEach((run, index) => {
    const fields = [run.offset, run.count, run.stride];
    if (!fields.every((field) => Number.isInteger(field) && field >= 0) || run.count < 1) {
      throw new Error(`${op}: run ${index} must have a whole offset >= 0, count >= 1 and stride >= 0, got (${fields.join(', ')})`);
    }
    if (runEnd(run) > values.size) {
      throw new Error(`${op}: run ${index} (${fields.join(', ')}) reads up to element ${runEnd(run) - 1}, but values "${values.label}" has ${values.size}`);
    }
  });
  plan.add({
    op: 'square_sums',
    shader: squareSumsShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(runs.length)],
    bindings: [table, values, out],
    workgroups: gridFor(runs.length, 1),
  });
}
