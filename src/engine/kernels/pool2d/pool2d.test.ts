import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray, type Rng } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { pool2dOutputSize } from './pool2d-shape';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool2d.ref';

/** Distinct values in shuffled order, at least 0.01 apart, so a +-eps nudge never moves an arg-max. */
function distinctValues(rng: Rng, n: number): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Float64Array.from(order, (k) => (k - n / 2) * 0.011 + rng.uniform(0, 0.001));
}

// [B, C, H, W, K, stride]: exact tiling, odd sizes with a dropped row/column, overlapping
// windows, stride 1, a global pool, and stride > K (inputs between windows get nothing).
const SHAPES = [
  [1, 1, 4, 4, 2, 2],
  [2, 3, 5, 7, 2, 2],
  [1, 2, 7, 7, 3, 2],
  [2, 1, 5, 6, 2, 1],
  [1, 2, 6, 6, 6, 6],
  [1, 1, 7, 8, 2, 3],
] as const;

describe('pool2dOutputSize', () => {
  it('floors (size - K) / stride and adds one', () => {
    expect(pool2dOutputSize(4, 2, 2)).toBe(2);
    expect(pool2dOutputSize(5, 2, 2)).toBe(2);
    expect(pool2dOutputSize(7, 3, 2)).toBe(3);
    expect(pool2dOutputSize(8, 8, 8)).toBe(1);
    expect(pool2dOutputSize(7, 2, 3)).toBe(2);
  });

  it('throws when the window does not fit or an argument is not a positive integer', () => {
    expect(() => pool2dOutputSize(2, 3, 1)).toThrow(/window is larger than the input/);
    expect(() => pool2dOutputSize(4, 0, 1)).toThrow(/K must be a positive integer/);
    expect(() => pool2dOutputSize(4, 2, 0)).toThrow(/stride must be a positive integer/);
    expect(() => pool2dOutputSize(4, 1.5, 1)).toThrow(/K must be a positive integer/);
  });
});

