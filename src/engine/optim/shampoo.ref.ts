// Shampoo as AdaFisher's experiments ran it (ASDL's ShampooGradientMaker around SGD), in float64;
// shampoo.ts is the GPU optimizer and follows these steps, docs/optimizers.md the arithmetic:
//   every parameter W with k > 1 dimensions d_0 .. d_(k-1) has a statistic S_i = 1e-12 I per
//   dimension, except a dimension of size 1 (its root would be 1) or longer than max_factor_dim
//   (no statistic: that side is left unpreconditioned); the exponent is p = 2k either way;
//   when step % interval == 0:  S_i += G_(i) G_(i)^T   (mode-i unfolding, a plain sum), then
//                               P_i = ComputePower(S_i, p, ridge = damping)   (kernels/matrix-root)
//   every step:                 G <- G x_0 P_0 x_1 P_1 ... (contracting each P_i's first index,
//                               as ASDL's tensordot over axis 0 does), other parameters raw;
//   then clip_grad_norm_ over every gradient and SGD with momentum and coupled weight decay.

import type { OptimizerConfig } from '../config/run-config';
import { gram } from '../kernels/gram/gram.ref';
import { middleAxisPatches } from '../kernels/gram/patch-geometry';
import { inverseRootsPacked, type InverseRootResult } from '../kernels/matrix-root/matrix-root.ref';
import { matrixTable, unpackMatrices, type MatrixTable } from '../kernels/matrix-table';
import type { ParameterSpec } from '../nn/parameters';
import type { ReferenceModel } from '../nn/reference-model';
import { createReferenceClippedSgd, type ReferenceClippedSgd } from './clipped-sgd.ref';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { DEFAULT_RANDOMNESS, type OptimizerRandomness, type ReferenceOptimizer } from './optimizer';
import { checkStep } from './sgd.ref';

export type ShampooConfig = Extract<OptimizerConfig, { type: 'shampoo' }>;

/** ASDL's init_scale: every statistic starts as this times I. */
export const INITIAL_STATISTIC_SCALE = 1e-12;

/** One statistic: parameter `param` unfolded along dimension `dim`, seen as (pre, n, post). */
export interface ShampooFactor {
  readonly param: string;
  readonly dim: number;
  readonly n: number;
  readonly pre: number;
  readonly post: number;
  /** The root exponent of the parameter, 2k. */
  readonly p: number;
}

export interface ShampooParameter {
  readonly name: string;
  readonly shape: readonly number[];
  /** Indices into ShampooPlan.factors, in dimension order; empty when every side is left alone. */
  readonly factors: readonly number[];
}

export interface ShampooPlan {
  /** Every parameter with more than one dimension, in the model's order. */
  readonly parameters: readonly ShampooParameter[];
  readonly factors: readonly ShampooFactor[];
  /** Dimensions left without a statistic because they exceed max_factor_dim. */
  readonly skipped: readonly { readonly param: string; readonly dim: number; readonly n: number }[];
}

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

/** Which statistics Shampoo keeps for these parameters (trainable ones only). */
export function shampooPlan(specs: readonly ParameterSpec[], maxFactorDim: number): ShampooPlan {
  const parameters: ShampooParameter[] = [];
  const factors: ShampooFactor[] = [];
  const skipped: { param: string; dim: number; n: number }[] = [];
  for (const spec of specs) {
    if (!spec.trainable || spec.shape.length < 2) continue;
    const { shape, name } = spec;
    const own: number[] = [];
    shape.forEach((n, dim) => {
      if (n === 1) return;
      if (n > maxFactorDim) {
        skipped.push({ param: name, dim, n });
        return;
      }
      own.push(factors.length);
      factors.push({ param: name, dim, n, pre: product(shape.slice(0, dim)), post: product(shape.slice(dim + 1)), p: 2 * shape.length });
    });
    parameters.push({ name, shape, factors: own });
  }
  return { parameters, factors, skipped };
}

