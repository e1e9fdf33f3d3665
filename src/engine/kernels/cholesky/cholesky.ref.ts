// float64 reference of the batched SPD inverse: (M + ridge I)^-1 by Cholesky, as
// torch.cholesky_inverse(torch.linalg.cholesky(A)) (cholesky.ts is the GPU launcher).
import type { MatrixTable } from '../matrix-table';

/**
 * (M + ridge I)^-1 of one n x n row-major matrix, reading M's lower triangle: A = L L^T,
 * X = L^-1, A^-1 = X^T X. All NaN when a pivot is not > 0 (A not positive definite).
 */
export function spdInverse(M: ArrayLike<number>, n: number, ridge: number): Float64Array {
  if (M.length !== n * n) throw new Error(`spdInverse: M has ${M.length} values, expected ${n * n} (${n}x${n})`);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let pivot = M[j * n + j] + ridge;
    for (let k = 0; k < j; k++) pivot -= L[j * n + k] * L[j * n + k];
    if (!(pivot > 0) || !Number.isFinite(pivot)) return new Float64Array(n * n).fill(NaN);
    const diagonal = Math.sqrt(pivot);
    L[j * n + j] = diagonal;
    for (let i = j + 1; i < n; i++) {
      let sum = M[i * n + j];
      for (let k = 0; k < j; k++) sum -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = sum / diagonal;
    }
  }
  const X = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    X[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum += L[i * n + k] * X[k * n + j];
      X[i * n + j] = -sum / L[i * n + i];
    }
  }
  const inverse = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let sum = 0;
      for (let k = b; k < n; k++) sum += X[k * n + a] * X[k * n + b];
      inverse[a * n + b] = sum;
      inverse[b * n + a] = sum;
    }
  }
  return inverse;
}

/** out_i = (M_i + ridge[i] I)^-1 for every matrix of a packed table (gaps left as they are). */
export function choleskyInverse(out: Float64Array, inp: ArrayLike<number>, ridge: ArrayLike<number>, layout: MatrixTable): void {
  const count = layout.entries.length;
  if (out.length !== layout.totalElements || inp.length !== layout.totalElements) {
    throw new Error(`choleskyInverse: out has ${out.length} and inp ${inp.length} values, the table ${layout.totalElements}`);
  }
  if (ridge.length !== count) throw new Error(`choleskyInverse: ridge has ${ridge.length} values, expected one per matrix (${count})`);
  layout.entries.forEach(({ offset, n }, index) => {
    const M = Float64Array.from({ length: n * n }, (_, e) => inp[offset + e]);
    out.set(spdInverse(M, n, ridge[index]), offset);
  });
}
