import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { geluBackward, geluForward } from './gelu.ref';

function gelu(x: number): number {
  const out = new Float64Array(1);
  geluForward(out, Float64Array.of(x), 1);
  return out[0];
}

function geluSlope(x: number): number {
  const dInp = new Float64Array(1);
  geluBackward(dInp, Float64Array.of(1), Float64Array.of(x), 1, OVERWRITE_ALL);
  return dInp[0];
}

describe('gelu reference', () => {
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
      geluBackward(dInp, dOut, inp, n, OVERWRITE_ALL);
      const out = new Float64Array(n);
      const loss = () => (geluForward(out, inp, n), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, -1);
    geluBackward(dInp, Float64Array.of(2, 4), Float64Array.of(0, 30), 2, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([2, 3]);
  });
});
