import type { OptimizerConfig } from '../config/run-config';
import type { GpuModel } from '../nn/gpu-model';
import type { ReferenceModel } from '../nn/reference-model';
import { createAdaFisher } from './adafisher';
import { createAdaHessian } from './adahessian';
import { createReferenceAdaHessian } from './adahessian.ref';
import { createReferenceAdaFisher } from './adafisher.ref';
import { createAdam } from './adam';
import { createReferenceAdam } from './adam.ref';
import type { GpuOptimizer, ReferenceOptimizer } from './optimizer';
import { createSgd } from './sgd';
import { createReferenceSgd } from './sgd.ref';

export function createOptimizer(model: GpuModel, config: OptimizerConfig): Promise<GpuOptimizer> {
  switch (config.type) {
    case 'sgd':
      return createSgd(model, config);
    case 'adam':
    case 'adamw':
      return createAdam(model, config);
    case 'adafisher':
    case 'adafisherw':
      return createAdaFisher(model, config);
    case 'adahessian':
      return createAdaHessian(model, config);
  }
}

export function createReferenceOptimizer(model: ReferenceModel, config: OptimizerConfig): ReferenceOptimizer {
  switch (config.type) {
    case 'sgd':
      return createReferenceSgd(model, config);
    case 'adam':
    case 'adamw':
      return createReferenceAdam(model, config);
    case 'adafisher':
    case 'adafisherw':
      return createReferenceAdaFisher(model, config);
    case 'adahessian':
      return createReferenceAdaHessian(model, config);
  }
}
