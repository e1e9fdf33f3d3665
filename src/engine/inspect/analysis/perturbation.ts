// The seed's perturbation: independent N(0, sigma²) noise added to every off-diagonal entry of M,
// the diagonal untouched. The noise matrix is NOT symmetric (M_ij and M_ji get separate draws),
// as in the seed: its symmetric eigenvalues then see the lower triangle only (eigh reads it),
// and its SNR the upper triangle only (triu(M_noisy, 1)).
//
// Draw order: row-major, skipping the diagonal, one createRng(seed).normal() per entry:
// (0,1), (0,2), ..., (0,n−1), (1,0), (1,2), ..., (n−1,n−2), so n² − n draws. The same matrix and
// seed give the same noisy matrix on every machine (sfc32 and Box-Muller in float64).

import { createRng } from '../../random';

export function perturbOffDiagonal(values: ArrayLike<number>, n: number, sigma: number, seed: number): Float64Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`perturbation: sigma = ${sigma} is not allowed; sigma must be a finite number ≥ 0.`);
  const rng = createRng(seed);
  const noisy = Float64Array.from(values);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (j !== i) noisy[i * n + j] += sigma * rng.normal();
  }
  return noisy;
}
