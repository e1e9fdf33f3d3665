// float64 reference of the strided square sums (square-sums.ts is the GPU launcher): the
// energy ‖M‖_F² of a factor and the energy of its diagonal, read from one flat buffer.

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

/** sum_k values[offset + k * stride]^2 for each run. */
export function squareSums(values: ArrayLike<number>, runs: readonly StridedRun[]): Float64Array {
  return Float64Array.from(runs, (run) => {
    if (runEnd(run) > values.length)
      throw new Error(`squareSums: a run of ${run.count} values from ${run.offset} every ${run.stride} ends past ${values.length} values`);
    let sum = 0;
    for (let k = 0; k < run.count; k++) {
      const value = values[run.offset + k * run.stride];
      sum += value * value;
    }
    return sum;
  });
}

/** ‖diag M‖² / ‖M‖_F² of an n x n row-major matrix; 0 for the zero matrix. */
export function diagonalShare(M: ArrayLike<number>, n: number): number {
  if (M.length !== n * n) throw new Error(`diagonalShare: the matrix has ${M.length} entries, expected ${n * n} (${n} x ${n})`);
  const [diagonal, total] = squareSums(M, [diagonalRun(0, n), matrixRun(0, n)]);
  return total > 0 ? diagonal / total : 0;
}
