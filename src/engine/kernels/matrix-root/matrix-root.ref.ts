// The float64 twin of the batched inverse p-th root (matrix-root.ts): ASDL's ComputePower, the
// coupled Newton iteration of Guo and Higham (2006, eq. 3.2) started from a scaled identity,
// with the ridge relative to the largest eigenvalue from a power iteration, step for step:
//
//   n == 1: return I (the statistic is left alone)
//   λ = PowerIter(S) from v_0 in [-1, 1)^n (Philox, see powerIterationStart)
//   S <- S + damping * λ * I            (in place: the ridge stays in the caller's statistic)
//   z = (1 + p) / (2 ||S||_F);  X = z^(1/p) I;  M = z S;  err = max|M - I|
//   while err > 1e-6 and count < 100:
//     T = (1 - α) I + α M  with α = -1/p;  X' = X T;  M' = T^p M
//     e' = max|M' - I|;  if e' > 1.2 err: stop, X' discarded
//     X = X';  M = M';  err = e';  count++
//   return X ≈ (S + ridge I)^(-1/p)

import { packMatrices, unpackMatrices, type MatrixTable } from '../matrix-table';
import { philox4x32_10, philoxUniformOf } from '../philox/philox.ref';
import { NEWTON_ITERATIONS, NEWTON_TOLERANCE, POWER_ITERATIONS, POWER_TOLERANCE, REJECT_FACTOR, RootStatus, type RootStop } from './matrix-root-shape';

/** a (n x n) @ b (n x n), row-major. */
export function matmulSquare(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

export function identity(n: number, scale = 1): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = scale;
  return out;
}

/** max |M - I|. A NaN anywhere makes it NaN, as torch.max does. */
export function maxDeviationFromIdentity(m: Float64Array, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const deviation = Math.abs(m[i * n + j] - (i === j ? 1 : 0));
      if (Number.isNaN(deviation)) return NaN;
      if (deviation > max) max = deviation;
    }
  }
  return max;
}

/** ASDL's MatPower: repeated squaring for p in {1, 2, 4, 8, 16, 32}, else binary powering (power = m @ power). */
export function matPower(m: Float64Array, n: number, p: number): Float64Array {
  if ([1, 2, 4, 8, 16, 32].includes(p)) {
    let result = m;
    for (let done = 1; done < p; done *= 2) result = matmulSquare(result, result, n);
    return result;
  }
  let power: Float64Array | null = null;
  let base = m;
  for (let rest = p; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) power = power ? matmulSquare(base, power, n) : base;
    base = matmulSquare(base, base, n);
  }
  return power!;
}

/**
 * The power iteration's start for matrix `matrix` of a batch: v_i = 2u - 1 with u the Philox
 * uniform of word i mod 4 of counter (floor(i / 4), step, matrix, 0) and key (seed, stream), in
 * [-1, 1) like ASDL's torch.rand(n) * 2 - 1, and the same on the GPU.
 */
export function powerIterationStart(n: number, seed: number, stream: number, step: number, matrix: number): Float64Array {
  const v = new Float64Array(n);
  for (let block = 0; block * 4 < n; block++) {
    const words = philox4x32_10([block, step, matrix, 0], [seed, stream]);
    for (let lane = 0; lane < 4 && block * 4 + lane < n; lane++) v[block * 4 + lane] = 2 * philoxUniformOf(words[lane]) - 1;
  }
  return v;
}

export interface PowerIterationResult {
  /** The last Rayleigh quotient v·Sv, ASDL's max_ev. */
  readonly lambda: number;
  readonly iterations: number;
}

/**
 * ASDL's PowerIter: error starts at 1 and the estimate at 0; at most `maxIterations` times while
 * error > tolerance: v <- v/||v||, w = S v, s = v·w, error = |s - s_prev|, v <- w. The tolerance
 * is absolute, so a statistic with a large eigenvalue often runs all iterations.
 */
export function powerIteration(
  s: Float64Array,
  n: number,
  start: Float64Array,
  tolerance = POWER_TOLERANCE,
  maxIterations = POWER_ITERATIONS,
): PowerIterationResult {
  let v = Float64Array.from(start);
  let error = 1;
  let estimate = 0;
  let iterations = 0;
  while (error > tolerance && iterations < maxIterations) {
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    const w = new Float64Array(n);
    let quotient = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += s[i * n + j] * v[j];
      w[i] = sum;
      quotient += v[i] * sum;
    }
    error = Math.abs(quotient - estimate);
    v = w;
    estimate = quotient;
    iterations++;
  }
  return { lambda: estimate, iterations };
}

