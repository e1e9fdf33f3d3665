// Convolution geometry that the GPU launcher and the float64 reference both need, in a module of
// its own so that neither borrows it from the code the other checks.

/** floor((size + 2 pad - K) / stride) + 1, the output height (or width) of the convolution. */
export function conv2dOutputSize(size: number, K: number, stride: number, pad: number): number {
  for (const [name, value, min] of [
    ['size', size, 1],
    ['kernel size', K, 1],
    ['stride', stride, 1],
    ['padding', pad, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`conv2d: ${name} must be an integer >= ${min}, got ${value}`);
  }
  const out = Math.floor((size + 2 * pad - K) / stride) + 1;
  if (out < 1) {
    throw new Error(`conv2d: kernel ${K} does not fit an input of ${size} with padding ${pad} (output size would be ${out})`);
  }
  return out;
}
