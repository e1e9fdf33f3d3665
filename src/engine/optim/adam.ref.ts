// float64 Adam and AdamW with PyTorch's semantics (torch.optim.Adam / AdamW, foreach=False,
// maximize=False, amsgrad=False), t = step + 1:
//   AdamW first: θ = (1 - lr * weight_decay) θ; Adam instead adds weight_decay * θ to the gradient
//   m = β1 m + (1 - β1) g,  v = β2 v + (1 - β2) g²
//   θ = θ - lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + eps)
// Parameter groups give each tensor its own lr (lrScale × the run's lr) and weight_decay.

import type { OptimizerConfig } from '../config/run-config';
import type { ReferenceModel } from '../nn/reference-model';
import type { ReferenceOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';
import { checkStep } from './sgd.ref';

export type AdamConfig = Extract<OptimizerConfig, { type: 'adam' | 'adamw' }>;

/** The per-step scalars of an update, in float64 (the GPU receives them rounded to float32). */
export interface AdamStepScalars {
  /** lr / (1 - β1^t) */
  stepSize: number;
  /** sqrt(1 - β2^t) */
  biasCorrection2Sqrt: number;
  /** Added to the gradient times θ: weight_decay for Adam, 0 for AdamW. */
  coupledDecay: number;
  /** θ is first multiplied by this: 1 - lr * weight_decay for AdamW, 1 for Adam. */
  decay: number;
}

/** `weightDecay` is the tensor's (its parameter group's) weight decay; `lr` its learning rate. */
export function adamStepScalars(config: AdamConfig, step: number, lr: number, weightDecay = config.weight_decay): AdamStepScalars {
  checkStep(config.type === 'adamw' ? 'AdamW' : 'Adam', step);
  const t = step + 1;
  const [beta1, beta2] = config.betas;
  const decoupled = config.type === 'adamw';
  return {
    stepSize: lr / (1 - beta1 ** t),
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
    coupledDecay: decoupled ? 0 : weightDecay,
    decay: decoupled ? 1 - lr * weightDecay : 1,
  };
}

export interface ReferenceAdam extends ReferenceOptimizer {
  /** The model whose parameters it updates (torch's param_groups). */
  readonly model: ReferenceModel;
  /** First moments m by parameter name. */
  readonly expAvg: ReadonlyMap<string, Float64Array>;
  /** Second moments v by parameter name. */
  readonly expAvgSq: ReadonlyMap<string, Float64Array>;
}

export function createReferenceAdam(model: ReferenceModel, config: AdamConfig, groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS): ReferenceAdam {
  const [beta1, beta2] = config.betas;
  const { eps } = config;
  const expAvg = new Map<string, Float64Array>();
  const expAvgSq = new Map<string, Float64Array>();
  for (const [name, grad] of model.grads) {
    expAvg.set(name, new Float64Array(grad.length));
    expAvgSq.set(name, new Float64Array(grad.length));
  }
  return {
    config,
    model,
    expAvg,
    expAvgSq,
    step(step: number, lr: number): void {
      for (const [name, grad] of model.grads) {
        const { lrScale, weightDecay } = tensorHyperparameters(groups, name, config.weight_decay);
        const { stepSize, biasCorrection2Sqrt, coupledDecay, decay } = adamStepScalars(config, step, lr * lrScale, weightDecay);
        const param = model.params.get(name)!;
        const m = expAvg.get(name)!;
        const v = expAvgSq.get(name)!;
        for (let i = 0; i < param.length; i++) {
          const theta = decay * param[i];
          const g = grad[i] + coupledDecay * theta;
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          param[i] = theta - (stepSize * m[i]) / (Math.sqrt(v[i]) / biasCorrection2Sqrt + eps);
        }
      }
    },
  };
}
