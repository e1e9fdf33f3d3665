// Trains the same model from the same weights on the same batches with a GPU optimizer and
// its float64 reference, step by step, and reports how far the two drift apart.

import type { OptimizerConfig, ScheduleConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import { randomModelBatch } from '../nn/device-check';
import type { ModelGraph } from '../nn/graph';
import { GpuModel } from '../nn/gpu-model';
import { initialParameters } from '../nn/parameters';
import { ReferenceModel } from '../nn/reference-model';
import { createOptimizer, createReferenceOptimizer } from '../optim/index';
import type { GpuOptimizer, ReferenceOptimizer } from '../optim/optimizer';
import type { ResolvedParameterGroups } from '../optim/param-groups';
import { learningRate } from '../optim/schedule';
import { maxAbs } from './max-error';

export interface StepComparison {
  step: number;
  lr: number;
  gpuLoss: number;
  referenceLoss: number;
  /** max over parameter tensors of max|gpu - ref| / max(max|ref|, 1e-3 * the largest |ref| of the model). */
  worstParameterError: number;
  worstParameter: string;
}

export interface CompareTrainingOptions {
  graph: ModelGraph;
  batch: number;
  steps: number;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  seed?: number;
  /** Parameter groups, resolved against `graph` (which already freezes their frozen tensors). */
  groups?: ResolvedParameterGroups;
  /** Called after each step with both optimizers, for optimizer-specific checks (factors, state). */
  afterStep?: (step: number, gpu: GpuOptimizer, reference: ReferenceOptimizer, model: GpuModel) => Promise<void> | void;
}

export async function compareTraining(ctx: GpuContext, options: CompareTrainingOptions): Promise<StepComparison[]> {
  const { graph, batch, steps, seed = 1 } = options;
  const schedule = options.schedule ?? { type: 'constant', warmup_steps: 0, final_fraction: 0 };
  const initial = initialParameters(graph, seed);
  const model = await GpuModel.create(ctx, graph, batch, { owner: `compare:${options.optimizer.type}`, initial });
  const reference = new ReferenceModel(graph, batch, initial);
  const gpuOptimizer = await createOptimizer(model, options.optimizer, undefined, options.groups);
  const referenceOptimizer = createReferenceOptimizer(reference, options.optimizer, undefined, options.groups);
  const history: StepComparison[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const lr = learningRate(schedule, options.optimizer.lr, step, steps);
      const { inputs: images, labels } = randomModelBatch(seed * 1000 + step, graph, batch);
      model.writeBatch(images, labels);
      gpuOptimizer.prepare(step, lr);
      const metrics = (await model.trainStep({ readMetrics: true, then: (pass) => gpuOptimizer.encode(pass, step) }))!;
      const expected = reference.forward(images, labels, true);
      reference.backward();
      referenceOptimizer.step(step, lr);

      const params = await model.readParameters();
      let worstParameterError = 0;
      let worstParameter = '';
      // A tensor that stays near 0 (a GPT bias whose gradient is 0 in exact arithmetic) is
      // measured against a thousandth of the model's largest parameter, not against itself.
      const floor = 1e-3 * Math.max(...[...reference.params.values()].map(maxAbs));
      for (const [name, refValues] of reference.params) {
        const gpuValues = params.get(name)!;
        const scale = Math.max(maxAbs(refValues), floor) || 1;
        let diff = 0;
        for (let i = 0; i < refValues.length; i++) diff = Math.max(diff, Math.abs(gpuValues[i] - refValues[i]));
        if (!(diff / scale <= worstParameterError)) {
          worstParameterError = diff / scale;
          worstParameter = name;
        }
      }
      history.push({ step, lr, gpuLoss: metrics.loss, referenceLoss: expected.loss, worstParameterError, worstParameter });
      await options.afterStep?.(step, gpuOptimizer, referenceOptimizer, model);
    }
  } finally {
    gpuOptimizer.destroy();
    model.destroy();
  }
  return history;
}
