// The shared PCA plane from the snapshot store's Gram matrix. The store keeps
// G_ab = <d_a, d_b> with d = θ − θ_0 (θ_0 the shared start) for every slot; the rows PCA wants
// are r_i = θ_i − θ_ref = d_i − d_ref, whose Gram is
//   <r_i, r_j> = G_ij − G_i,ref − G_ref,j + G_ref,ref.
// A direction Σ_i c_i r_i = Σ_i c_i d_i − (Σ_i c_i) d_ref is then a combination of the stored
// slots (relative to θ_0) with the reference's coefficient lowered by Σ c_i, which is what the
// combine kernel computes on the GPU.

import { pcaPlaneFromGram } from './pca-plane';

export interface PcaFit {
  /** Per Gram row (all S slots; 0 for slots not used): the coefficients of d_x and d_y. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly explainedVariance: [number, number];
}

/**
 * `rows`: the Gram rows of the snapshots to use, the shared start first (it sets the axes'
 * signs); `reference`: the row of θ_ref, one of them. Null when the rows do not vary yet.
 */
export function fitPcaPlane(gram: ArrayLike<number>, size: number, rows: readonly number[], reference: number): PcaFit | null {
  const n = rows.length;
  if (n < 2 || !rows.includes(reference)) return null;
  const g = (a: number, b: number) => gram[a * size + b];
  const relative = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      relative[i * n + j] = g(rows[i], rows[j]) - g(rows[i], reference) - g(reference, rows[j]) + g(reference, reference);
    }
  }
  const plane = pcaPlaneFromGram(relative, n);
  if (!(plane.explainedVariance[0] > 0)) return null;
  const spread = (coefficients: Float64Array) => {
    const out = new Float64Array(size);
    let sum = 0;
    rows.forEach((row, i) => {
      out[row] += coefficients[i];
      sum += coefficients[i];
    });
    out[reference] -= sum;
    return out;
  };
  return { x: spread(plane.coefficients[0]), y: spread(plane.coefficients[1]), explainedVariance: [plane.explainedVariance[0], plane.explainedVariance[1]] };
}
