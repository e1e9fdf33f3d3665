import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { clipGradNorm, CLIP_EPS } from './clip-norm.ref';

describe('gradient-norm clipping reference', () => {
  it('scales (3, 4) with norm 5 down to norm 1, by hand', () => {
    const g = Float64Array.of(3, 4);
    expect(clipGradNorm(g, 1)).toBe(5);
    expect(g[0]).toBeCloseTo(3 / (5 + 1e-6), 15);
    expect(g[1]).toBeCloseTo(4 / (5 + 1e-6), 15);
  });

  it('leaves a gradient within the bound exactly as it was', () => {
    const g = Float64Array.of(3, 4, 0);
    expect(clipGradNorm(g, 5.000001)).toBe(5);
    expect(Array.from(g)).toEqual([3, 4, 0]);
  });

  it('matches g * min(1, c / (sqrt(sum g^2) + 1e-6)) on random gradients', () => {
    const rng = createRng(4);
    for (const c of [0.1, 1, 100]) {
      const g0 = randomArray(rng, 1001);
      const g = g0.slice();
      const norm = clipGradNorm(g, c);
      const direct = Math.hypot(...g0);
      expect(norm).toBeCloseTo(direct, 12);
      const factor = Math.min(1, c / (direct + CLIP_EPS));
      g0.forEach((value, i) => expect(g[i]).toBeCloseTo(value * factor, 14));
    }
  });

  it('keeps a non-finite gradient non-finite and rejects a bad bound', () => {
    const g = Float64Array.of(1, NaN);
    expect(clipGradNorm(g, 1)).toBeNaN();
    expect(Number.isNaN(g[0])).toBe(true);
    expect(() => clipGradNorm(Float64Array.of(1), 0)).toThrow(/clipGradNorm: maxNorm must be a finite number > 0, got 0/);
  });
});
