// float64 references of the notebook K-FAC's small kernels (kfac-notebook.ts is the GPU side).
import type { GradientBlock } from './kfac-notebook-layout';

/** M's leading side x side block <- decay·M + (1 − decay)·S. */
export function notebookAverage(M: Float64Array, S: ArrayLike<number>, side: number, mSide: number, mOffset: number, decay: number): void {
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) {
      const at = mOffset + i * mSide + j;
      M[at] = decay * M[at] + (1 - decay) * S[i * side + j];
    }
}

/** The bias row and column (side d + 1): scale·column sums of the patch matrix (patchRows x d, row-major), scale·rows in the corner. */
export function notebookBiasLine(M: Float64Array, patches: ArrayLike<number>, rows: number, d: number, mOffset: number, scale: number, decay: number): void {
  const side = d + 1;
  for (let i = 0; i < d; i++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += patches[r * d + i];
    const value = (1 - decay) * scale * sum;
    M[mOffset + i * side + d] = decay * M[mOffset + i * side + d] + value;
    M[mOffset + d * side + i] = decay * M[mOffset + d * side + i] + value;
  }
  M[mOffset + d * side + d] = decay * M[mOffset + d * side + d] + (1 - decay) * scale * rows;
}

/** [G_w | g_b] from the flat gradients. */
export function notebookGather(grads: ArrayLike<number>, block: GradientBlock): Float64Array {
  const { rows, cols, weightOffset, biasOffset } = block;
  const pCols = cols + (biasOffset === null ? 0 : 1);
  const P = new Float64Array(rows * pCols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) P[r * pCols + c] = grads[weightOffset + r * cols + c];
    if (biasOffset !== null) P[r * pCols + cols] = grads[biasOffset + r];
  }
  return P;
}

/** V /= d_g[i]·d_a[j] + damping, in place. */
export function notebookEigenScale(V: Float64Array, dG: ArrayLike<number>, dA: ArrayLike<number>, damping: number): void {
  for (let i = 0; i < dG.length; i++) for (let j = 0; j < dA.length; j++) V[i * dA.length + j] /= dG[i] * dA[j] + damping;
}

/** ν = min(1, sqrt(klClip / (lr²·vg))), 1 when lr²·vg is not > 0 (the notebook would divide by 0). */
export function klScale(vg: number, lr: number, klClip: number): number {
  const total = lr * lr * vg;
  return total > 0 ? Math.min(1, Math.sqrt(klClip / total)) : 1;
}

/** grads' weight and bias <- ν·V. */
export function notebookScatter(grads: Float64Array, V: ArrayLike<number>, nu: number, block: GradientBlock): void {
  const { rows, cols, weightOffset, biasOffset } = block;
  const vCols = cols + (biasOffset === null ? 0 : 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) grads[weightOffset + r * cols + c] = nu * V[r * vCols + c];
    if (biasOffset !== null) grads[biasOffset + r] = nu * V[r * vCols + cols];
  }
}
