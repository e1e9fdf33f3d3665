import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { maxPool2dForward } from '../pool2d/pool2d.ref';
import { maxPool2dForwardAt } from './frozen-kinks.ref';

describe('maxPool2dForwardAt (float64)', () => {
  it('takes inp at the first arg-max of the same window of `at`', () => {
    // One 3x3 plane, 2x2 windows, stride 1. `at` ties in the first window (first one wins).
    const inp = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const at = [5, 5, 0, 0, 1, 9, 2, 0, 0];
    const out = new Float64Array(4);
    maxPool2dForwardAt(out, inp, at, 1, 1, 3, 3, 2, 1);
    expect(Array.from(out)).toEqual([1, 6, 7, 6]);
  });

  it('is max pooling when `at` is the input itself, on odd shapes and strides', () => {
    const rng = createRng(3);
    for (const [B, C, H, W, K, stride] of [
      [2, 3, 7, 5, 3, 2],
      [1, 1, 4, 4, 2, 2],
      [3, 2, 5, 6, 1, 1],
    ]) {
      const inp = randomArray(rng, B * C * H * W);
      const n = (B * C * (Math.floor((H - K) / stride) + 1) * (Math.floor((W - K) / stride) + 1)) | 0;
      const [got, expected] = [new Float64Array(n), new Float64Array(n)];
      maxPool2dForwardAt(got, inp, inp, B, C, H, W, K, stride);
      maxPool2dForward(expected, inp, B, C, H, W, K, stride);
      expect(got).toEqual(expected);
    }
  });
});
