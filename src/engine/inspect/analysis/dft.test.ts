import { describe, expect, it } from 'vitest';
import { createRng } from '../../random';
import { bluesteinLength, createDft } from './dft';

/** X_k = Σ_j x_j e^(−2πi jk/n), summed directly in float64 (angle reduced with jk mod n). */
function directDft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(angle) - im[j] * Math.sin(angle);
      outIm[k] += re[j] * Math.sin(angle) + im[j] * Math.cos(angle);
    }
  }
  return { re: outRe, im: outIm };
}

function randomComplex(n: number, seed: number): { re: Float64Array; im: Float64Array } {
  const rng = createRng(seed);
  return { re: Float64Array.from({ length: n }, () => rng.uniform(-1, 1)), im: Float64Array.from({ length: n }, () => rng.uniform(-1, 1)) };
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  return a.reduce((worst, value, k) => Math.max(worst, Math.abs(value - b[k])), 0);
}

describe('createDft', () => {
  // Measured worst differences from the direct sum, inputs in [−1, 1]: 3e-16 (n = 3), 9e-16 (5),
  // 5e-15 (27), 1.4e-14 (144), 2.8e-13 (2049), about 1.5e-16 · n, much of it the direct sum's own
  // rounding; the tolerance 1e-15 · n leaves a factor of 5 or more.
  it.each([1, 2, 3, 5, 8, 27, 64, 144])('matches the direct O(n²) DFT for n = %i', (n) => {
    const x = randomComplex(n, 100 + n);
    const expected = directDft(x.re, x.im);
    const outRe = new Float64Array(n);
    const outIm = new Float64Array(n);
    createDft(n).transform(x.re, x.im, outRe, outIm);
    const tolerance = 1e-15 * n;
    expect(maxDifference(outRe, expected.re)).toBeLessThan(tolerance);
    expect(maxDifference(outIm, expected.im)).toBeLessThan(tolerance);
  });

  it('gives the same answer when one instance transforms several inputs (its buffers are reset)', () => {
    const dft = createDft(27);
    const first = randomComplex(27, 1);
    const second = randomComplex(27, 2);
    const a = { re: new Float64Array(27), im: new Float64Array(27) };
    const b = { re: new Float64Array(27), im: new Float64Array(27) };
    dft.transform(second.re, second.im, a.re, a.im);
    dft.transform(first.re, first.im, b.re, b.im);
    dft.transform(second.re, second.im, b.re, b.im);
    expect(b.re).toEqual(a.re);
    expect(b.im).toEqual(a.im);
  });

  it('pads a non-power-of-two size to the smallest power of two ≥ 2n − 1', () => {
    expect([3, 5, 27, 144, 2049].map(bluesteinLength)).toEqual([8, 16, 64, 512, 8192]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createDft(0)).toThrow('DFT size 0 is not allowed; the size must be a positive integer.');
    expect(() => createDft(2.5)).toThrow(/positive integer/);
  });
});
