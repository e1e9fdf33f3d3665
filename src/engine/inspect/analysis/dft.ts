// The n-point discrete Fourier transform X_k = Σ_j x_j e^(−2πi jk/n) for any n ≥ 1, built on
// fft.js, which only transforms power-of-two sizes.
//
// Power of two: fft.js directly. Otherwise Bluestein's chirp-z algorithm: with jk = (j² + k² − (k−j)²)/2,
//   X_k = conj(w_k) · Σ_j (x_j · conj(w_j)) · w_(k−j),   w_m = e^(iπ m²/n),
// a convolution computed as a circular one of power-of-two length L ≥ 2n − 1 (three fft.js
// transforms per call; the transform of the chirp is computed once per size). The chirp's angle
// uses m² mod 2n, exact in integers, so large m do not lose the angle's precision.

import FFT from 'fft.js';

export interface Dft {
  readonly n: number;
  /** Writes the DFT of (re, im) into (outRe, outIm); each array holds n numbers, inputs untouched. */
  transform(re: ArrayLike<number>, im: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && (n & (n - 1)) === 0;
}

function identityDft(): Dft {
  return {
    n: 1,
    transform: (re, im, outRe, outIm) => {
      outRe[0] = re[0];
      outIm[0] = im[0];
    },
  };
}

function powerOfTwoDft(n: number): Dft {
  const fft = new FFT(n);
  const data = new Float64Array(2 * n);
  const out = new Float64Array(2 * n);
  return {
    n,
    transform: (re, im, outRe, outIm) => {
      for (let j = 0; j < n; j++) {
        data[2 * j] = re[j];
        data[2 * j + 1] = im[j];
      }
      fft.transform(out, data);
      for (let k = 0; k < n; k++) {
        outRe[k] = out[2 * k];
        outIm[k] = out[2 * k + 1];
      }
    },
  };
}

/** The smallest power of two L ≥ 2n − 1 (at least 2, fft.js's smallest size). */
export function bluesteinLength(n: number): number {
  let length = 2;
  while (length < 2 * n - 1) length *= 2;
  return length;
}

function bluesteinDft(n: number): Dft {
  const length = bluesteinLength(n);
  const fft = new FFT(length);
  // w_m = e^(iπ m²/n) for m = 0..n−1.
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    const angle = (Math.PI * ((m * m) % (2 * n))) / n;
    chirpRe[m] = Math.cos(angle);
    chirpIm[m] = Math.sin(angle);
  }
  // The kernel w_m laid out circularly: index m and length − m both hold w_m (w is even in m).
  const kernel = new Float64Array(2 * length);
  for (let m = 0; m < n; m++) {
    kernel[2 * m] = chirpRe[m];
    kernel[2 * m + 1] = chirpIm[m];
    if (m > 0) {
      kernel[2 * (length - m)] = chirpRe[m];
      kernel[2 * (length - m) + 1] = chirpIm[m];
    }
  }
  const kernelSpectrum = new Float64Array(2 * length);
  fft.transform(kernelSpectrum, kernel);
  const a = new Float64Array(2 * length);
  const spectrum = new Float64Array(2 * length);
  const convolution = new Float64Array(2 * length);
  return {
    n,
    transform: (re, im, outRe, outIm) => {
      a.fill(0);
      for (let j = 0; j < n; j++) {
        // x_j · conj(w_j)
        a[2 * j] = re[j] * chirpRe[j] + im[j] * chirpIm[j];
        a[2 * j + 1] = im[j] * chirpRe[j] - re[j] * chirpIm[j];
      }
      fft.transform(spectrum, a);
      for (let k = 0; k < length; k++) {
        const sr = spectrum[2 * k];
        const si = spectrum[2 * k + 1];
        const kr = kernelSpectrum[2 * k];
        const ki = kernelSpectrum[2 * k + 1];
        spectrum[2 * k] = sr * kr - si * ki;
        spectrum[2 * k + 1] = sr * ki + si * kr;
      }
      fft.inverseTransform(convolution, spectrum);
      for (let k = 0; k < n; k++) {
        // conj(w_k) · (a ⊛ w)_k
        const cr = convolution[2 * k];
        const ci = convolution[2 * k + 1];
        outRe[k] = cr * chirpRe[k] + ci * chirpIm[k];
        outIm[k] = ci * chirpRe[k] - cr * chirpIm[k];
      }
    },
  };
}

/** An n-point DFT: fft.js for powers of two, Bluestein over fft.js otherwise. Reuse it for many transforms of one size. */
export function createDft(n: number): Dft {
  if (!Number.isInteger(n) || n < 1) throw new Error(`DFT size ${n} is not allowed; the size must be a positive integer.`);
  if (n === 1) return identityDft();
  return isPowerOfTwo(n) ? powerOfTwoDft(n) : bluesteinDft(n);
}
