// The plane that best shows several trajectories at once: principal components of the snapshot
// rows r_i = θ_i − θ_ref of every run (Li et al., 2018, stacked over all runs instead of one).
// Only their Gram matrix G_ij = <r_i, r_j> is needed, so the rows themselves never leave the GPU.
//
// With J = I − 11ᵀ/n the centring matrix, the centred Gram C = J G J = R̃ R̃ᵀ (R̃ the centred
// rows). If C u = λ u with |u| = 1, then v = R̃ᵀ u / √λ is a unit principal direction, and since
// R̃ᵀ u = Σ_i (u_i − ū) r_i it is a combination of the raw rows: v = Σ_i c_i r_i with
// c = (u − ū·1) / √λ. λ / trace(C) is the share of the rows' variance along v.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface PcaPlane {
  /** Each direction as a combination of the rows: d_k = Σ_i coefficients[k][i] · r_i, of unit length. */
  readonly coefficients: readonly [Float64Array, Float64Array];
  /** Share of the rows' total variance along each direction (0 for a direction the rows do not span). */
  readonly explainedVariance: readonly [number, number];
  /** Each row's coordinates in the plane, <r_j, d_k>: the reference θ_ref sits at the origin. */
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Eigenvalues below this share of the largest count as zero: float64 rounding of a rank-deficient Gram. */
const RELATIVE_ZERO = 1e-12;

/**
 * The top two principal directions of n rows given their n x n Gram matrix (row-major).
 * Signs are chosen so that the first row (a run's start) has a coordinate ≤ 0 on each axis:
 * trajectories then run towards +x and +y. A direction the rows do not span (n = 2, or all
 * rows on one line) has zero coefficients and zero explained variance.
 */
export function pcaPlaneFromGram(gram: ArrayLike<number>, n: number): PcaPlane {
  if (!Number.isInteger(n) || n < 2) throw new Error(`A PCA plane needs at least 2 snapshots, got ${n}`);
  if (gram.length !== n * n) throw new Error(`The Gram matrix of ${n} snapshots has ${n * n} entries, got ${gram.length}`);
  const centred = centredGram(gram, n);
  const { realEigenvalues, eigenvectorMatrix } = new EigenvalueDecomposition(centred, { assumeSymmetric: true });
  const order = realEigenvalues.map((_, k) => k).sort((a, b) => realEigenvalues[b] - realEigenvalues[a]);
  const total = realEigenvalues.reduce((sum, value) => sum + Math.max(0, value), 0);
  const largest = Math.max(0, realEigenvalues[order[0]]);
  const axes = [0, 1].map((rank) => {
    const k = order[rank];
    const lambda = realEigenvalues[k];
    const coefficients = new Float64Array(n);
    if (!(lambda > RELATIVE_ZERO * largest) || total <= 0) return { coefficients, share: 0 };
    const u = eigenvectorMatrix.getColumn(k);
    const mean = u.reduce((sum, value) => sum + value, 0) / n;
    const scale = 1 / Math.sqrt(lambda);
    for (let i = 0; i < n; i++) coefficients[i] = (u[i] - mean) * scale;
    return { coefficients, share: lambda / total };
  });
  const coordinates = axes.map(({ coefficients }) => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j] += coefficients[i] * gram[i * n + j];
    if (out[0] > 0) {
      for (let j = 0; j < n; j++) out[j] = -out[j];
      for (let i = 0; i < n; i++) coefficients[i] = -coefficients[i];
    }
    return out;
  });
  return {
    coefficients: [axes[0].coefficients, axes[1].coefficients],
    explainedVariance: [axes[0].share, axes[1].share],
    x: coordinates[0],
    y: coordinates[1],
  };
}

/** J G J: subtract each row's and column's mean and add back the grand mean. */
function centredGram(gram: ArrayLike<number>, n: number): Matrix {
  const rowMeans = new Float64Array(n);
  let grandMean = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) rowMeans[i] += gram[i * n + j] / n;
    grandMean += rowMeans[i] / n;
  }
  const centred = new Matrix(n, n);
  // G is symmetric, so column means equal row means.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centred.set(i, j, gram[i * n + j] - rowMeans[i] - rowMeans[j] + grandMean);
  return centred;
}
