// The float64 twin of every optimizer, chosen by config: in a module of its own, free of the
// GPU code index.ts loads, so Node code (the export's tests) can drive the twins.

import type { OptimizerConfig } from '../config/run-config';
import type { ReferenceModel } from '../nn/reference-model';
import { createReferenceAdaFisher } from './adafisher.ref';
import { createReferenceAdaHessian } from './adahessian.ref';
import { createReferenceAdam } from './adam.ref';
import { createReferenceNotebookKfac } from './kfac-notebook.ref';
import { createReferenceKfac } from './kfac.ref';
import { DEFAULT_RANDOMNESS, type OptimizerRandomness, type ReferenceOptimizer } from './optimizer';
import { checkGroupsApply, NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { createReferenceSgd } from './sgd.ref';
import { createReferenceShampoo } from './shampoo.ref';

/** As createOptimizer (index.ts), for a ReferenceModel. */
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
