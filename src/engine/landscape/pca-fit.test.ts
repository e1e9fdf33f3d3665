import { describe, expect, it } from 'vitest';
import { fitPcaPlane } from './pca-fit';

/** Rows d_a = θ_a − θ_0 of two short trajectories in R^4, stored in 3 slots per run (S = 6). */
const D = [
  [0, 0, 0, 0],
  [1, 0.2, 0, 0.1],
  [2, 0.1, 0.3, 0.2],
  [0, 0, 0, 0],
  [0.3, 1.5, 0.1, 0],
  [0.5, 2.5, -0.2, 0.4],
];
const S = D.length;
const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);
const gram = D.flatMap((a) => D.map((b) => dot(a, b)));

describe('fitPcaPlane', () => {
  it('gives unit, orthogonal directions as combinations of the stored rows, relative to θ_ref', () => {
    // Run 1's start (row 3) duplicates the shared start; use rows 0, 1, 2, 4, 5; θ_ref = row 2.
    const rows = [0, 1, 2, 4, 5];
    const fit = fitPcaPlane(gram, S, rows, 2)!;
    const direction = (c: Float64Array) => [0, 1, 2, 3].map((k) => D.reduce((sum, row, a) => sum + c[a] * row[k], 0));
    const dx = direction(fit.x);
    const dy = direction(fit.y);
    expect(dot(dx, dx)).toBeCloseTo(1, 10);
    expect(dot(dy, dy)).toBeCloseTo(1, 10);
    expect(dot(dx, dy)).toBeCloseTo(0, 10);
    // The coefficients sum to 0: a direction is a combination of differences θ_i − θ_ref.
    expect(fit.x.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
    expect(fit.explainedVariance[0]).toBeGreaterThan(fit.explainedVariance[1]);
    // The first principal direction of the centred rows maximises their variance: compare with a brute-force search in the span.
    const centred = rows.map((r) => D[r]);
    const mean = [0, 1, 2, 3].map((k) => centred.reduce((sum, row) => sum + row[k], 0) / rows.length);
    const variance = (v: number[]) =>
      centred.reduce(
        (sum, row) =>
          sum +
          dot(
            row.map((x, k) => x - mean[k]),
            v,
          ) **
            2,
        0,
      );
    let best = 0;
    for (let t = 0; t < 2000; t++) {
      const angle = (Math.PI * t) / 2000;
      const v = dx.map((x, k) => Math.cos(angle) * x + Math.sin(angle) * dy[k]);
      best = Math.max(best, variance(v));
    }
    expect(variance(dx)).toBeGreaterThanOrEqual(best * (1 - 1e-9));
  });

  it('is null while the snapshots do not vary', () => {
    const flat = new Array(S * S).fill(0);
    expect(fitPcaPlane(flat, S, [0, 3], 0)).toBeNull();
    expect(fitPcaPlane(gram, S, [0], 0)).toBeNull();
  });
});
