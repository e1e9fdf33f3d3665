import { describe, expect, it } from 'vitest';
import { createRng } from '../../random';
import { fft2, fftshiftIndex, frequencyField } from './frequency-field';

function matrixOf(n: number, entry: (i: number, j: number) => number): Float64Array {
  return Float64Array.from({ length: n * n }, (_, k) => entry(Math.floor(k / n), k % n));
}

describe('fftshiftIndex', () => {
  // numpy: fftshift(arange(n)) for n = 4 is [2 3 0 1], for n = 5 is [3 4 0 1 2].
  it('matches numpy on an even and an odd size', () => {
    expect([0, 1, 2, 3].map((k) => fftshiftIndex(k, 4))).toEqual([2, 3, 0, 1]);
    expect([0, 1, 2, 3, 4].map((k) => fftshiftIndex(k, 5))).toEqual([3, 4, 0, 1, 2]);
    expect(fftshiftIndex(0, 1)).toBe(0);
  });
});

describe('fft2', () => {
  it('matches the direct 2-D DFT on an odd size', () => {
    const n = 5;
    const rng = createRng(7);
    const m = matrixOf(n, () => rng.uniform(-1, 1));
    const { re, im } = fft2(m, n);
    let worst = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        let sumRe = 0;
        let sumIm = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const angle = (-2 * Math.PI * ((p * i + q * j) % n)) / n;
            sumRe += m[i * n + j] * Math.cos(angle);
            sumIm += m[i * n + j] * Math.sin(angle);
          }
        }
        worst = Math.max(worst, Math.abs(sumRe - re[p * n + q]), Math.abs(sumIm - im[p * n + q]));
      }
    }
    // Measured 1.8e-15 for these 25 entries in [−1, 1].
    expect(worst).toBeLessThan(2e-14);
  });
});

describe('frequencyField', () => {
  // A delta at (0, 0) has every Fourier coefficient equal to 1, so the field is 20 · ln 1 = 0.
  it.each([4, 5, 27])('is flat at 0 for a delta, n = %i', (n) => {
    const field = frequencyField(
      matrixOf(n, (i, j) => (i === 0 && j === 0 ? 1 : 0)),
      n,
    );
    // Exact for powers of two; through Bluestein the field measured 8.9e-15 (n = 5) and 1.6e-14 (n = 27) away from 0.
    expect(Math.max(...field.map(Math.abs))).toBeLessThan(1e-12);
  });

  it('has one coefficient c · n² at the centre for a constant, and −Infinity elsewhere (power of two: exact zeros)', () => {
    const n = 8;
    const c = 0.25;
    const field = frequencyField(
      matrixOf(n, () => c),
      n,
    );
    const centre = (n / 2) * n + n / 2;
    expect(field[centre]).toBeCloseTo(20 * Math.log(c * n * n), 5);
    field.forEach((value, k) => {
      if (k !== centre) expect(value).toBe(-Infinity);
    });
  });

  it('has the constant’s coefficient at (⌊n/2⌋, ⌊n/2⌋) on an odd size, the rest at rounding level', () => {
    const n = 27;
    const c = 0.5;
    const field = frequencyField(
      matrixOf(n, () => c),
      n,
    );
    const centre = 13 * n + 13;
    expect(field[centre]).toBeCloseTo(20 * Math.log(c * n * n), 4);
    // Away from the centre Bluestein leaves |X| ≤ 6.5e-14 (measured; 1.2e-12 at n = 144), so the field sits below 20 · ln(1e-12).
    field.forEach((value, k) => {
      if (k !== centre) expect(value).toBeLessThan(20 * Math.log(1e-12));
    });
  });

  it('is symmetric about the centre for a real matrix on an odd size (|X(−p, −q)| = |X(p, q)|)', () => {
    const n = 5;
    const rng = createRng(3);
    const field = frequencyField(
      matrixOf(n, () => rng.uniform(0, 1)),
      n,
    );
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(field[r * n + c]).toBeCloseTo(field[(n - 1 - r) * n + (n - 1 - c)], 4);
  });
});
