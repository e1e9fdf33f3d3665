// float64 AdaHessian as the authors' code runs it (Yao et al.; the copy in AdaFisher's
// repository), t = step + 1, on every parameter (BatchNorm and biases too):
//   v ~ Rademacher (±1), one vector per step;  Hv by a central difference of two gradients
//   D = |Hv|, averaged over the kh×kw window of a 4-D convolution weight (keepdim, broadcast)
//   m = β1 m + (1 − β1) g,  v = β2 v + (1 − β2) D²
//   denom = (√v)^k / (√(1 − β2^t))^k + eps
//   θ = θ − lr (m / (1 − β1^t) / denom + weight_decay · θ)          (decoupled weight decay)
// Hv = (g(θ + εv) − g(θ − εv)) / (2ε) on the smooth piece of the batch's training forward (its
// ReLU masks and max-pool arg-maxes frozen), as the GPU computes it; or, for measurements, the
// exact float64 Hv of ReferenceModel.hessianVectorProduct.

import type { OptimizerConfig } from '../config/run-config';
import { philox4x32_10 } from '../kernels/philox/philox.ref';
import type { ReferenceModel } from '../nn/reference-model';
import { DEFAULT_RANDOMNESS, type OptimizerRandomness, type ReferenceOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';
import { checkStep } from './sgd.ref';

export type AdaHessianConfig = Extract<OptimizerConfig, { type: 'adahessian' }>;

/**
 * The difference step ε of Hv ≈ (g(θ + εv) − g(θ − εv)) / (2ε), v = ±1. Its error is the ε²
 * term of the frozen piece plus float32 rounding of the two gradients over 2ε; against the
 * float64 exact Hv, max|ΔHv| / max|Hv| measured (at initialisation) 1.1e-4 on the tiny
 * conv/BN/residual model, 4.1e-4 on a two-block width-8 GPT, 8e-5 on cnn-small (batch 16),
 * 1.5e-4 on resnet-mini and 3.6e-5 on gpt1-tiny; half or double the step was worse on some of
 * them. A power of two keeps θ ± εv exact in float32 for every |θ| ≥ ε (up to a carry into the
 * next binade) and 1/(2ε) exact: 1e-4 instead doubled the error on the tiny model.
 */
export const ADAHESSIAN_EPSILON = 2 ** -13;

/** Per-step scalars, in float64 (the GPU receives them rounded to float32). */
export interface AdaHessianStepScalars {
  /** lr / (1 − β1^t) */
  stepSize: number;
  /** 1 / (√(1 − β2^t))^k */
  invBiasCorrection2Pow: number;
  /** lr · weight_decay */
  lrDecay: number;
}

/** `lr` and `weightDecay` are the tensor's (its parameter group's). */
export function adaHessianStepScalars(config: AdaHessianConfig, step: number, lr: number, weightDecay = config.weight_decay): AdaHessianStepScalars {
  checkStep('AdaHessian', step);
  const t = step + 1;
  const [beta1, beta2] = config.betas;
  return {
    stepSize: lr / (1 - beta1 ** t),
    invBiasCorrection2Pow: 1 / Math.sqrt(1 - beta2 ** t) ** config.hessian_power,
    lrDecay: lr * weightDecay,
  };
}

/**
 * The averaging window of a parameter's Hessian diagonal: kh·kw for a 4-D convolution weight,
 * 1 for tensors of at most 2 dimensions. The authors' code has no rule for other ranks.
 */
export function hessianWindow(name: string, shape: readonly number[]): number {
  if (shape.length <= 2) return 1;
  if (shape.length === 4) return shape[2] * shape[3];
  throw new Error(
    `AdaHessian: parameter "${name}" has ${shape.length} dimensions; its Hessian diagonal is defined for tensors of at most 2 dimensions and 4-D convolution weights`,
  );
}

/** v for element j of parameter `index` (in the model's parameter order) at `step`, keyed by the run's (seed, stream): the GPU's rademacher(). */
export function rademacher(key: OptimizerRandomness, index: number, step: number, length: number): Float64Array {
  const v = new Float64Array(length);
  for (let block = 0; block * 4 < length; block++) {
    const words = philox4x32_10([block, step, index, 0], [key.seed, key.stream]);
    for (let lane = 0; lane < 4 && block * 4 + lane < length; lane++) v[block * 4 + lane] = words[lane] >>> 31 ? -1 : 1;
  }
  return v;
}

/** D = |Hv| with the mean over each `window` consecutive elements broadcast back over them. */
export function hessianDiagonal(hv: ArrayLike<number>, window: number): Float64Array {
  const D = new Float64Array(hv.length);
  for (let start = 0; start < hv.length; start += window) {
    let sum = 0;
    for (let j = start; j < start + window; j++) sum += Math.abs(hv[j]);
    D.fill(sum / window, start, start + window);
  }
  return D;
}

export interface ReferenceAdaHessian extends ReferenceOptimizer {
  readonly model: ReferenceModel;
  readonly epsilon: number;
  /** First moments m by parameter name. */
  readonly expAvg: ReadonlyMap<string, Float64Array>;
  /** Second moments of the Hessian diagonal by parameter name. */
  readonly expHessianDiagSq: ReadonlyMap<string, Float64Array>;
  /** The last step's D by parameter name. */
  readonly hessianDiag: ReadonlyMap<string, Float64Array>;
  /** The last step's Rademacher vector by parameter name. */
  readonly lastDirection: ReadonlyMap<string, Float64Array>;
}

export interface ReferenceAdaHessianOptions {
  /** The difference step (ADAHESSIAN_EPSILON unless given, as the GPU's). */
  epsilon?: number;
  /** 'central-difference' (the GPU's arithmetic, the default) or 'exact' (ReferenceModel.hessianVectorProduct). */
  hessian?: 'central-difference' | 'exact';
  /** The Philox key of the Rademacher vectors: the run's seed and index. */
  randomness?: OptimizerRandomness;
  /** Each tensor's lr scale and weight decay (the run's parameter groups). */
  groups?: ResolvedParameterGroups;
}

/**
 * Steps after the model's forward and backward of the batch (its `grads` hold g, its
 * activations that forward's): the two extra gradients reuse that batch and leave its
 * running statistics alone.
 */
export function createReferenceAdaHessian(model: ReferenceModel, config: AdaHessianConfig, options: ReferenceAdaHessianOptions = {}): ReferenceAdaHessian {
  const epsilon = options.epsilon ?? ADAHESSIAN_EPSILON;
  const randomness = options.randomness ?? DEFAULT_RANDOMNESS;
  const groups = options.groups ?? NO_PARAMETER_GROUPS;
  const [beta1, beta2] = config.betas;
  const k = config.hessian_power;
  const trainable = model.specs.filter((spec) => spec.trainable);
  const windows = new Map(trainable.map((spec) => [spec.name, hessianWindow(spec.name, spec.shape)]));
  const zeros = (): Map<string, Float64Array> => new Map(trainable.map((spec) => [spec.name, new Float64Array(model.grads.get(spec.name)!.length)]));
  const expAvg = zeros();
  const expHessianDiagSq = zeros();
  const hessianDiag = zeros();
  const lastDirection = zeros();

  const hessianVector = (direction: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> => {
    if (options.hessian === 'exact') return model.hessianVectorProduct(direction);
    const kinks = model.captureKinks();
    const [plus, minus] = [epsilon, -epsilon].map((h) => {
      const params = new Map([...direction].map(([name, v]) => [name, model.params.get(name)!.map((x, i) => x + h * v[i])]));
      const grads = model.createGradients();
      model.gradientPass({ params, grads, kinks });
      return grads;
    });
    return new Map([...plus].map(([name, g]) => [name, g.map((x, i) => (x - minus.get(name)![i]) / (2 * epsilon))]));
  };

  return {
    config,
    model,
    epsilon,
    expAvg,
    expHessianDiagSq,
    hessianDiag,
    lastDirection,
    step(step: number, lr: number): void {
      trainable.forEach((spec, index) => lastDirection.set(spec.name, rademacher(randomness, index, step, model.grads.get(spec.name)!.length)));
      const hv = hessianVector(lastDirection);
      for (const [name, grad] of model.grads) {
        const D = hessianDiagonal(hv.get(name)!, windows.get(name)!);
        hessianDiag.set(name, D);
        const param = model.params.get(name)!;
        const m = expAvg.get(name)!;
        const v = expHessianDiagSq.get(name)!;
        const { lrScale, weightDecay } = tensorHyperparameters(groups, name, config.weight_decay);
        const { stepSize, invBiasCorrection2Pow, lrDecay } = adaHessianStepScalars(config, step, lr * lrScale, weightDecay);
        for (let i = 0; i < param.length; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
          v[i] = beta2 * v[i] + (1 - beta2) * D[i] * D[i];
          const denom = Math.sqrt(v[i]) ** k * invBiasCorrection2Pow + config.eps;
          param[i] -= (stepSize * m[i]) / denom + lrDecay * param[i];
        }
      }
    },
  };
}
