// The tail that ASDL's K-FAC and Shampoo share in AdaFisher's training loop, in float64:
// after the preconditioner has replaced the gradients, PyTorch's clip_grad_norm_ over every
// parameter, g <- g · min(1, c / (||g||₂ + 1e-6)), then torch.optim.SGD with momentum
// (dampening 0, no Nesterov) and coupled weight decay, d = g + wd·θ, buf = d at the first step
// and momentum·buf + d after, θ <- θ − lr·buf, with each tensor's parameter group's lr and wd.

import { CLIP_EPS } from '../kernels/clip-norm/clip-norm.ref';
import type { ReferenceModel } from '../nn/reference-model';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { createReferenceSgd, type ReferenceSgd, type SgdConfig } from './sgd.ref';

/** The settings the clipped SGD tail reads from a K-FAC or Shampoo config. */
export interface ClippedSgdSettings {
  readonly lr: number;
  readonly momentum: number;
  readonly weight_decay: number;
  /** c, the largest gradient norm over all parameters. */
  readonly clip: number;
}

/** The SGD config of the tail: momentum without dampening or Nesterov, coupled weight decay. */
export function tailSgdConfig(settings: ClippedSgdSettings): SgdConfig {
  return { type: 'sgd', lr: settings.lr, momentum: settings.momentum, dampening: 0, nesterov: false, weight_decay: settings.weight_decay };
}

/** The clip's range check, named for the optimizer that owns it. */
export function checkClip(optimizer: string, clip: number): void {
  if (!(clip > 0) || !Number.isFinite(clip)) throw new Error(`${optimizer}: clip must be > 0, got ${clip}`);
}

/**
 * g <- g · min(1, c / (||g||₂ + 1e-6)) over every gradient together, in place (PyTorch always
 * multiplies, by 1 when the norm is below c). Returns ||g||₂ before clipping.
 */
export function clipGradNorm(grads: Iterable<Float64Array>, clip: number): number {
  const all = [...grads];
  let squares = 0;
  for (const grad of all) for (const value of grad) squares += value * value;
  const norm = Math.sqrt(squares);
  const factor = Math.min(1, clip / (norm + CLIP_EPS));
  for (const grad of all) for (let i = 0; i < grad.length; i++) grad[i] *= factor;
  return norm;
}

export interface ReferenceClippedSgd {
  /** Clips the model's gradients in place, then takes the SGD step. */
  step(step: number, lr: number): void;
  /** The norm of the gradients the last step clipped, before clipping. */
  readonly lastNorm: number;
  readonly sgd: ReferenceSgd;
}

export function createReferenceClippedSgd(
  model: ReferenceModel,
  settings: ClippedSgdSettings,
  optimizer: string,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): ReferenceClippedSgd {
  checkClip(optimizer, settings.clip);
  const sgd = createReferenceSgd(model, tailSgdConfig(settings), groups);
  let lastNorm = NaN;
  return {
    sgd,
    get lastNorm() {
      return lastNorm;
    },
    step(step: number, lr: number): void {
      lastNorm = clipGradNorm(model.grads.values(), settings.clip);
      sgd.step(step, lr);
    },
  };
}
