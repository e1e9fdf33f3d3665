import type { OptimizerConfig } from '../config/run-config';
import type { GpuModel } from '../nn/gpu-model';
import { createAdaFisher } from './adafisher';
import { createAdaHessian } from './adahessian';
import { createAdam } from './adam';
import { createKfac } from './kfac';
import { createNotebookKfac } from './kfac-notebook';
import { checkGroupsApply, NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { DEFAULT_RANDOMNESS, type GpuOptimizer, type OptimizerRandomness } from './optimizer';
import { createSgd } from './sgd';
import { createShampoo } from './shampoo';

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

export { createReferenceOptimizer } from './reference-optimizer';
