// Compiling a setup's pipelines before it is started, while the page waits for Start: the
// pipeline cache keeps them for the device's lifetime, so the session that follows compiles
// nothing its first step needs.

import type { RunConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import { GpuModel } from '../nn/gpu-model';
import type { ModelGraph } from '../nn/graph';
import { initialParameters } from '../nn/parameters';
import { createOptimizer } from '../optim/index';
import type { GpuOptimizer } from '../optim/optimizer';
import { graphWithGroups, resolveParameterGroups } from '../optim/param-groups';

export interface WarmResult {
  /** Pipelines compiled (those already cached are not counted). */
  compiled: number;
  ms: number;
}

/**
 * Builds each run's model and optimizer as Trainer.create would (its first step's plans
 * first, then evaluation), then frees them, asking for every pipeline at idle priority. The landscape's plans are left to the session:
 * they depend on the data. Weights are the seeded initialisation, which only fills buffers.
 */
export async function warmPipelines(device: GpuContext, config: RunConfig, graph: ModelGraph): Promise<WarmResult> {
  const started = performance.now();
  // At idle priority: a session started meanwhile compiles what it needs first.
  const ctx: GpuContext = { ...device, pipelines: device.pipelines.idle() };
  const compiledBefore = ctx.pipelines.compiled;
  const initial = initialParameters(graph, config.seed);
  const built: { model: GpuModel; optimizer: GpuOptimizer | null }[] = [];
  const release = ctx.pipelines.hold();
  try {
    for (const [index, spec] of config.runs.entries()) {
      const groups = resolveParameterGroups(graph, spec.param_groups, spec.optimizer, `run "${spec.name}"`);
      const model = await GpuModel.create(ctx, graphWithGroups(graph, groups), config.batch_size, {
        owner: `warm:${spec.name}`,
        initial,
        deferEvaluation: true,
      });
      const entry: (typeof built)[number] = { model, optimizer: null };
      built.push(entry);
      entry.optimizer = await createOptimizer(model, spec.optimizer, { seed: config.seed, stream: index }, groups);
    }
    release();
    await Promise.all(built.map(({ model }) => model.compileEvaluation()));
  } finally {
    release();
    for (const { model, optimizer } of built) {
      optimizer?.destroy();
      model.destroy();
    }
  }
  return { compiled: ctx.pipelines.compiled - compiledBefore, ms: performance.now() - started };
}
