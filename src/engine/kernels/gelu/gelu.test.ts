import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import type { GeluApproximation } from './gelu-approximation';
import { geluBackward, geluForward } from './gelu.ref';

function gelu(x: number, approximate: GeluApproximation = 'tanh'): number {
  const out = new Float64Array(1);
  geluForward(out, Float64Array.of(x), 1, approximate);
  return out[0];
}

function geluSlope(x: number, approximate: GeluApproximation = 'tanh'): number {
  const dInp = new Float64Array(1);
  geluBackward(dInp, Float64Array.of(1), Float64Array.of(x), 1, approximate, OVERWRITE_ALL);
  return dInp[0];
}

describe('exact gelu reference', () => {
  // x Phi(x) and Phi(x) + x phi(x) from mpmath at 30 digits, rounded to float64.
  const VALUES = [
    [-10, -7.619853024160526e-23, -7.618400096464814e-22],
    [-3, -0.0040496940948902835, -0.011945647204183927],
    [-1, -0.15865525393145705, -0.08331547058768629],
    [1, 0.8413447460685429, 1.0833154705876864],
  ] as const;

  it('matches values from mpmath, the left tail included', () => {
    for (const [x, value, slope] of VALUES) {
      expect(Math.abs(gelu(x, 'none') - value) / Math.abs(value), `gelu(${x})`).toBeLessThan(2e-14);
      expect(Math.abs(geluSlope(x, 'none') - slope) / Math.abs(slope), `gelu'(${x})`).toBeLessThan(2e-14);
    }
    expect(gelu(0, 'none')).toBe(0);
    expect(geluSlope(0, 'none')).toBe(0.5);
    // Phi(x) + Phi(-x) = 1, so gelu(x) - gelu(-x) = x and the slopes add to 1.
    for (const x of [0.3, 1.7, 4]) {
      expect(gelu(x, 'none') - gelu(-x, 'none')).toBeCloseTo(x, 14);
      expect(geluSlope(x, 'none') + geluSlope(-x, 'none')).toBeCloseTo(1, 14);
    }
    // The tanh approximation is off by 9.8e-5 at x = 2, far beyond float32 rounding.
    expect(Math.abs(gelu(2, 'none') - gelu(2, 'tanh'))).toBeGreaterThan(9e-5);
  });

  for (const n of [1, 7, 64]) {
    it(`backward matches central finite differences, n=${n}`, () => {
      const rng = createRng(n + 100);
      const inp = randomArray(rng, n, -4, 4);
      if (n >= 7) inp.set([-8, -5.5, 6, 9], 0);
      const dOut = randomArray(rng, n);
      const dInp = new Float64Array(n);
      geluBackward(dInp, dOut, inp, n, 'none', OVERWRITE_ALL);
      const out = new Float64Array(n);
      const loss = () => (geluForward(out, inp, n, 'none'), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, -1);
    geluBackward(dInp, Float64Array.of(2, 4), Float64Array.of(0, 30), 2, 'none', ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([2, 3]);
  });
});

describe('tanh gelu reference', () => {
  it('matches values worked out by hand', () => {
    expect(gelu(0)).toBe(0);
    // u = sqrt(2/pi) * (1 + 0.044715) = 0.833562, tanh(u) = 0.682384: 0.5 * 1.682384.
    expect(gelu(1)).toBeCloseTo(0.841192, 6);
    // 0.5 * -1 * (1 - 0.682384).
    expect(gelu(-1)).toBeCloseTo(-0.158808, 6);
    // tanh is odd, so gelu(x) - gelu(-x) = 0.5 x (1 + tanh u) + 0.5 x (1 - tanh u) = x.
    for (const x of [0.3, 1.7, 4]) expect(gelu(x) - gelu(-x)).toBeCloseTo(x, 12);
    // Far out the approximation is the identity on the right and 0 on the left.
    expect(gelu(30)).toBe(30);
    expect(Math.abs(gelu(-30))).toBe(0);
  });

  it('backward matches slopes worked out by hand', () => {
    expect(geluSlope(0)).toBe(0.5);
    // 0.5 * 1.682384 + 0.5 * (1 - 0.682384^2) * 0.797885 * (1 + 3 * 0.044715) = 0.841192 + 0.241772.
    expect(geluSlope(1)).toBeCloseTo(1.082964, 6);
    // Differentiating gelu(x) - gelu(-x) = x gives slope(x) + slope(-x) = 1.
    for (const x of [0.3, 1, 2.5]) expect(geluSlope(x) + geluSlope(-x)).toBeCloseTo(1, 12);
    expect(geluSlope(30)).toBe(1);
    expect(geluSlope(-30)).toBe(0);
  });

  for (const n of [1, 7, 64]) {
    it(`backward matches central finite differences, n=${n}`, () => {
      const rng = createRng(n);
      const inp = randomArray(rng, n, -4, 4);
      // The tails, where the slope has left 0.5 and 1 behind only by a little.
      if (n >= 7) inp.set([-8, -5.5, 6, 9], 0);
      const dOut = randomArray(rng, n);
      const dInp = new Float64Array(n);
      geluBackward(dInp, dOut, inp, n, 'tanh', OVERWRITE_ALL);
      const out = new Float64Array(n);
      const loss = () => (geluForward(out, inp, n, 'tanh'), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, -1);
    geluBackward(dInp, Float64Array.of(2, 4), Float64Array.of(0, 30), 2, 'tanh', ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([2, 3]);
  });
});
