import type { InspectionRecord } from '../inspect/inspect-types';
import type { LandscapeFrame } from '../landscape/landscape-frame';
import type { FirstStepBreakdown } from './first-step';
import type { StepProfile } from '../gpu/step-profile';
import type { StepTimeSource } from './step-times';

// What a training session reports: plain, structured-cloneable data, posted by the worker
// to the page and written by the command line to CSV and JSON.

export type RunState = 'pending' | 'running' | 'paused' | 'diverged' | 'finished' | 'stopped' | 'device-lost' | 'failed';

export interface MetricsRow {
  step: number;
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  lr: number;
  ms_per_step: number;
  /** Seconds since the session started. */
  wall_time: number;
  /** Train tokens per second (language models). */
  tokens_per_second?: number;
  test_loss?: number;
  test_accuracy?: number;
  /** Language models: exp of the mean token negative log-likelihood. */
  val_loss?: number;
  val_perplexity?: number;
  test_perplexity?: number;
}

/** An evaluation after `step`: the test split (images), or the validation split and, at the end, the test split (language models). */
export interface EvaluationRow {
  step: number;
  epoch: number;
  test_loss?: number;
  test_accuracy?: number;
  val_loss?: number;
  val_perplexity?: number;
  test_perplexity?: number;
}

export interface RunSummary {
  run: string;
  optimizer: string;
  state: RunState;
  message?: string;
  steps: number;
  train_loss_first: number | null;
  train_loss_last: number | null;
  test_loss: number | null;
  test_accuracy: number | null;
  /** Language models; null for image classification. */
  val_perplexity: number | null;
  test_perplexity: number | null;
  ms_per_step_median: number | null;
  /** How ms_per_step was measured: the step's pass between GPU timestamps, or between the completions of submits (absent in runs saved before it was recorded). */
  step_times?: StepTimeSource;
  /** GPU bytes of parameters, gradients and optimizer state (total), and all the run holds (with activations). */
  gpu_bytes: { parameters: number; gradients: number; optimizer_state: number; total: number; held: number };
  adapter: string;
}

export type TrainerEvent =
  | { type: 'run-state'; run: string; state: RunState; message?: string }
  | { type: 'metrics'; run: string; row: MetricsRow }
  | { type: 'evaluation'; run: string; row: EvaluationRow }
  /** Each run's GPU memory, once its model and optimizer exist; again with the session's time to its first step once every run has taken it. */
  | { type: 'run-info'; run: string; gpuBytes: RunSummary['gpu_bytes']; stepTimes: StepTimeSource; firstStep?: FirstStepBreakdown }
  /** After each step: the session's step, and the steps each run has trained (a paused run lags). */
  | { type: 'progress'; step: number; totalSteps: number; epoch: number; runs: Record<string, number> }
  /** The data stream failed before `step`; training paused (or stopped, for the command line). */
  | { type: 'data-error'; step: number; kind: string; message: string; action: 'paused' | 'stopped' }
  | { type: 'finished'; summaries: RunSummary[] }
  /** The loss landscape and every run's trajectory on it (docs/landscape.md); frames keep coming after 'finished' until one is settled. */
  | { type: 'landscape'; frame: LandscapeFrame }
  /** One measurement of the Kronecker-factor inspector (docs/adafisher-inspector.md). */
  | { type: 'inspection'; record: InspectionRecord }
  /** An inspector request that cannot be met (unknown layer, not Linear or Conv2d, step past the end, factor too large): nothing else changes. */
  | { type: 'inspect-refused'; message: string }
  /** Where the GPU time of the run's step `step` (1-based, as in metrics rows) went, after Trainer.profileStep asked for it. */
  | { type: 'step-profile'; run: string; step: number; profile: StepProfile };
