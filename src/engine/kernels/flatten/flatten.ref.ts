// float64 reference for flatten (B, C, H, W) -> (B, C*H*W). In NCHW the element order is
// unchanged, so forward is a copy and backward adds the gradient back unchanged (+=).

export function flattenForward(out: Float64Array, inp: Float64Array, B: number, C: number, H: number, W: number): void {
  const n = B * C * H * W;
  for (let i = 0; i < n; i++) out[i] = inp[i];
}

export function flattenBackward(dInp: Float64Array, dOut: Float64Array, B: number, C: number, H: number, W: number): void {
  const n = B * C * H * W;
  for (let i = 0; i < n; i++) dInp[i] += dOut[i];
}
