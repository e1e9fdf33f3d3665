// A training session's landscape from its config: the memory budget and the slots each run
// keeps, every check that can refuse the config before training starts, and the Landscape.

import type { RunConfig } from '../config/run-config';
import type { GpuContext } from '../gpu/context';
import type { TrainingData } from '../data/training-data';
import type { ModelGraph } from '../nn/graph';
import { DEFAULT_EVAL_SIZE } from './auto-size';
import { Landscape } from './landscape';
import type { LandscapeFrame } from './landscape-frame';
import { bytesPerSnapshot, validateLandscape } from './landscape-validation';
import { slotsPerRun, type SnapshotRun } from './snapshot-store';

/** The automatic snapshot budget: this much of GPU memory at most, and never more than one buffer may hold. */
export const AUTO_BUDGET_BYTES = 256 * 2 ** 20;

export interface LandscapePlan {
  budgetBytes: number;
  /** Slots each run keeps. */
  capacity: number;
  /** The most examples the evaluation set can have: the training split (512 by default). */
  maxEvalSize: number;
}

/** Sizes the landscape of `config` and refuses it (ConfigError) when it cannot work. */
export function planLandscape(ctx: GpuContext, config: RunConfig, graph: ModelGraph, data: TrainingData): LandscapePlan {
  const landscape = config.landscape!;
  const { limits } = ctx.device;
  const snapshotBytes = bytesPerSnapshot(graph, ctx.storageAlignment);
  const budgetBytes = landscape.budget_mb === 'auto' ? Math.min(AUTO_BUDGET_BYTES, limits.maxBufferSize) : landscape.budget_mb * 2 ** 20;
  const runs = config.runs.length;
  validateLandscape(config, graph, { trainExamples: data.trainExamples, snapshotBytesPerRun: snapshotBytes, budgetBytes });
  return {
    budgetBytes,
    capacity: slotsPerRun(budgetBytes, runs, snapshotBytes, limits.maxStorageBufferBindingSize),
    maxEvalSize: Math.min(data.trainExamples, landscape.eval_size === 'auto' ? DEFAULT_EVAL_SIZE : landscape.eval_size),
  };
}

export interface SessionLandscapeOptions {
  ctx: GpuContext;
  config: RunConfig;
  graph: ModelGraph;
  data: TrainingData;
  runs: readonly SnapshotRun[];
  emit: (frame: LandscapeFrame) => void;
  onWork: () => void;
}

export function createLandscape(plan: LandscapePlan, options: SessionLandscapeOptions): Promise<Landscape> {
  const { ctx, config, graph, data, runs, emit, onWork } = options;
  return Landscape.create({
    ctx,
    config: config.landscape!,
    graph,
    runs,
    capacity: plan.capacity,
    budgetBytes: plan.budgetBytes,
    maxEvalSize: plan.maxEvalSize,
    evaluationSet: (count) => data.evaluationSet(count),
    emit,
    onWork,
  });
}
