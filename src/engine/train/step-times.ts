// Each run's step times while steps are in flight: the GPU time of its step's pass from
// timestamp queries when the device has them, else the time between the submits' completions
// (StepPipeline). Both are read when the run's metrics come back, never in between.

import type { GpuContext } from '../gpu/context';
import { MAX_TIMED_PASSES, PassTimer } from '../gpu/pass-timer';

/** How a run's ms_per_step was measured; the page and summary.json say which. */
export type StepTimeSource = 'gpu-timestamps' | 'completions';

export class RunStepTimes {
  private completions: Promise<number>[] = [];

  private constructor(private readonly timer: PassTimer | null) {}

  /**
   * Timestamps when the device has them, for up to `stepsBetweenReads` steps (the metrics
   * interval; beyond the query set's bound, the later steps of an interval go untimed).
   */
  static create(ctx: GpuContext, owner: string, stepsBetweenReads: number): RunStepTimes {
    if (!ctx.device.features.has('timestamp-query')) return new RunStepTimes(null);
    return new RunStepTimes(new PassTimer(ctx.device, ctx.pool, `${owner}:step-times`, Math.min(MAX_TIMED_PASSES, Math.max(1, stepsBetweenReads))));
  }

  get source(): StepTimeSource {
    return this.timer ? 'gpu-timestamps' : 'completions';
  }

  /** The timestampWrites of the step's pass (timestamps only). */
  passWrites(): GPUComputePassTimestampWrites | undefined {
    return this.timer?.nextPass();
  }

  /** The step was submitted; `completion` gives its time between completions. */
  submitted(completion: Promise<number>): void {
    if (!this.timer) this.completions.push(completion);
  }

  /** On a step whose metrics come back: into its command buffer, after its pass. */
  stage(encoder: GPUCommandEncoder): void {
    this.timer?.stage(encoder);
  }

  /** Milliseconds of each step since the last read; after the staged step's submit. */
  async read(): Promise<number[]> {
    if (this.timer) return this.timer.read();
    const pending = this.completions;
    this.completions = [];
    return (await Promise.all(pending)).filter(Number.isFinite);
  }

  destroy(): void {
    this.timer?.destroy();
  }
}
