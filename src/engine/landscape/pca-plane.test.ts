import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../random';
import { pcaPlaneFromGram } from './pca-plane';

/** n rows of p values with most of their spread along two random axes, plus a little noise. */
function anisotropicRows(n: number, p: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  const axisA = randomArray(rng, p);
  const axisB = randomArray(rng, p);
  const offset = randomArray(rng, p);
  return Array.from({ length: n }, () => {
    const a = 3 * (rng.next() - 0.5);
    const b = rng.next() - 0.5;
    const noise = randomArray(rng, p, -0.05, 0.05);
    return offset.map((o, k) => o + a * axisA[k] + b * axisB[k] + noise[k]);
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, value, k) => sum + value * b[k], 0);

function gramOf(rows: Float64Array[]): Float64Array {
  const n = rows.length;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i * n + j] = dot(rows[i], rows[j]);
  return gram;
}

function direction(rows: Float64Array[], coefficients: Float64Array): Float64Array {
  const out = new Float64Array(rows[0].length);
  rows.forEach((row, i) => row.forEach((value, k) => (out[k] += coefficients[i] * value)));
  return out;
}

describe('pcaPlaneFromGram', () => {
  it('matches the SVD of the centred, stacked rows: directions up to sign, variance shares, coordinates', () => {
    const rows = anisotropicRows(9, 40, 7);
    const plane = pcaPlaneFromGram(gramOf(rows), rows.length);
    const mean = rows[0].map((_, k) => rows.reduce((sum, row) => sum + row[k], 0) / rows.length);
    const centred = new Matrix(rows.map((row) => Array.from(row, (value, k) => value - mean[k])));
    const svd = new SingularValueDecomposition(centred, { autoTranspose: true });
    const squares = svd.diagonal.map((s) => s * s);
    const total = squares.reduce((a, b) => a + b, 0);
    for (const k of [0, 1]) {
      const d = direction(rows, plane.coefficients[k]);
      const v = svd.rightSingularVectors.getColumn(k);
      expect(Math.sqrt(dot(d, d))).toBeCloseTo(1, 10);
      expect(Math.abs(dot(d, v))).toBeCloseTo(1, 10);
      expect(plane.explainedVariance[k]).toBeCloseTo(squares[k] / total, 10);
      const coordinates = k === 0 ? plane.x : plane.y;
      rows.forEach((row, j) => expect(coordinates[j]).toBeCloseTo(dot(row, d), 9));
    }
    // The two axes hold most of the spread, the first more than the second.
    expect(plane.explainedVariance[0]).toBeGreaterThan(plane.explainedVariance[1]);
    expect(plane.explainedVariance[0] + plane.explainedVariance[1]).toBeGreaterThan(0.95);
    expect(dot(direction(rows, plane.coefficients[0]), direction(rows, plane.coefficients[1]))).toBeCloseTo(0, 10);
  });

  it('puts the first row on the negative side of both axes', () => {
    const plane = pcaPlaneFromGram(gramOf(anisotropicRows(6, 12, 3)), 6);
    expect(plane.x[0]).toBeLessThanOrEqual(0);
    expect(plane.y[0]).toBeLessThanOrEqual(0);
  });

  it('gives a second direction of zero when the rows lie on one line', () => {
    const base = Float64Array.from([1, -2, 0.5, 3]);
    const rows = [0, 1, 2.5, 4].map((t) => base.map((value) => value * t));
    const plane = pcaPlaneFromGram(gramOf(rows), rows.length);
    expect(plane.explainedVariance[0]).toBeCloseTo(1, 12);
    expect(plane.explainedVariance[1]).toBe(0);
    expect(Array.from(plane.coefficients[1])).toEqual([0, 0, 0, 0]);
    // Positions along the line, measured from the origin in units of |base|.
    const length = Math.sqrt(dot(base, base));
    expect(Array.from(plane.x, (x) => x / length)).toEqual([0, 1, 2.5, 4].map((t) => expect.closeTo(t, 9)));
  });

  it('refuses fewer than two snapshots and a Gram matrix of the wrong size', () => {
    expect(() => pcaPlaneFromGram([1], 1)).toThrow(/at least 2 snapshots, got 1/);
    expect(() => pcaPlaneFromGram([1, 0, 0], 2)).toThrow(/has 4 entries, got 3/);
  });
});
