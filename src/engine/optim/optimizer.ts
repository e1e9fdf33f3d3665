// What every optimizer provides, on the GPU and as a float64 reference. An optimizer updates
// a model's flat parameter buffer from its flat gradient buffer (and, for AdaFisher, from the
// layer inputs and output gradients the model keeps after its backward pass).

import type { OptimizerConfig } from '../config/run-config';

/** Min, median and max of a layer's preconditioner F (AdaFisher's diagnostic panel). */
export interface PreconditionerStats {
  layer: string;
  min: number;
  median: number;
  max: number;
}

/** Where a randomised optimizer's Philox stream starts: K-FAC's sampled labels, AdaHessian's Rademacher vectors, Shampoo's power-iteration starts. */
export interface OptimizerRandomness {
  /** The run config's seed. */
  readonly seed: number;
  /** The run's index in its session, so that two runs of one optimizer draw different numbers. */
  readonly stream: number;
}

export const DEFAULT_RANDOMNESS: OptimizerRandomness = { seed: 0, stream: 0 };

export interface GpuOptimizer {
  readonly config: OptimizerConfig;
  /** GPU bytes held for optimizer state (momentum, second moments, Kronecker factors, scratch). */
  readonly stateBytes: number;
  /**
   * Writes this step's scalars (learning rate, bias corrections) into a small buffer the
   * kernels read; `step` counts optimizer steps from 0. Creates nothing.
   */
  prepare(step: number, lr: number): void;
  /** Records the update of optimizer step `step` into an open compute pass, after the backward. */
  encode(pass: GPUComputePassEncoder, step: number): void;
  /**
   * The first curvature factor that turned non-finite, as a sentence naming the layer and the
   * step ("K-FAC: layer fc's factor A became non-finite at step 30"), or null. Reads back a few
   * words; the trainer asks on the steps it reads metrics. The second-order optimizers only.
   */
  checkFactors?(): Promise<string | null>;
  /**
   * Copies the status checkFactors reads into a step's command buffer (the trainer's metrics
   * steps), so that checking costs no submit of its own. Present with checkFactors.
   */
  stageFactorCheck?(encoder: GPUCommandEncoder): void;
  /** Per-layer F statistics; reads back only small factor vectors. AdaFisher only. */
  diagnostics?(): Promise<PreconditionerStats[]>;
  destroy(): void;
}

/** The float64 twin of a GpuOptimizer, driving a ReferenceModel's parameters. */
export interface ReferenceOptimizer {
  readonly config: OptimizerConfig;
  step(step: number, lr: number): void;
  diagnostics?(): PreconditionerStats[];
}

/** Median of a list of numbers (the mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