/** The statistics' packed layout (what the GPU binds, each matrix aligned to `alignmentBytes`). */
export function statisticsTable(plan: ShampooPlan, alignmentBytes: number): MatrixTable | null {
  return plan.factors.length
    ? matrixTable(
        plan.factors.map((factor) => factor.n),
        alignmentBytes,
      )
    : null;
}

/** out[pre, b, post] = Σ_a root[a, b] g[pre, a, post]: the mode product with the root's first index contracted. */
export function modeProduct(g: Float64Array, root: Float64Array, pre: number, n: number, post: number): Float64Array {
  const out = new Float64Array(g.length);
  for (let i = 0; i < pre; i++) {
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const weight = root[a * n + b];
        if (weight === 0) continue;
        const from = (i * n + a) * post;
        const to = (i * n + b) * post;
        for (let q = 0; q < post; q++) out[to + q] += weight * g[from + q];
      }
    }
  }
  return out;
}

export function checkShampooConfig(config: ShampooConfig): void {
  if (!(config.damping > 0)) throw new Error(`Shampoo: damping must be > 0, got ${config.damping}`);
  if (!Number.isInteger(config.interval) || config.interval < 1) throw new Error(`Shampoo: interval must be a whole number > 0, got ${config.interval}`);
  if (!Number.isInteger(config.max_factor_dim) || config.max_factor_dim < 1)
    throw new Error(`Shampoo: max_factor_dim must be a whole number > 0, got ${config.max_factor_dim}`);
}

export interface ReferenceShampoo extends ReferenceOptimizer {
  readonly config: ShampooConfig;
  readonly plan: ShampooPlan;
  /** The packed statistics (with their accumulated ridges) and roots; null without any factor. */
  readonly table: MatrixTable | null;
  readonly statistics: Float64Array;
  readonly roots: Float64Array;
  /** Each statistic's ComputePower at the last curvature step. */
  readonly lastRoots: readonly InverseRootResult[];
  readonly tail: ReferenceClippedSgd;
}

export function createReferenceShampoo(
  model: ReferenceModel,
  config: ShampooConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): ReferenceShampoo {
  checkShampooConfig(config);
  const plan = shampooPlan(model.specs, config.max_factor_dim);
  // The alignment only spaces the matrices; 4 bytes packs them tightly.
  const table = statisticsTable(plan, 4);
  const statistics = new Float64Array(table?.totalElements ?? 0);
  const roots = new Float64Array(table?.totalElements ?? 0);
  table?.entries.forEach(({ offset, n }) => {
    for (let i = 0; i < n; i++) {
      statistics[offset + i * n + i] = INITIAL_STATISTIC_SCALE;
      roots[offset + i * n + i] = 1;
    }
  });
  const exponents = plan.factors.map((factor) => factor.p);
  const tail = createReferenceClippedSgd(model, config, 'Shampoo', groups);
  let lastRoots: InverseRootResult[] = [];

  return {
    config,
    plan,
    table,
    statistics,
    roots,
    get lastRoots() {
      return lastRoots;
    },
    tail,
    step(step: number, lr: number): void {
      checkStep('Shampoo', step);
      if (table && step % config.interval === 0) {
        plan.factors.forEach((factor, index) => {
          const { offset, n } = table.entries[index];
          const s = statistics.subarray(offset, offset + n * n);
          gram(s, model.grads.get(factor.param)!, middleAxisPatches(factor.pre, factor.n, factor.post), 1, true);
        });
        const computed = inverseRootsPacked(
          table,
          statistics,
          exponents,
          { seed: randomness.seed, stream: randomness.stream, step },
          { damping: config.damping },
        );
        roots.set(computed.roots);
        lastRoots = computed.results;
      }
      if (table) {
        const matrices = unpackMatrices(table, roots);
        for (const parameter of plan.parameters) {
          if (!parameter.factors.length) continue;
          const grad = model.grads.get(parameter.name)!;
          let g: Float64Array = Float64Array.from(grad);
          for (const index of parameter.factors) {
            const { pre, n, post } = plan.factors[index];
            g = modeProduct(g, matrices[index], pre, n, post);
          }
          grad.set(g);
        }
      }
      tail.step(step, lr);
    },
  };
}
