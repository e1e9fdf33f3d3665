// Where the time to the first step goes: from the train request to the end of every run's
// first step, split into the data, building the runs, waiting for pipelines, the first
// submits and the first read-backs.

import type { PipelineCache } from '../gpu/pipeline-cache';

/** Milliseconds from the train request; the parts add up to first_step_ms less what no phase times (parsing, messages). */
export interface FirstStepBreakdown {
  /** From the request to the end of the first step of every run (what the page shows as step 1). */
  first_step_ms: number;
  /** From the request to the first run's first submit: when the GPU starts training. */
  first_submit_ms: number;
  /** Loading or generating the data and reading the first batch. */
  data_ms: number;
  /** Models' and optimizers' buffers, weights and bind groups: building the runs less its waits for pipelines. */
  build_ms: number;
  /** Waiting for shader modules and pipelines to compile (SwiftShader compiles at pipeline creation). */
  pipelines_ms: number;
  /** Writing the batch and encoding and submitting each run's first step. */
  submit_ms: number;
  /** From each first submit to its metrics on the CPU: the GPU's work and the mapping. */
  readback_ms: number;
  /** Pipelines compiled before the first step: none when the cache already held them all. */
  pipelines_compiled: number;
}

export type FirstStepPhase = 'data' | 'build' | 'submit' | 'readback';

/**
 * Times the phases of a session's start. Time a phase spends awaiting pipelines (the cache's
 * `ready`) counts as pipelines_ms instead, so the parts do not overlap.
 */
export class FirstStepClock {
  private readonly phases: Record<FirstStepPhase, number> = { data: 0, build: 0, submit: 0, readback: 0 };
  private pipelineWait = 0;
  private firstSubmit: number | null = null;
  private readonly compiledBefore: number;
  private result: FirstStepBreakdown | null = null;

  constructor(
    private readonly pipelines: Pick<PipelineCache, 'compiled' | 'waitedMs'>,
    readonly started = performance.now(),
  ) {
    this.compiledBefore = pipelines.compiled;
  }

  get finished(): boolean {
    return this.result !== null;
  }

  async time<T>(phase: FirstStepPhase, work: () => T | Promise<T>): Promise<T> {
    const begun = performance.now();
    const waitedBefore = this.pipelines.waitedMs;
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - begun, this.pipelines.waitedMs - waitedBefore);
    }
  }

  /** Adds `ms` to a phase (for phases that cannot be wrapped), of which `waitedMs` went to pipelines. */
  add(phase: FirstStepPhase, ms: number, waitedMs = 0): void {
    if (this.result) return;
    // The two clocks are read apart (and at 0.1 ms without cross-origin isolation): a phase spent wholly waiting may read a hair over.
    const waited = Math.min(ms, waitedMs);
    this.phases[phase] += ms - waited;
    this.pipelineWait += waited;
  }

  /** A run's first step was submitted at `at` (performance.now()). */
  submitted(at: number): void {
    this.firstSubmit ??= at;
  }

  /** The breakdown at the end of the first step; later calls return the same. */
  finish(): FirstStepBreakdown {
    if (this.result) return this.result;
    const now = performance.now();
    this.result = {
      first_step_ms: now - this.started,
      first_submit_ms: (this.firstSubmit ?? now) - this.started,
      data_ms: this.phases.data,
      build_ms: this.phases.build,
      pipelines_ms: this.pipelineWait,
      submit_ms: this.phases.submit,
      readback_ms: this.phases.readback,
      pipelines_compiled: this.pipelines.compiled - this.compiledBefore,
    };
    return this.result;
  }
}

/** The parts' sum over the measured whole (1 when they account for all of it). */
export function breakdownCoverage(breakdown: FirstStepBreakdown): number {
  const parts = breakdown.data_ms + breakdown.build_ms + breakdown.pipelines_ms + breakdown.submit_ms + breakdown.readback_ms;
  return parts / breakdown.first_step_ms;
}

/** "1.84 s: data 0.31, build 0.12, pipelines 1.10, submit 0.05, read-back 0.26 (41 pipelines compiled)". */
export function describeFirstStep(breakdown: FirstStepBreakdown): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return (
    `${s(breakdown.first_step_ms)} s: data ${s(breakdown.data_ms)}, build ${s(breakdown.build_ms)}, pipelines ${s(breakdown.pipelines_ms)}, ` +
    `submit ${s(breakdown.submit_ms)}, read-back ${s(breakdown.readback_ms)} (${breakdown.pipelines_compiled} pipelines compiled)`
  );
}