export interface InverseRootOptions {
  /** The ridge relative to λmax (ASDL's ridge_epsilon, the optimizer's damping). */
  readonly damping: number;
  readonly tolerance?: number;
  readonly maxIterations?: number;
  /** The power iteration's limit (ASDL's 100). */
  readonly powerIterations?: number;
}

export interface InverseRootResult {
  /** ≈ (S + damping λ I)^(-1/p), n x n row-major. */
  readonly root: Float64Array;
  readonly stop: RootStop;
  /** Accepted Newton steps. */
  readonly iterations: number;
  /** max|M - I| after the last accepted step. */
  readonly error: number;
  readonly lambda: number;
  readonly powerIterations: number;
  /** ||S + ridge I||_F, which sets the start z. */
  readonly norm: number;
}

/** ComputePower(S, p) for one n x n statistic; `s` gets the ridge added in place, as ASDL's does. */
export function inverseRoot(s: Float64Array, n: number, p: number, start: Float64Array, options: InverseRootOptions): InverseRootResult {
  const { damping, tolerance = NEWTON_TOLERANCE, maxIterations = NEWTON_ITERATIONS, powerIterations: powerLimit = POWER_ITERATIONS } = options;
  if (s.length !== n * n) throw new Error(`inverseRoot: the statistic has ${s.length} values, expected n*n = ${n * n}`);
  if (!Number.isInteger(p) || p < 1) throw new Error(`inverseRoot: p must be a whole number >= 1, got ${p}`);
  if (n === 1) return { root: identity(1), stop: 'identity', iterations: 0, error: 0, lambda: 0, powerIterations: 0, norm: 0 };
  const { lambda, iterations: powerIterations } = powerIteration(s, n, start, POWER_TOLERANCE, powerLimit);
  const ridge = damping * lambda;
  for (let i = 0; i < n; i++) s[i * n + i] += ridge;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += s[i] * s[i];
  norm = Math.sqrt(norm);
  const z = (1 + p) / (2 * norm);
  const alpha = -1 / p;
  let x: Float64Array = identity(n, Math.pow(z, 1 / p));
  let m: Float64Array = s.map((value) => value * z);
  let error = maxDeviationFromIdentity(m, n);
  let iterations = 0;
  let stop: RootStop = 'converged';
  while (error > tolerance && iterations < maxIterations) {
    const t = m.map((value) => alpha * value);
    for (let i = 0; i < n; i++) t[i * n + i] += 1 - alpha;
    const nextX = matmulSquare(x, t, n);
    const nextM = matmulSquare(matPower(t, n, p), m, n);
    const nextError = maxDeviationFromIdentity(nextM, n);
    if (nextError > error * REJECT_FACTOR) {
      stop = 'rejected';
      break;
    }
    x = nextX;
    m = nextM;
    error = nextError;
    iterations++;
  }
  if (stop !== 'rejected' && error > tolerance) stop = 'limit';
  return { root: x, stop, iterations, error, lambda, powerIterations, norm };
}

export interface RootBatchEntry {
  /** The statistic, n x n row-major; gets the ridge added in place. */
  readonly statistic: Float64Array;
  readonly n: number;
  readonly p: number;
}

/** The inverse roots of a batch, matrix `i` drawing its power-iteration start with counter word 2 = i. */
export function inverseRoots(
  batch: readonly RootBatchEntry[],
  randomness: { seed: number; stream: number; step: number },
  options: InverseRootOptions,
): InverseRootResult[] {
  return batch.map(({ statistic, n, p }, matrix) =>
    inverseRoot(statistic, n, p, powerIterationStart(n, randomness.seed, randomness.stream, randomness.step, matrix), options),
  );
}

/**
 * The batch packed as `table` says (what the GPU launcher reads): `statistics` gets each ridge in
 * place; returns the packed roots (R = [1] for a 1 x 1 statistic) and each matrix's result.
 */
export function inverseRootsPacked(
  table: MatrixTable,
  statistics: Float64Array,
  exponents: readonly number[],
  randomness: { seed: number; stream: number; step: number },
  options: InverseRootOptions,
): { roots: Float64Array; results: InverseRootResult[] } {
  const matrices = unpackMatrices(table, statistics);
  const results = inverseRoots(
    matrices.map((statistic, index) => ({ statistic, n: table.entries[index].n, p: exponents[index] })),
    randomness,
    options,
  );
  table.entries.forEach(({ offset, n }, index) => statistics.set(matrices[index].subarray(0, n * n), offset));
  return {
    roots: packMatrices(
      table,
      results.map((result) => result.root),
    ),
    results,
  };
}

/** RootStatus's code for a result (what the GPU's status word holds for it). */
export function statusCode(result: InverseRootResult): number {
  return RootStatus[result.stop];
}
