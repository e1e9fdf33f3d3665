import type { OptimizerConfig } from '../config/run-config';
import type { GpuModel } from '../nn/gpu-model';
import type { ReferenceModel } from '../nn/reference-model';
import { createAdaFisher } from './adafisher';
import { createAdaHessian } from './adahessian';
import { createReferenceAdaHessian } from './adahessian.ref';
import { createReferenceAdaFisher } from './adafisher.ref';
import { createAdam } from './adam';
import { createReferenceAdam } from './adam.ref';
import { createKfac } from './kfac';
import { createNotebookKfac } from './kfac-notebook';
import { createReferenceNotebookKfac } from './kfac-notebook.ref';
import { createReferenceKfac } from './kfac.ref';
import { checkGroupsApply, NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { DEFAULT_RANDOMNESS, type GpuOptimizer, type OptimizerRandomness, type ReferenceOptimizer } from './optimizer';
import { createSgd } from './sgd';
import { createShampoo } from './shampoo';
import { createReferenceShampoo } from './shampoo.ref';
import { createReferenceSgd } from './sgd.ref';

/**
 * `randomness` seeds the optimizers that draw random numbers (the others ignore it); `groups`
 * are the run's resolved parameter groups (their frozen tensors are already out of the model).
 */
export async function createOptimizer(
  model: GpuModel,
  config: OptimizerConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): Promise<GpuOptimizer> {
  checkGroupsApply(config, groups);
  switch (config.type) {
    case 'sgd':
      return createSgd(model, config, groups);
    case 'adam':
    case 'adamw':
      return createAdam(model, config, groups);
    case 'adafisher':
    case 'adafisherw':
      return createAdaFisher(model, config, groups);
    case 'shampoo':
      return createShampoo(model, config, randomness, groups);
    case 'adahessian':
      return createAdaHessian(model, config, { randomness, groups });
    case 'kfac':
      return config.variant === 'notebook' ? createNotebookKfac(model, config) : createKfac(model, config, randomness, groups);
  }
}

export function createReferenceOptimizer(
  model: ReferenceModel,
  config: OptimizerConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): ReferenceOptimizer {
  checkGroupsApply(config, groups);
  switch (config.type) {
    case 'sgd':
      return createReferenceSgd(model, config, groups);
    case 'adam':
    case 'adamw':
      return createReferenceAdam(model, config, groups);
    case 'adafisher':
    case 'adafisherw':
      return createReferenceAdaFisher(model, config, groups);
    case 'shampoo':
      return createReferenceShampoo(model, config, randomness, groups);
    case 'adahessian':
      return createReferenceAdaHessian(model, config, { randomness, groups });
    case 'kfac':
      return config.variant === 'notebook' ? createReferenceNotebookKfac(model, config) : createReferenceKfac(model, config, randomness, groups);
  }
}
