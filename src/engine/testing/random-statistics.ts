// Second-moment statistics for the tests of the inverse-root kernel and of Shampoo: G^T G of a
// seeded standard-normal G, rank-deficient when G has fewer rows than columns.

import { createRng } from '../random';

/** G^T G (n x n, row-major) for a (rows, n) standard normal G: rank min(rows, n). */
export function gramOfRandomRows(rows: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const g = Array.from({ length: rows * n }, () => rng.normal());
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += g[r * n + i] * g[r * n + j];
      s[i * n + j] = sum;
    }
  }
  return s;
}