describe('max pool reference', () => {
  const grid = Float64Array.of(1, 2, 5, 0, 3, 4, 1, 2, 0, -1, 7, 8, 6, 2, 8, 3);

  it('takes the maximum of each window', () => {
    const out = new Float64Array(4);
    maxPool2dForward(out, grid, 1, 1, 4, 4, 2, 2);
    expect(Array.from(out)).toEqual([4, 5, 6, 8]);
  });

  it('routes each gradient to the first maximum of its window', () => {
    const dInp = new Float64Array(16);
    maxPool2dBackward(dInp, Float64Array.of(1, 2, 3, 4), grid, 1, 1, 4, 4, 2, 2, OVERWRITE_ALL);
    // The last window holds 8 at (2, 3) and at (3, 2); the row-major first, index 11, wins.
    const expected = new Float64Array(16);
    expected[5] = 1;
    expected[2] = 2;
    expected[12] = 3;
    expected[11] = 4;
    expect(Array.from(dInp)).toEqual(Array.from(expected));
  });

  it('sends ties after a ReLU to the first element', () => {
    const dInp = new Float64Array(4);
    maxPool2dBackward(dInp, Float64Array.of(5), new Float64Array(4), 1, 1, 2, 2, 2, 2, OVERWRITE_ALL);
    expect(Array.from(dInp)).toEqual([5, 0, 0, 0]);
    const dInp2 = new Float64Array(4);
    maxPool2dBackward(dInp2, Float64Array.of(5), Float64Array.of(0, 3, 3, 1), 1, 1, 2, 2, 2, 2, OVERWRITE_ALL);
    expect(Array.from(dInp2)).toEqual([0, 5, 0, 0]);
  });

  it('sums the gradients of overlapping windows that share an arg-max', () => {
    const inp = Float64Array.of(1, 2, 3, 4, 9, 5, 6, 7, 8);
    const out = new Float64Array(4);
    maxPool2dForward(out, inp, 1, 1, 3, 3, 2, 1);
    expect(Array.from(out)).toEqual([9, 9, 9, 9]);
    const dInp = new Float64Array(9);
    maxPool2dBackward(dInp, Float64Array.of(1, 2, 3, 4), inp, 1, 1, 3, 3, 2, 1, OVERWRITE_ALL);
    expect(Array.from(dInp)).toEqual([0, 0, 0, 0, 10, 0, 0, 0, 0]);
  });

  it('drops the last row and column of odd sizes', () => {
    const inp = Float64Array.of(1, 2, 3, 4, 100, 5, 6, 7, 8, 100, 100, 100, 100, 100, 100);
    const out = new Float64Array(2);
    maxPool2dForward(out, inp, 1, 1, 3, 5, 2, 2);
    expect(Array.from(out)).toEqual([6, 8]);
  });

  for (const [B, C, H, W, K, stride] of SHAPES) {
    it(`backward matches central finite differences, B=${B} C=${C} H=${H} W=${W} K=${K} stride=${stride}`, () => {
      const rng = createRng(B * 1000 + C * 100 + H * 10 + W + K + stride);
      const size = B * C * pool2dOutputSize(H, K, stride) * pool2dOutputSize(W, K, stride);
      const inp = distinctValues(rng, B * C * H * W);
      const dOut = randomArray(rng, size);
      const dInp = new Float64Array(inp.length);
      maxPool2dBackward(dInp, dOut, inp, B, C, H, W, K, stride, OVERWRITE_ALL);
      const out = new Float64Array(size);
      const loss = () => (maxPool2dForward(out, inp, B, C, H, W, K, stride), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, 1, 1, 1);
    maxPool2dBackward(dInp, Float64Array.of(2), Float64Array.of(0, 3, 1, 2), 1, 1, 2, 2, 2, 2, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([1, 3, 1, 1]);
  });
});

describe('average pool reference', () => {
  it('takes the mean of each window', () => {
    const grid = Float64Array.of(1, 2, 5, 0, 3, 4, 1, 2, 0, -1, 7, 8, 6, 2, 8, 3);
    const out = new Float64Array(4);
    avgPool2dForward(out, grid, 1, 1, 4, 4, 2, 2);
    expect(Array.from(out)).toEqual([2.5, 2, 1.75, 6.5]);
  });

  it('averages overlapping windows and a global pool', () => {
    const inp = Float64Array.of(1, 2, 3, 4, 9, 5, 6, 7, 8);
    const out = new Float64Array(4);
    avgPool2dForward(out, inp, 1, 1, 3, 3, 2, 1);
    expect(Array.from(out)).toEqual([4, 4.75, 6.5, 7.25]);
    const global = new Float64Array(2);
    avgPool2dForward(global, Float64Array.of(1, 2, 3, 6, -1, -2, -3, -6), 1, 2, 2, 2, 2, 2);
    expect(Array.from(global)).toEqual([3, -3]);
  });

  it('spreads dOut / K^2 over each window and nothing onto dropped rows and columns', () => {
    const dInp = new Float64Array(15);
    avgPool2dBackward(dInp, Float64Array.of(4, 8), 1, 1, 3, 5, 2, 2, OVERWRITE_ALL);
    expect(Array.from(dInp)).toEqual([1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0]);
  });

  for (const [B, C, H, W, K, stride] of SHAPES) {
    it(`backward matches central finite differences, B=${B} C=${C} H=${H} W=${W} K=${K} stride=${stride}`, () => {
      const rng = createRng(7 + B * 1000 + C * 100 + H * 10 + W + K + stride);
      const size = B * C * pool2dOutputSize(H, K, stride) * pool2dOutputSize(W, K, stride);
      const inp = randomArray(rng, B * C * H * W);
      const dOut = randomArray(rng, size);
      const dInp = new Float64Array(inp.length);
      avgPool2dBackward(dInp, dOut, B, C, H, W, K, stride, OVERWRITE_ALL);
      const out = new Float64Array(size);
      const loss = () => (avgPool2dForward(out, inp, B, C, H, W, K, stride), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, 1, 1, 1);
    avgPool2dBackward(dInp, Float64Array.of(8), 1, 1, 2, 2, 2, 2, ACCUMULATE_ALL);
    expect(Array.from(dInp)).toEqual([3, 3, 3, 3]);
  });
});
