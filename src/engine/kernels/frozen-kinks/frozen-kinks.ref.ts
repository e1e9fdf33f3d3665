// float64 reference of max pooling at a frozen arg-max (frozen-kinks.ts).
import { pool2dOutputSize } from '../pool2d/pool2d-shape';

/** out[b, c, oh, ow] = inp at the first arg-max (row-major, strictly greater replaces) of the same window of `at`. */
export function maxPool2dForwardAt(
  out: Float64Array,
  inp: ArrayLike<number>,
  at: ArrayLike<number>,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
): void {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < Hout; oh++) {
      for (let ow = 0; ow < Wout; ow++) {
        const corner = p * H * W + oh * stride * W + ow * stride;
        let best = corner;
        for (let kh = 0; kh < K; kh++) for (let kw = 0; kw < K; kw++) if (at[corner + kh * W + kw] > at[best]) best = corner + kh * W + kw;
        out[(p * Hout + oh) * Wout + ow] = inp[best];
      }
    }
  }
}
