// The frequency field of a factor: F = 20 · ln|fftshift(fft2(M))| (natural log, as the seed's
// notebooks take it), n*n row-major, frequencies from −π to π along both axes with zero at
// index ⌊n/2⌋. An exactly zero Fourier coefficient gives −Infinity, kept as is.

import { createDft } from './dft';

/** The 2-D DFT of a real n*n row-major matrix: rows first, then columns. */
export function fft2(values: ArrayLike<number>, n: number): { re: Float64Array; im: Float64Array } {
  const dft = createDft(n);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const zeros = new Float64Array(n);
  const rowRe = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) rowRe[j] = values[i * n + j];
    dft.transform(rowRe, zeros, re.subarray(i * n, (i + 1) * n), im.subarray(i * n, (i + 1) * n));
  }
  const columnRe = new Float64Array(n);
  const columnIm = new Float64Array(n);
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      columnRe[i] = re[i * n + j];
      columnIm[i] = im[i * n + j];
    }
    dft.transform(columnRe, columnIm, outRe, outIm);
    for (let i = 0; i < n; i++) {
      re[i * n + j] = outRe[i];
      im[i * n + j] = outIm[i];
    }
  }
  return { re, im };
}

/** numpy's fftshift along one axis: out[k] = in[(k − ⌊n/2⌋) mod n], so frequency 0 lands at ⌊n/2⌋. */
export function fftshiftIndex(k: number, n: number): number {
  return (k - Math.floor(n / 2) + n) % n;
}

/** 20 · ln|fftshift(fft2(M))| as float32, row-major. */
export function frequencyField(values: ArrayLike<number>, n: number): Float32Array {
  const { re, im } = fft2(values, n);
  const field = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    const sourceRow = fftshiftIndex(r, n) * n;
    for (let c = 0; c < n; c++) {
      const source = sourceRow + fftshiftIndex(c, n);
      field[r * n + c] = 20 * Math.log(Math.hypot(re[source], im[source]));
    }
  }
  return field;
}
