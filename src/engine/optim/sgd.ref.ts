// float64 SGD with PyTorch's semantics (torch.optim.SGD, foreach=False, maximize=False):
//   g = grad + weight_decay * θ
//   with momentum: buf = g at the first step, else momentum * buf + (1 - dampening) * g;
//                  g = nesterov ? g + momentum * buf : buf
//   θ = θ - lr * g
// Parameter groups give each tensor its own lr (lrScale × the run's lr) and weight_decay.

import type { OptimizerConfig } from '../config/run-config';
import type { ReferenceModel } from '../nn/reference-model';
import type { ReferenceOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';

export type SgdConfig = Extract<OptimizerConfig, { type: 'sgd' }>;

/** PyTorch refuses Nesterov momentum without momentum or with dampening; so do we. */
export function checkSgdConfig(config: SgdConfig): void {
  if (config.nesterov && (config.momentum <= 0 || config.dampening !== 0)) {
    throw new Error(`SGD: Nesterov momentum requires momentum > 0 and dampening = 0 (got momentum ${config.momentum}, dampening ${config.dampening})`);
  }
}

/** Optimizer steps count from 0; anything else is a caller's bug. */
export function checkStep(op: string, step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`${op}: step must be a whole number >= 0, got ${step}`);
}

export interface ReferenceSgd extends ReferenceOptimizer {
  /** Momentum buffers by parameter name; empty without momentum. */
  readonly momentumBuffers: ReadonlyMap<string, Float64Array>;
}

export function createReferenceSgd(model: ReferenceModel, config: SgdConfig, groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS): ReferenceSgd {
  checkSgdConfig(config);
  const { momentum, dampening, nesterov } = config;
  const buffers = new Map<string, Float64Array>();
  if (momentum !== 0) for (const [name, grad] of model.grads) buffers.set(name, new Float64Array(grad.length));
  return {
    config,
    momentumBuffers: buffers,
    step(step: number, lr: number): void {
      checkStep('SGD', step);
      for (const [name, grad] of model.grads) {
        const param = model.params.get(name)!;
        const buf = buffers.get(name);
        const { lrScale, weightDecay } = tensorHyperparameters(groups, name, config.weight_decay);
        const tensorLr = lr * lrScale;
        for (let i = 0; i < param.length; i++) {
          let g = grad[i] + weightDecay * param[i];
          if (buf) {
            buf[i] = step === 0 ? g : momentum * buf[i] + (1 - dampening) * g;
            g = nesterov ? g + momentum * buf[i] : buf[i];
          }
          param[i] -= tensorLr * g;
        }
      }
    },
  };
}
