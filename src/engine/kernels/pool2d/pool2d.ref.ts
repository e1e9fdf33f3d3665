// float64 reference for 2-D max and average pooling without padding (PyTorch semantics).
// inp (B, C, H, W) -> out (B, C, Hout, Wout), Hout = floor((H - K) / stride) + 1: rows and
// columns that no full window reaches are dropped. Backward functions add into their gradient
// output or overwrite it, as their options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';
import { pool2dOutputSize } from './pool2d-shape';

/**
 * Plane-relative index of the first maximum of window (oh, ow) in row-major order: only a
 * strictly greater value replaces the best, so ties go to the earliest element, as in
 * PyTorch's CPU kernel. NaN is not propagated (the GPU cannot be relied on to see it).
 */
function firstArgMax(plane: Float64Array, base: number, W: number, K: number, stride: number, oh: number, ow: number): number {
  const h0 = oh * stride;
  const w0 = ow * stride;
  let best = h0 * W + w0;
  for (let kh = 0; kh < K; kh++) {
    for (let kw = 0; kw < K; kw++) {
      const index = (h0 + kh) * W + w0 + kw;
      if (plane[base + index] > plane[base + best]) best = index;
    }
  }
  return best;
}

/** out[b, c, oh, ow] = max over kh, kw < K of inp[b, c, oh*stride + kh, ow*stride + kw]. */
export function maxPool2dForward(out: Float64Array, inp: Float64Array, B: number, C: number, H: number, W: number, K: number, stride: number): void {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < Hout; oh++) {
      for (let ow = 0; ow < Wout; ow++) {
        out[(p * Hout + oh) * Wout + ow] = inp[p * H * W + firstArgMax(inp, p * H * W, W, K, stride, oh, ow)];
      }
    }
  }
}

/** dInp[first arg-max of each window] (+)= dOut[window]; overlapping windows sum. */
export function maxPool2dBackward(
  dInp: Float64Array,
  dOut: Float64Array,
  inp: Float64Array,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
  options: InputGradientOptions,
): void {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < Hout; oh++) {
      for (let ow = 0; ow < Wout; ow++) {
        dInp[p * H * W + firstArgMax(inp, p * H * W, W, K, stride, oh, ow)] += dOut[(p * Hout + oh) * Wout + ow];
      }
    }
  }
}

/** out[b, c, oh, ow] = mean over kh, kw < K of inp[b, c, oh*stride + kh, ow*stride + kw]. */
export function avgPool2dForward(out: Float64Array, inp: Float64Array, B: number, C: number, H: number, W: number, K: number, stride: number): void {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < Hout; oh++) {
      for (let ow = 0; ow < Wout; ow++) {
        let sum = 0;
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) sum += inp[(p * H + oh * stride + kh) * W + ow * stride + kw];
        }
        out[(p * Hout + oh) * Wout + ow] = sum / (K * K);
      }
    }
  }
}

/** dInp[b, c, oh*stride + kh, ow*stride + kw] (+)= dOut[b, c, oh, ow] / (K*K). */
export function avgPool2dBackward(
  dInp: Float64Array,
  dOut: Float64Array,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
  options: InputGradientOptions,
): void {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < Hout; oh++) {
      for (let ow = 0; ow < Wout; ow++) {
        const grad = dOut[(p * Hout + oh) * Wout + ow] / (K * K);
        for (let kh = 0; kh < K; kh++) {
          for (let kw = 0; kw < K; kw++) dInp[(p * H + oh * stride + kh) * W + ow * stride + kw] += grad;
        }
      }
    }
  }
}
