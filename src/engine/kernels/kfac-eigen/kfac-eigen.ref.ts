// float64 reference of the batched cyclic Jacobi eigensolver (kfac-eigen.ts is the GPU
// launcher), the same rotations in the same order:
//   for each sweep, while the off-diagonal mass exceeds (n·ε)² of the total:
//     for p < q (row by row), with a_pq ≠ 0:
//       θ = (a_qq − a_pp) / (2 a_pq),  t = sign(θ) / (|θ| + sqrt(θ² + 1))  (t = 1/(2θ) past |θ| = 1e18),
//       c = 1 / sqrt(t² + 1),  s = t·c;
//       a_pp −= t a_pq,  a_qq += t a_pq,  a_pq = a_qp = 0,
//       a_kp, a_kq <- c a_kp − s a_kq, s a_kp + c a_kq for k ≠ p, q (and the symmetric entries),
//       v_kp, v_kq <- c v_kp − s v_kq, s v_kp + c v_kq for every k.
// M = V diag(values) Vᵀ. Eigenvalues at or below `floor` (the notebook's 1e-10) are set to 0.
// A matrix holding an infinite or NaN value gives all-NaN vectors and values, so a finite check
// downstream catches it.
import type { EigenLayout } from './kfac-eigen-layout';

/** Sweeps at most; a float32 matrix reaches its rounding floor in well under 15. */
export const MAX_SWEEPS = 30;
/** The notebook's threshold: eigenvalues at or below it become 0. */
export const EIGENVALUE_FLOOR = 1e-10;
/** Past this |θ|, θ² + 1 would overflow float32: t = 1/(2θ). */
const LARGE_THETA = 1e18;

export interface Eigen {
  /** n x n, row-major, column j the eigenvector of values[j]. */
  readonly vectors: Float64Array;
  readonly values: Float64Array;
  readonly sweeps: number;
}

/** The Jacobi eigendecomposition of a symmetric n x n matrix; `epsilon` sets the stopping rule. */
export function jacobiEigen(M: ArrayLike<number>, n: number, epsilon = 2.2e-16, floor = EIGENVALUE_FLOOR): Eigen {
  if (M.length !== n * n) throw new Error(`jacobiEigen: M has ${M.length} values, expected ${n}x${n}`);
  const a = Float64Array.from(M);
  if (!a.every(Number.isFinite)) return { vectors: new Float64Array(n * n).fill(NaN), values: new Float64Array(n).fill(NaN), sweeps: 0 };
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const square = a[i * n + j] ** 2;
        total += square;
        if (i !== j) off += square;
      }
    if (off <= (n * epsilon) ** 2 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > LARGE_THETA ? 0.5 / theta : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k !== p && k !== q) {
            const akp = a[k * n + p];
            const akq = a[k * n + q];
            a[k * n + p] = a[p * n + k] = c * akp - s * akq;
            a[k * n + q] = a[q * n + k] = s * akp + c * akq;
          }
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = a[q * n + p] = 0;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i] <= floor ? 0 : a[i * n + i];
  return { vectors: v, values, sweeps };
}

/** What the GPU writes into each output region of `layout`: V and the eigenvalues (the working copy is not compared). */
export function kfacEigen(out: Float64Array, inp: ArrayLike<number>, layout: EigenLayout, epsilon?: number): void {
  for (const { n, inOffset, outOffset, valuesOffset } of layout.entries) {
    const { vectors, values } = jacobiEigen(
      Array.from({ length: n * n }, (_, e) => inp[inOffset + e]),
      n,
      epsilon,
    );
    out.set(vectors, outOffset);
    out.set(values, valuesOffset);
  }
}
