// Pooling geometry that the GPU launcher and the float64 reference both need, in a module of its
// own so that neither borrows it from the code the other checks.

/** Output length of a pooled dimension; throws when the K-wide window does not fit. */
export function pool2dOutputSize(size: number, K: number, stride: number): number {
  for (const [name, value] of [
    ['size', size],
    ['K', K],
    ['stride', stride],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`pool2d: ${name} must be a positive integer, got ${value}`);
  }
  const out = Math.floor((size - K) / stride) + 1;
  if (out < 1) {
    throw new Error(`pool2d: output size floor((${size} - ${K}) / ${stride}) + 1 = ${out} < 1; the ${K}x${K} window is larger than the input`);
  }
  return out;
}
