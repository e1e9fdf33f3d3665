// The strided runs squareSums reads (shared by the launcher and the float64 reference): a
// factor's whole energy is the run (start, n*n, 1), its diagonal's (start, n, n + 1).

/** A run of `count` values of a flat buffer, `stride` apart from `offset`. */
export interface StridedRun {
  readonly offset: number;
  readonly count: number;
  readonly stride: number;
}

/** The run over every entry of an n x n row-major matrix starting at `offset`. */
export const matrixRun = (offset: number, n: number): StridedRun => ({ offset, count: n * n, stride: 1 });

/** The run over the diagonal of an n x n row-major matrix starting at `offset`. */
export const diagonalRun = (offset: number, n: number): StridedRun => ({ offset, count: n, stride: n + 1 });

/** The run over a vector of `length` contiguous values (a diagonal measured on its own). */
export const vectorRun = (offset: number, length: number): StridedRun => ({ offset, count: length, stride: 1 });

/** The last index a run reads, +1: what the buffer must hold. */
export const runEnd = (run: StridedRun): number => run.offset + (run.count - 1) * run.stride + 1;

/** u32 words per run in the table: offset, count, stride. */
export const RUN_WORDS = 3;

/**
 * Most values one workgroup sums, 1024 per invocation: a 2049 x 2049 factor is 17 pieces
 * instead of one workgroup looping over 4.2 million values, and each float32 sum stays short
 * enough (relative error measured below 1e-7). Larger than a discrete GPU would like, as on the
 * software adapter each workgroup has a fixed cost (see minmax-average-shape.ts).
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
