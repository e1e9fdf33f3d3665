import { describe, expect, it } from 'vitest';
import { IRIS_EXAMPLES, irisMeasurements, irisSet, principalComponents, standardize } from './iris';

// Expected values computed independently with numpy 2.4 (float64): the eigenvectors of the
// covariance of the centred measurements (as scikit-learn 1.5's covariance_eigh solver), each
// flipped so that its entry of largest |value| is positive; then (x - mean) / std with the
// population std. The PCA rows and explained variances are also those scikit-learn's own
// documentation prints for Iris ([-2.68412563, 0.31939725] for the first flower).
const COMPONENTS = [
  [0.3613865917853682, -0.08452251406456901, 0.8566706059498349, 0.3582891971515505],
  [0.6565887712868435, 0.7301614347850249, -0.17337266279585806, -0.07548101991746287],
];
const EXPLAINED_VARIANCE = [4.228241706034864, 0.24267074792863413];
const SCORES = {
  0: [-2.684125625969536, 0.3193972465851008],
  1: [-2.714141687294325, -0.1770012250647799],
  149: [1.3901888619479128, -0.28266093799055175],
};
const SCORE_STD = [2.0494031882464294, 0.49097142782695874];
const STANDARDIZED = {
  0: [-1.309710866735893, 0.6505414133746134],
  1: [-1.3243571117973503, -0.3605122722684435],
  2: [-1.409674087377241, -0.2952298603751822],
  149: [0.6783383913525721, -0.5757176934747693],
};

describe('Iris measurements', () => {
  it('are the 150 flowers of scikit-learn load_iris, in its order and with its targets', () => {
    const { values, labels } = irisMeasurements();
    expect(values.length).toBe(IRIS_EXAMPLES * 4);
    expect(Array.from(values.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(Array.from(values.subarray(149 * 4))).toEqual([5.9, 3.0, 5.1, 1.8]);
    // Rows 35 and 38 (1-based) as Fisher printed them; the UCI file has 4.9, 3.1, 1.5, 0.1 for both.
    expect(Array.from(values.subarray(34 * 4, 35 * 4))).toEqual([4.9, 3.1, 1.5, 0.2]);
    expect(Array.from(values.subarray(37 * 4, 38 * 4))).toEqual([4.9, 3.6, 1.4, 0.1]);
    // The column means every Iris summary gives: 5.843, 3.057, 3.758, 1.199.
    const means = [0, 1, 2, 3].map((j) => values.filter((_, i) => i % 4 === j).reduce((a, b) => a + b, 0) / IRIS_EXAMPLES);
    [5.843333333333333, 3.0573333333333332, 3.758, 1.1993333333333334].forEach((m, j) => expect(means[j]).toBeCloseTo(m, 12));
    expect([0, 50, 100].map((start) => Array.from(labels.subarray(start, start + 50)))).toEqual([0, 1, 2].map((label) => new Array(50).fill(label)));
  });
});

describe('principal components as scikit-learn computes them', () => {
  const { values } = irisMeasurements();
  const pca = principalComponents(values, IRIS_EXAMPLES, 4, 2);

  it('gives the components, with their signs, and the explained variances', () => {
    pca.components.forEach((v, i) => expect(v).toBeCloseTo(COMPONENTS[Math.floor(i / 4)][i % 4], 12));
    pca.explainedVariance.forEach((v, i) => expect(v).toBeCloseTo(EXPLAINED_VARIANCE[i], 12));
  });

  it('projects the flowers onto them', () => {
    for (const [row, expected] of Object.entries(SCORES)) expected.forEach((v, c) => expect(pca.scores[Number(row) * 2 + c]).toBeCloseTo(v, 12));
  });

  it("agrees with scikit-learn 1.4's u-based signs too: each component's largest |score| is positive", () => {
    for (let c = 0; c < 2; c++) {
      let largest = 0;
      for (let i = 1; i < IRIS_EXAMPLES; i++) if (Math.abs(pca.scores[i * 2 + c]) > Math.abs(pca.scores[largest * 2 + c])) largest = i;
      expect(pca.scores[largest * 2 + c]).toBeGreaterThan(0);
    }
  });

  it('makes the entry of largest |value| of each component positive whatever sign the SVD returns', () => {
    // Rows ±3 (1, -3) and ±(3, 1), along orthogonal directions: the first component is ±(1, -3)/√10,
    // and svd_flip makes its entry of largest |value|, the -3, positive (ml-matrix's SVD returns
    // (1, -3)/√10 here, as it returns Iris's second component with the other sign).
    const rows = [3, -9, -3, 9, 3, 1, -3, -1];
    const result = principalComponents(Float64Array.from(rows), 4, 2, 1);
    expect(result.components[0]).toBeCloseTo(-1 / Math.sqrt(10), 14);
    expect(result.components[1]).toBeCloseTo(3 / Math.sqrt(10), 14);
    expect(() => principalComponents(Float64Array.from(rows), 4, 2, 3)).toThrow('PCA keeps 1..2 components, got 3');
  });
});

describe('standardize', () => {
  it('centres each column and divides by its population standard deviation', () => {
    // Column 0: 1, 2, 3, 6 (mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5); column 1 constant.
    const result = standardize(Float64Array.of(1, 5, 2, 5, 3, 5, 6, 5), 4, 2);
    expect(Array.from(result.mean)).toEqual([3, 5]);
    expect(result.std[0]).toBeCloseTo(Math.sqrt(3.5), 15);
    expect(result.std[1]).toBe(0);
    const s = Math.sqrt(3.5);
    [-2 / s, 0, -1 / s, 0, 0, 0, 3 / s, 0].forEach((v, i) => expect(result.values[i]).toBeCloseTo(v, 15));
  });
});

describe("the notebook's Iris inputs", () => {
  const set = irisSet();

  it('are the PCA scores standardised, in float32', () => {
    expect(set.inputs).toBeInstanceOf(Float32Array);
    expect(set.inputs.length).toBe(IRIS_EXAMPLES * 2);
    for (const [row, expected] of Object.entries(STANDARDIZED)) {
      // float32 rounding of values near 1: half an ulp is 6e-8.
      expected.forEach((v, c) => expect(Math.abs(set.inputs[Number(row) * 2 + c] - v)).toBeLessThan(1e-7));
    }
  });

  it("have mean 0 and population standard deviation 1 per feature, from the scores' standard deviations", () => {
    for (let c = 0; c < 2; c++) {
      const column = Array.from({ length: IRIS_EXAMPLES }, (_, i) => set.inputs[i * 2 + c]);
      const mean = column.reduce((a, b) => a + b, 0) / IRIS_EXAMPLES;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / IRIS_EXAMPLES;
      expect(Math.abs(mean)).toBeLessThan(1e-7);
      expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(1e-6);
    }
    const scaled = standardize(set.pca.scores, IRIS_EXAMPLES, 2);
    scaled.std.forEach((s, c) => expect(s).toBeCloseTo(SCORE_STD[c], 12));
  });

  it('is computed once', () => {
    expect(irisSet()).toBe(set);
  });
});
