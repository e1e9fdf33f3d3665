// The two error measures the drift and kernel tests compare with: the largest magnitude of a
// vector (to scale an error by) and the largest element-wise difference of two vectors.

export function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** max_i |actual[i] - expected[i]| over the expected vector's length. */
export function maxDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}
