// Sums of squares over strided runs of one buffer, on the GPU (square-sums.ref.ts is its
// float64 twin): the diagonal's energy and the whole energy of every Kronecker factor the
// inspector measures, in one dispatch.
import squareSumsShader from '../../../../shaders/square-sums/square-sums.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { REDUCTION_WORKGROUP } from '../workgroups';
import { runEnd, type StridedRun } from './square-sums.ref';

export { diagonalRun, matrixRun, vectorRun, type StridedRun } from './square-sums.ref';

/** u32 words per run in the table: offset, count, stride. */
export const RUN_WORDS = 3;

/**
 * Most values one workgroup sums, 1024 per invocation: a 2049 x 2049 factor is 17 pieces
 * instead of one workgroup looping over 4.2 million values, and each float32 sum stays short
 * enough (relative error measured below 1e-7). Larger than a discrete GPU would like, as on the
 * software adapter each workgroup has a fixed cost (see minmax-average.ts).
 */
export const SQUARE_SUMS_PIECE = 262144;

/** Runs cut into pieces of at most `piece` values; `of[i]` is the run piece i belongs to. */
export function splitRuns(runs: readonly StridedRun[], piece = SQUARE_SUMS_PIECE): { pieces: StridedRun[]; of: number[] } {
  const pieces: StridedRun[] = [];
  const of: number[] = [];
  runs.forEach((run, index) => {
    for (let start = 0; start < run.count; start += piece) {
      pieces.push({ offset: run.offset + start * run.stride, count: Math.min(piece, run.count - start), stride: run.stride });
      of.push(index);
    }
  });
  return { pieces, of };
}

/** Adds the pieces' sums back into one sum per run (float64). */
export function joinPieces(sums: ArrayLike<number>, of: readonly number[], runs: number): Float64Array {
  const joined = new Float64Array(runs);
  of.forEach((run, piece) => (joined[run] += sums[piece]));
  return joined;
}

/** The u32 table squareSums reads: RUN_WORDS per run. */
export function runTable(runs: readonly StridedRun[]): Uint32Array {
  return Uint32Array.from(runs.flatMap((run) => [run.offset, run.count, run.stride]));
}

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
