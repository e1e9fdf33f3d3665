// float64 reference of the strided square sums (square-sums.ts is the GPU launcher): the
// energy ‖M‖_F² of a factor and the energy of its diagonal, read from one flat buffer.

import { diagonalRun, matrixRun, runEnd, type StridedRun } from './square-sums-shape';

export { diagonalRun, matrixRun, vectorRun, type StridedRun } from './square-sums-shape';

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
