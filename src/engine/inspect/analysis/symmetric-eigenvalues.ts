// Eigenvalues only (no eigenvectors) of a real symmetric matrix, for the perturbation's spectra of
// factors up to 2048 x 2048 and more. ml-matrix's decomposition always accumulates eigenvectors,
// which is most of its time (40 s against 6 s for these two steps on one 2048 x 2048 XᵀX/N); the analyses
// never use them. Two textbook steps:
//
// 1. Householder tridiagonalisation, working on the lower triangle: for k = 0..n−3, with
//    x = A[k+1.., k], α = −sign(x_0)‖x‖, v = x − α e_1, β = 2 / vᵀv:
//      p = β A v,  w = p − (β pᵀv / 2) v,  A ← A − v wᵀ − w vᵀ  (trailing block, lower triangle),
//    which leaves the subdiagonal entry α. The eigenvalues are unchanged (orthogonal similarity).
// 2. The implicit QL iteration with Wilkinson-type shifts on the tridiagonal (d, e), as EISPACK's
//    tql1: values only, O(n²) in all. A coupling e_m counts as zero once |e_m| ≤ ε · max_i(|d_i| + |e_i|),
//    a scale of the whole matrix as JAMA's tql2 uses, not of its neighbours d_m, d_m+1: a factor from a
//    small batch is rank-deficient, and near its zero eigenvalues a test relative to the neighbours
//    never passes (observed: no convergence on XᵀX/N with fewer rows than columns).

/** Sorted ascending. `lower` holds n*n row-major numbers of which only j ≤ i is read; it is not modified. */
export function symmetricTridiagonalEigenvalues(lower: ArrayLike<number>, n: number): number[] {
  const { diagonal, offDiagonal } = tridiagonalise(lower, n);
  implicitQl(diagonal, offDiagonal);
  return Array.from(diagonal).sort((a, b) => a - b);
}

/** Step 1: the diagonal d (n) and subdiagonal e (n, e[i] couples i and i+1, e[n−1] = 0) of QᵀAQ. */
export function tridiagonalise(lower: ArrayLike<number>, n: number): { diagonal: Float64Array; offDiagonal: Float64Array } {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = lower[i * n + j];
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let normSquared = 0;
    for (let i = k + 1; i < n; i++) normSquared += a[i * n + k] ** 2;
    const x0 = a[(k + 1) * n + k];
    const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(normSquared);
    offDiagonal[k] = alpha;
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k];
    v[k + 1] -= alpha;
    let vv = 0;
    for (let i = k + 1; i < n; i++) vv += v[i] * v[i];
    if (vv === 0) continue; // the column is already zero below the subdiagonal
    const beta = 2 / vv;
    // p = A v over the trailing block, reading each row of the lower triangle once.
    w.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let sum = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j];
        sum += aij * v[j];
        w[j] += aij * vi;
      }
      w[i] += sum + a[row + i] * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      w[i] *= beta;
      pv += w[i] * v[i];
    }
    const half = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) w[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = w[i];
      for (let j = k + 1; j <= i; j++) a[row + j] -= vi * w[j] + wi * v[j];
    }
  }
  for (let i = 0; i < n; i++) diagonal[i] = a[i * n + i];
  if (n >= 2) offDiagonal[n - 2] = a[(n - 1) * n + n - 2];
  offDiagonal[n - 1] = 0;
  return { diagonal, offDiagonal };
}

const MAX_SWEEPS_PER_EIGENVALUE = 60;

/** Step 2: overwrites d with the eigenvalues of the tridiagonal (d, e), unsorted; e is destroyed. */
export function implicitQl(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]) + Math.abs(e[i]));
  const negligible = Number.EPSILON * scale;
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      // The first m ≥ l whose coupling e[m] is negligible splits off the block l..m.
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > negligible) m++;
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS_PER_EIGENVALUE) {
        throw new Error(`symmetric eigenvalues: the QL iteration did not converge for eigenvalue ${l} of ${n} after ${MAX_SWEEPS_PER_EIGENVALUE} sweeps.`);
      }
      // Shift: the eigenvalue of the leading 2x2 block nearer d[l].
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let deflated = false;
      for (let i = m - 1; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // An exact zero split the block: finish this sweep early.
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
