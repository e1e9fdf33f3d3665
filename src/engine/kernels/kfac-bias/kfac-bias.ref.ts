// float64 reference of K-FAC's bias preconditioning: g_b <- B⁻¹ g_b for each layer, in place.
import type { BiasEntry } from './kfac-bias-layout';

export function kfacBias(grads: Float64Array, inverses: ArrayLike<number>, entries: readonly BiasEntry[]): void {
  for (const { gradOffset, inverseOffset, side } of entries) {
    const g = grads.slice(gradOffset, gradOffset + side);
    for (let i = 0; i < side; i++) {
      let sum = 0;
      for (let j = 0; j < side; j++) sum += inverses[inverseOffset + i * side + j] * g[j];
      grads[gradOffset + i] = sum;
    }
  }
}
