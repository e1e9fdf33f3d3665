import { describe, expect, it } from 'vitest';
import type { Conv2dNode, LinearNode } from '../nn/graph';
import { layerGeometry, measureLayer, minMaxNormalize, runningAverage } from '../optim/adafisher-factors.ref';
import { createRng, randomArray } from '../random';
import { gram } from '../kernels/gram/gram.ref';
import { dualPatch, factorGeometry } from './factor-geometry';
import { averageNormalized, factorShares, fullFactors, identityMatrix } from './full-factors.ref';

const linear: LinearNode = { op: 'linear', name: 'fc', input: 'x', output: 'y', inFeatures: 2, outFeatures: 3, bias: true };
const conv: Conv2dNode = { op: 'conv2d', name: 'conv', input: 'x', output: 'y', inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, bias: true };

describe('full factors reference', () => {
  it('measures H and S of a Linear layer, by hand', () => {
    // Rows (1, 2) and (3, -1): H = [[10, -1], [-1, 5]] / 2; gradient rows (1, 0, 2), (0, 1, -2): S = [[1, 0, 2], [0, 1, -2], [2, -2, 8]] / 2.
    const geometry = factorGeometry(linear, [2, 2]);
    const { H, S } = fullFactors(geometry, [1, 2, 3, -1], [1, 0, 2, 0, 1, -2]);
    expect(Array.from(H)).toEqual([5, -0.5, -0.5, 2.5]);
    expect(Array.from(S)).toEqual([0.5, 0, 1, 0, 0.5, -1, 1, -1, 4]);
    // Shares: H 31.25 / 31.75, S 16.5 / 20.5.
    const shares = factorShares(geometry, [1, 2, 3, -1], [1, 0, 2, 0, 1, -2]);
    expect(shares.h).toBeCloseTo(31.25 / 31.75, 14);
    expect(shares.s).toBeCloseTo(16.5 / 20.5, 14);
  });

  it("has AdaFisher's own measurements h and s on its diagonal (a stride-2 padded convolution)", () => {
    const inputShape = [2, 2, 5, 5];
    const geometry = factorGeometry(conv, inputShape);
    expect([geometry.hSize, geometry.sSize, geometry.rows]).toEqual([18, 3, 2 * 3 * 3]);
    const rng = createRng(4);
    const x = randomArray(rng, 2 * 2 * 5 * 5);
    const g = randomArray(rng, 2 * 3 * 3 * 3);
    const { H, S } = fullFactors(geometry, x, g);
    const { h, s } = measureLayer(layerGeometry(conv, inputShape), x, g);
    expect(h.length).toBe(19); // the bias column's 1 comes last
    for (let j = 0; j < 18; j++) expect(H[j * 18 + j]).toBeCloseTo(h[j], 14);
    for (let c = 0; c < 3; c++) expect(S[c * 3 + c]).toBeCloseTo(s[c], 14);
  });

  it('gives X Xᵀ through the dual view of plain rows, with the same Frobenius norm', () => {
    const geometry = factorGeometry({ ...linear, inFeatures: 7 }, [3, 7]);
    expect(dualPatch(geometry.sPatch)).not.toBeNull();
    expect(dualPatch(factorGeometry(conv, [2, 2, 5, 5]).hPatch)).toBeNull();
    const x = randomArray(createRng(8), 21);
    const dual = new Float64Array(9);
    gram(dual, x, dualPatch(geometry.hPatch)!, 1, false);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < 7; j++) dot += x[a * 7 + j] * x[b * 7 + j];
        expect(dual[a * 3 + b]).toBeCloseTo(dot, 12);
      }
    const full = new Float64Array(49);
    gram(full, x, geometry.hPatch, 1, false);
    const frobenius = (M: Float64Array) => M.reduce((sum, v) => sum + v * v, 0);
    expect(frobenius(dual)).toBeCloseTo(frobenius(full), 10);
  });

  it('averages the normalised measurements from the identity, by hand (2x2)', () => {
    const M = identityMatrix(2);
    // A = [[4, 2], [2, 1]]: min 1, max 4, normalised [[1, 1/3], [1/3, 0]].
    averageNormalized(M, [4, 2, 2, 1], 0.08, 0.008);
    const first = [0.088, 0.008 / 3, 0.008 / 3, 0.08];
    M.forEach((v, i) => expect(v).toBeCloseTo(first[i], 14));
    // B = I normalises to itself (up to the 1e-12 in the range).
    averageNormalized(M, [1, 0, 0, 1], 0.08, 0.008);
    const second = first.map((v, i) => 0.08 * v + 0.008 * [1, 0, 0, 1][i]);
    M.forEach((v, i) => expect(v).toBeCloseTo(second[i], 12));
    expect(second[0]).toBeCloseTo(0.01504, 14);
  });

  it('maps a constant measurement to zero through the 1e-12 of the range, and keeps the epsilon visible on a tiny range', () => {
    const M = identityMatrix(3);
    averageNormalized(M, new Array(9).fill(0.7), 0.5, 1);
    expect(Array.from(M)).toEqual([0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5]);
    // Range 1e-12: the largest entry normalises to 1e-12 / 2e-12 = 0.5.
    const N = new Float64Array(4);
    averageNormalized(N, [0, 0, 0, 1e-12], 0, 1);
    expect(N[3]).toBeCloseTo(0.5, 12);
    expect(() => averageNormalized(N, [1, 2], 0, 1)).toThrow('averageNormalized: the average has 4 entries, the measurement 2');
  });

  it("is AdaFisher's own normalisation and average applied to the whole matrix", () => {
    const rng = createRng(12);
    const measurement = randomArray(rng, 25, -1, 3);
    const M = averageNormalized(identityMatrix(5), measurement, 0.08, 0.008);
    const expected = identityMatrix(5);
    runningAverage(expected, minMaxNormalize(measurement.slice()), 0.08, 0.008);
    M.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 15));
  });
});
