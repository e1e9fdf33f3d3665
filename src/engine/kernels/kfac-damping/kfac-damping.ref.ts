// float64 reference of K-FAC's factored Tikhonov damping (ASDL's cov_kron_damping):
//   π = sqrt((tr A / dim A) / (tr B / dim B)),  r = sqrt(λ),
//   λ_A = max(r·π, 1e-7),  λ_B = max(r/π, 1e-7);  π of 0 or ∞ keeps λ on both sides.
import type { DampingEntry } from './kfac-damping-layout';

/** ASDL's floor on each of the two split dampings. */
export const MIN_SPLIT_DAMPING = 1e-7;

export function trace(m: ArrayLike<number>, n: number, offset = 0): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += m[offset + i * (n + 1)];
  return sum;
}

/**
 * The split of λ between A and B. A π that is not a number (both traces 0) also keeps λ on
 * both sides, where ASDL's own arithmetic would give NaN.
 */
export function dampingSplit(traceA: number, dimA: number, traceB: number, dimB: number, damping: number): { lambdaA: number; lambdaB: number } {
  const pi = Math.sqrt(traceA / dimA / (traceB / dimB));
  if (pi === 0 || !Number.isFinite(pi)) return { lambdaA: damping, lambdaB: damping };
  const r = Math.sqrt(damping);
  return { lambdaA: Math.max(r * pi, MIN_SPLIT_DAMPING), lambdaB: Math.max(r / pi, MIN_SPLIT_DAMPING) };
}

/** What kfacDamping writes: for each entry, λ_A and λ_B into `ridges`. */
export function kfacDamping(ridges: Float64Array, factors: ArrayLike<number>, entries: readonly DampingEntry[], damping: number): void {
  for (const entry of entries) {
    const traceA = trace(factors, entry.aSide, entry.aOffset);
    const traceB = trace(factors, entry.bSide, entry.bOffset);
    const { lambdaA, lambdaB } = dampingSplit(traceA, entry.aDim, traceB, entry.bSide, damping);
    ridges[entry.ridgeA] = lambdaA;
    ridges[entry.ridgeB] = lambdaB;
  }
}
