import { describe, expect, it } from 'vitest';
import { autoRange, axisValues, coarseLevelSize, progressiveOrder, surfaceAt } from './grid';

describe('axisValues', () => {
  it('spaces n values evenly, ends included', () => {
    expect(axisValues([-1, 1], 5)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});

describe('progressiveOrder', () => {
  it('visits every point exactly once', () => {
    for (const n of [3, 5, 7, 21, 31, 51]) {
      const order = progressiveOrder(n);
      expect(order.length).toBe(n * n);
      expect(new Set(order).size).toBe(n * n);
    }
  });

  it('starts with a coarse grid that spans the corners', () => {
    const n = 21;
    const coarse = progressiveOrder(n).slice(0, coarseLevelSize(n));
    const corners = [0, n - 1, (n - 1) * n, n * n - 1];
    for (const corner of corners) expect(coarse).toContain(corner);
    // Stride 16 on 21 points: 0, 16 and 20 on each axis.
    expect(coarseLevelSize(21)).toBe(9);
    expect(coarseLevelSize(5)).toBe(9);
  });
});

describe('autoRange', () => {
  it('covers every point with the margin on each side', () => {
    const range = autoRange([0, 2, 1], [-1, 1, 0], 0.25);
    expect(range.x).toEqual([-0.5, 2.5]);
    expect(range.y).toEqual([-1.5, 1.5]);
  });

  it('gives an axis without extent the other axis half-extent, or 1', () => {
    expect(autoRange([0, 4], [1, 1], 0).y).toEqual([-1, 3]);
    expect(autoRange([0], [0], 0.2)).toEqual({ x: [-1, 1], y: [-1, 1] });
  });
});

describe('surfaceAt', () => {
  const alphas = [0, 1, 2];
  const betas = [0, 1];
  // f(x, y) = 1 + 2x + 3y is reproduced exactly by bilinear interpolation.
  const losses = betas.map((y) => alphas.map((x) => 1 + 2 * x + 3 * y));

  it('interpolates bilinearly inside the grid', () => {
    expect(surfaceAt(alphas, betas, losses, 0.5, 0.25)).toBeCloseTo(1 + 1 + 0.75, 12);
    expect(surfaceAt(alphas, betas, losses, 2, 1)).toBeCloseTo(1 + 4 + 3, 12);
  });

  it('is null outside the grid or next to an unmeasured point', () => {
    expect(surfaceAt(alphas, betas, losses, 2.5, 0)).toBeNull();
    const partial: (number | null)[][] = losses.map((row) => [...row]);
    partial[1][1] = null;
    expect(surfaceAt(alphas, betas, partial, 0.5, 0.5)).toBeNull();
    expect(surfaceAt(alphas, betas, partial, 1.5, 0)).toBeCloseTo(1 + 3, 12);
  });
});
