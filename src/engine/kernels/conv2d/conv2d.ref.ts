// float64 reference for a 2-D convolution as PyTorch's nn.Conv2d (square kernel, groups=1,
// dilation 1, zero padding), NCHW. The backward adds into its gradient outputs or overwrites
// them, as its options say.
import { clearUnlessAccumulating, type BackwardOptions } from '../backward-options';
import { conv2dOutputSize } from './conv2d-shape';

export function conv2dForward(
  out: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  B: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  K: number,
  stride: number,
  pad: number,
): void {
  const Hout = conv2dOutputSize(H, K, stride, pad);
  const Wout = conv2dOutputSize(W, K, stride, pad);
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < Cout; co++) {
      for (let oy = 0; oy < Hout; oy++) {
        for (let ox = 0; ox < Wout; ox++) {
          let sum = bias ? bias[co] : 0;
          for (let ci = 0; ci < Cin; ci++) {
            for (let ky = 0; ky < K; ky++) {
              const iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < K; kx++) {
                const ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= W) continue;
                sum += inp[((b * Cin + ci) * H + iy) * W + ix] * weight[((co * Cin + ci) * K + ky) * K + kx];
              }
            }
          }
          out[((b * Cout + co) * Hout + oy) * Wout + ox] = sum;
        }
      }
    }
  }
}

/** A null gradient is not computed (dWeight is null for a frozen weight). */
export function conv2dBackward(
  dInp: Float64Array | null,
  dWeight: Float64Array | null,
  dBias: Float64Array | null,
  dOut: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  B: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  K: number,
  stride: number,
  pad: number,
  options: BackwardOptions,
): void {
  const Hout = conv2dOutputSize(H, K, stride, pad);
  const Wout = conv2dOutputSize(W, K, stride, pad);
  clearUnlessAccumulating(options.accumulate, dInp);
  clearUnlessAccumulating(options.accumulateParams, dWeight, dBias);
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < Cout; co++) {
      for (let oy = 0; oy < Hout; oy++) {
        for (let ox = 0; ox < Wout; ox++) {
          const d = dOut[((b * Cout + co) * Hout + oy) * Wout + ox];
          if (dBias) dBias[co] += d;
          for (let ci = 0; ci < Cin; ci++) {
            for (let ky = 0; ky < K; ky++) {
              const iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < K; kx++) {
                const ix = ox * stride - pad + kx;
                if (ix < 0 || ix >= W) continue;
                const i = ((b * Cin + ci) * H + iy) * W + ix;
                const w = ((co * Cin + ci) * K + ky) * K + kx;
                if (dWeight) dWeight[w] += d * inp[i];
                if (dInp) dInp[i] += d * weight[w];
              }
            }
          }
        }
      }
    }
  }
}
