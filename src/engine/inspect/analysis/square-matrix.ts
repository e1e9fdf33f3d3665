// The analyses read a full factor as n*n row-major numbers; this checks that shape once.

/**
 * Throws a sentence naming the matrix, the reason and what is allowed, when `values` is not n*n
 * finite numbers (a NaN would also stall the eigensolver's iterations).
 */
export function checkSquareMatrix(values: ArrayLike<number>, n: number, what = 'the factor'): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: size n = ${n} is not allowed; n must be a positive integer.`);
  if (values.length !== n * n) {
    throw new Error(`${what}: ${values.length} values do not fill the ${n}x${n} matrix; a full factor needs n*n = ${n * n} values, row-major.`);
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw new Error(`${what}: entry (${Math.floor(k / n)}, ${k % n}) is ${values[k]}; the analyses need finite numbers.`);
    }
  }
}

/** True when M_ij === M_ji for every i, j (bit for bit, as a GPU XᵀX with one summation order gives). */
export function isExactlySymmetric(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) if (values[i * n + j] !== values[j * n + i]) return false;
  }
  return true;
}
