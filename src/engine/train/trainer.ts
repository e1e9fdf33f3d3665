// Several runs, one per optimizer, trained side by side on one device from the same initial
// weights on the same batches. Each step of each run is one submit; values come back only
// when metrics are due (every log_every steps) and at evaluations. Nothing waits for the GPU
// in between: up to STEPS_IN_FLIGHT_PER_RUN steps per run stay queued (StepPipeline).

import type { RunConfig, RunSpec } from '../config/run-config';
import { planInspection, settingsFromConfig } from '../inspect/inspect-plan';
import type { InspectSettings } from '../inspect/inspect-types';
import { RunInspector } from '../inspect/run-inspector';
import type { LandscapeSettings } from '../landscape/landscape-frame';
import { createLandscape, planLandscape } from '../landscape/session-landscape';
import type { Landscape } from '../landscape/landscape';
import type { GpuContext } from '../gpu/context';
import { describeAdapter } from '../gpu/context';
import { DatasetError } from '../data/dataset-error';
import type { Batch, TrainingData } from '../data/training-data';
import { TextSampler, type SampleOptions } from '../nn/sampler';
import type { DeviceLostError } from '../gpu/errors';
import { GpuModel, type StepMetrics } from '../nn/gpu-model';
import { profileTrainStep } from '../nn/profile-step';
import type { ModelGraph } from '../nn/graph';
import { applyInitOverrides, initialParameters } from '../nn/parameters';
import { modelPreset } from '../nn/presets';
import { createOptimizer } from '../optim/index';
import { graphWithGroups, resolveParameterGroups } from '../optim/param-groups';
import { median, type GpuOptimizer } from '../optim/optimizer';
import { learningRate } from '../optim/schedule';
import type { EvaluationRow, MetricsRow, RunState, RunSummary, TrainerEvent } from './events';
import { FirstStepClock } from './first-step';
import { StepPipeline } from './step-pipeline';
import { RunStepTimes } from './step-times';

export interface TrainerOptions {
  ctx: GpuContext;
  config: RunConfig;
  data: TrainingData;
  emit: (event: TrainerEvent) => void;
  /** The model, when not config.model's preset (tests and benchmarks train smaller graphs). */
  graph?: ModelGraph;
  /** Weights every run starts from (e.g. a loaded checkpoint); otherwise seeded PyTorch-style initialisation. */
  initial?: ReadonlyMap<string, ArrayLike<number>>;
  /**
   * Called with a checkpoint of each run after each of its evaluations, so a run can restart
   * after a device loss. The page and the command line ask for weights only when they need them.
   */
  onCheckpoint?: (run: string, step: number, bytes: Uint8Array) => void;
  /**
   * When a shard fails mid-training: "pause" waits for resume() and then retries the batch
   * (a person can fix the network or the server); "stop" ends the session (the command line).
   */
  onDataError?: 'pause' | 'stop';
  /** Times the start (from the train request, where the caller made it) until every run's first step has ended. */
  clock?: FirstStepClock;
  /**
   * false: wait for the GPU after every step, as before steps were pipelined (tests compare the
   * two; the bench times both). Pipelined by default.
   */
  pipelined?: boolean;
}

/** The session's length in steps: `steps`, or whole epochs of the data. */
function sessionSteps(config: RunConfig, data: TrainingData): number {
  return config.steps ?? (config.epochs ?? 1) * data.stepsPerEpoch;
}

/** Steps a run may have queued on the device before the trainer waits for its oldest. */
export const STEPS_IN_FLIGHT_PER_RUN = 2;

/** The landscape compares every run's trained parameters in one space, so runs must freeze the same tensors. */
function checkSameFrozen(runs: readonly RunSpec[], graphs: readonly ModelGraph[]): void {
  const frozenOf = (graph: ModelGraph) => [...(graph.frozen ?? [])].sort().join(', ') || 'nothing';
  const first = frozenOf(graphs[0]);
  graphs.forEach((graph, index) => {
    const frozen = frozenOf(graph);
    if (frozen !== first) {
      throw new Error(
        `landscape: run "${runs[index].name}" freezes ${frozen} but run "${runs[0].name}" freezes ${first}; the landscape needs every run to freeze the same parameters (turn it off or align the frozen groups)`,
      );
    }
  });
}

class TrainingRun {
  state: RunState = 'pending';
  message?: string;
  stepsDone = 0;
  readonly rows: MetricsRow[] = [];
  lastEvaluation: EvaluationRow | null = null;
  /** The last evaluation that included the test split. */
  lastTest: EvaluationRow | null = null;
  readonly allStepTimes: number[] = [];
  /** Measures the run's Kronecker factors while the inspector is on (docs/adafisher-inspector.md). */
  inspector: RunInspector | null = null;
  /** The options the inspector was built with, to keep it when new settings do not change them. */
  inspection = '';

  constructor(
    readonly index: number,
    readonly spec: RunSpec,
    readonly model: GpuModel,
    readonly optimizer: GpuOptimizer,
    /** GPU milliseconds of its steps, read with its metrics. */
    readonly stepTimes: RunStepTimes,
  ) {}

  get active(): boolean {
    return this.state === 'running' || this.state === 'pending';
  }
}

/** While paused, the landscape works in slices this long between checks for resume. */
const PAUSED_LANDSCAPE_SLICE_MS = 250;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Trainer {
  readonly totalSteps: number;
  private paused = false;
  private stopRequested = false;
  private resumeWaiters: (() => void)[] = [];
  private deviceLost: DeviceLostError | null = null;
  private readonly startTime = performance.now();
  private sampler: Promise<TextSampler> | null = null;
  /** Inspector settings not applied yet: they take effect before the next step. */
  private pendingInspect: InspectSettings | null;
  /** The landscape's work after training (Landscape.finish), which ends once it is stopped. */
  private landscapeAfterTraining: Promise<void> = Promise.resolve();
  /** Runs whose next step is profiled (profileStep). */
  private readonly profileRequests = new Set<string>();
  /** The steps queued on the device and not yet known to have ended. */
  private readonly pipeline: StepPipeline;

  private constructor(
    private readonly options: TrainerOptions,
    private readonly runs: TrainingRun[],
    private readonly landscape: Landscape | null,
    private readonly graph: ModelGraph,
    /** Lets the background compiles go (evaluation, the landscape's plane): called once the first step has ended. */
    private readonly releaseBackground: () => void,
  ) {
    const { config, data } = options;
    this.totalSteps = sessionSteps(config, data);
    this.pendingInspect = config.inspect
      ? settingsFromConfig(
          config.inspect,
          config.runs.map((run) => run.name),
        )
      : null;
    // The trainer never destroys the device itself, so any loss, whatever its reason, ends the runs.
    void options.ctx.lost.then((error) => {
      this.deviceLost = error;
      this.wake();
    });
    this.pipeline = new StepPipeline({
      queue: options.ctx.device.queue,
      capacity: () => STEPS_IN_FLIGHT_PER_RUN * this.runs.filter((run) => run.active).length,
      lost: options.ctx.lost,
    });
  }

  static async create(options: TrainerOptions): Promise<Trainer> {
    const clock = (options.clock ??= new FirstStepClock(options.ctx.pipelines));
    return clock.time('build', () => Trainer.build(options));
  }

  private static async build(options: TrainerOptions): Promise<Trainer> {
    const { ctx, config } = options;
    const graph = options.graph ?? modelPreset(config.model, options.data.task === 'language-modeling' ? options.data.classes : undefined);
    if (graph.task !== options.data.task) throw new Error(`${config.model} is a ${graph.task} model but the data is for ${options.data.task}`);
    if (graph.classes !== options.data.classes) {
      throw new Error(`${config.model} predicts ${graph.classes} classes but the data has ${options.data.classes}`);
    }
    const totalSteps = sessionSteps(config, options.data);
    const late = config.profile?.steps.filter((step) => step > totalSteps) ?? [];
    if (late.length) throw new Error(`profile.steps: step ${late.join(', ')} is past the end of training; profile steps 1 to ${totalSteps}`);
    const initial = applyInitOverrides(graph, options.initial ?? initialParameters(graph, config.seed), config.init ?? {});
    // Refused before anything is built or trained. Each run trains its own copy of the graph
    // when its parameter groups freeze tensors.
    const groups = config.runs.map((spec) => resolveParameterGroups(graph, spec.param_groups, spec.optimizer, `run "${spec.name}"`));
    const runGraphs = groups.map((resolved) => graphWithGroups(graph, resolved));
    if (config.landscape?.enabled) checkSameFrozen(config.runs, runGraphs);
    // The landscape's models and snapshots hold what the runs train: their shared frozen set (checked above).
    const landscapeGraph = runGraphs[0];
    const landscapePlan = config.landscape?.enabled ? planLandscape(ctx, config, landscapeGraph, options.data) : null;
    const runs: TrainingRun[] = [];
    let landscape: Landscape | null = null;
    let trainer: Trainer | null = null;
    const releaseBackground = ctx.pipelines.hold();
    try {
      for (const [index, spec] of config.runs.entries()) {
        const model = await GpuModel.create(ctx, runGraphs[index], config.batch_size, { owner: `run:${spec.name}`, initial, deferEvaluation: true });
        const optimizer = await createOptimizer(model, spec.optimizer, { seed: config.seed, stream: index }, groups[index]).catch((error: unknown) => {
          model.destroy();
          throw error;
        });
        runs.push(new TrainingRun(index, spec, model, optimizer, RunStepTimes.create(ctx, model.owner, config.log_every)));
      }
      if (landscapePlan) {
        landscape = await createLandscape(landscapePlan, {
          ctx,
          config,
          graph: landscapeGraph,
          data: options.data,
          runs: runs.map((run) => ({ name: run.spec.name, model: run.model })),
          emit: (frame) => options.emit({ type: 'landscape', frame }),
          onWork: () => trainer?.wake(),
        });
      }
    } catch (error) {
      for (const run of runs) Trainer.release(run);
      releaseBackground();
      throw error;
    }
    trainer = new Trainer(options, runs, landscape, graph, releaseBackground);
    return trainer;
  }

  /** The most steps (of all runs) queued on the device at once so far: 1 when each step is waited for. */
  get peakStepsInFlight(): number {
    return this.pipeline.peak;
  }

  get runNames(): string[] {
    return this.runs.map((run) => run.spec.name);
  }

  /** Pauses every run, or one. A paused run skips batches while the others go on. */
  pause(runName?: string): void {
    if (runName === undefined) this.paused = true;
    else this.withRun(runName, (run) => run.active && this.setState(run, 'paused'));
  }

  resume(runName?: string): void {
    if (runName === undefined) this.paused = false;
    else this.withRun(runName, (run) => run.state === 'paused' && this.setState(run, 'running'));
    this.wake();
  }

  /** Stops every run, or one; what was recorded is kept and summarised. */
  stop(runName?: string): void {
    if (runName === undefined) this.stopRequested = true;
    else this.withRun(runName, (run) => (run.active || run.state === 'paused') && this.setState(run, 'stopped'));
    this.wake();
  }

  async run(): Promise<RunSummary[]> {
    const { config, data, emit } = this.options;
    for (const run of this.runs) {
      this.setState(run, 'running');
      emit({ type: 'run-info', run: run.spec.name, gpuBytes: this.gpuBytes(run), stepTimes: run.stepTimes.source });
    }
    const clock = this.options.clock!;
    let step = 0;
    try {
      for (; step < this.totalSteps; step++) {
        await this.waitWhilePaused();
        if (this.stopRequested || this.deviceLost || !this.runs.some((run) => run.active || run.state === 'paused')) break;
        if (this.pendingInspect) await this.applyInspect(this.pendingInspect);
        if (config.profile?.steps.includes(step + 1)) this.requestConfiguredProfiles(config.profile.runs);
        const epoch = Math.floor(step / data.stepsPerEpoch);
        const batch = clock.finished ? await this.nextBatch(step) : await clock.time('data', () => this.nextBatch(step));
        if (!batch) break;
        const metricsDue = step === 0 || (step + 1) % config.log_every === 0 || step === this.totalSteps - 1;
        const stepStarted = performance.now();
        for (const run of this.runs) {
          if (run.active) await this.trainStep(run, batch, step, epoch, metricsDue);
          if (this.deviceLost) break;
        }
        if (!clock.finished) {
          this.releaseBackground();
          const firstStep = clock.finish();
          for (const run of this.runs) emit({ type: 'run-info', run: run.spec.name, gpuBytes: this.gpuBytes(run), stepTimes: run.stepTimes.source, firstStep });
        }
        if (this.landscape && !this.deviceLost) await this.landscapeSlice(performance.now() - stepStarted);
        emit({
          type: 'progress',
          step: step + 1,
          totalSteps: this.totalSteps,
          epoch,
          runs: Object.fromEntries(this.runs.map((run) => [run.spec.name, run.stepsDone])),
        });
        const epochEnds = (step + 1) % data.stepsPerEpoch === 0;
        if (epochEnds && !this.deviceLost) await this.evaluateAll(epoch);
      }
      if (!this.deviceLost) await this.evaluateAll(Math.floor(Math.max(0, step - 1) / data.stepsPerEpoch), true);
      if (!this.deviceLost) await this.pipeline.drain();
    } finally {
      this.releaseBackground();
      this.markDeviceLost();
    }
    for (const run of this.runs) if (run.active) this.setState(run, this.stopRequested ? 'stopped' : 'finished');
    const summaries = this.runs.map((run) => this.summarise(run));
    emit({ type: 'finished', summaries });
    // The landscape works on after training, with all of the GPU, until the trainer is destroyed.
    if (this.landscape && !this.deviceLost) this.landscapeAfterTraining = this.landscape.finish(this.runs.map((run) => run.stepsDone));
    return summaries;
  }

  /**
   * The landscape's slice after a step that took `stepMs` for all runs: `share` of that time, so
   * the landscape takes at most share / (1 + share) of the GPU while the runs train (1/6 at 0.2).
   */
  private async landscapeSlice(stepMs: number): Promise<void> {
    const landscape = this.landscape!;
    const share = landscape.share;
    landscape.recordStep(stepMs / Math.max(1, this.runs.filter((run) => run.active).length), this.options.config.batch_size);
    if (!landscape.hasWork) return;
    await landscape.workShare(stepMs * share);
    // What the landscape left queued is not the next step's time.
    this.pipeline.mark();
  }

  /** The next batch; on a data error, pauses and retries after resume(), or stops (null). */
  private async nextBatch(step: number): Promise<Batch | null> {
    const { data, emit, onDataError = 'pause' } = this.options;
    for (;;) {
      try {
        return await data.nextBatch();
      } catch (error) {
        const kind = error instanceof DatasetError ? error.kind : 'unknown';
        const action = onDataError === 'stop' ? 'stopped' : 'paused';
        emit({ type: 'data-error', step, kind, message: describeError(error), action });
        if (onDataError === 'stop') {
          this.stopRequested = true;
          return null;
        }
        this.paused = true;
        await this.waitWhilePaused();
        if (this.stopRequested || this.deviceLost) return null;
      }
    }
  }

  /** Token ids continuing `promptIds`, from a language-model run's current weights (during or after training). */
  async generate(runName: string, promptIds: readonly number[], options: SampleOptions): Promise<number[]> {
    const run = this.runs.find((r) => r.spec.name === runName);
    if (!run) throw new Error(`No run named "${runName}"; runs are ${this.runNames.join(', ')}`);
    this.sampler ??= TextSampler.create(this.options.ctx, run.model.graph, 'sampler');
    return (await this.sampler).generate(run.model, promptIds, options);
  }

  /** Final weights of a run as a safetensors file. */
  checkpoint(runName: string): Promise<Uint8Array> {
    const run = this.runs.find((r) => r.spec.name === runName);
    if (!run) throw new Error(`No run named "${runName}"`);
    return run.model.saveCheckpoint({ run: runName, optimizer: run.spec.optimizer.type, step: String(run.stepsDone) });
  }

  /** What the inspector measures from the next step on (the page's panel); INSPECT_OFF stops it and frees its buffers. */
  updateInspect(settings: InspectSettings): void {
    this.pendingInspect = settings;
  }

  /** Builds each run's inspector for the settings (keeping one whose options are unchanged); what cannot be met is refused, training goes on. */
  private async applyInspect(settings: InspectSettings): Promise<void> {
    this.pendingInspect = null;
    const { ctx, config, emit } = this.options;
    const plan = planInspection(settings, {
      graph: this.graph,
      batch: config.batch_size,
      totalSteps: this.totalSteps,
      runs: this.runs.map((run) => ({ name: run.spec.name, optimizer: run.spec.optimizer })),
      maxBufferBytes: ctx.device.limits.maxStorageBufferBindingSize,
    });
    for (const message of plan.refusals) emit({ type: 'inspect-refused', message });
    for (const run of this.runs) {
      const wanted = plan.runs.find((entry) => entry.run === run.spec.name);
      const key = wanted ? JSON.stringify(wanted) : '';
      if (key === run.inspection) continue;
      run.inspector?.destroy();
      run.inspector = null;
      run.inspection = '';
      if (!wanted) continue;
      try {
        run.inspector = await RunInspector.create(run.model, run.optimizer, wanted);
        run.inspection = key;
      } catch (error) {
        emit({ type: 'inspect-refused', message: `Inspector: run "${run.spec.name}" cannot be inspected: ${describeError(error)}` });
      }
    }
  }

  /**
   * Profiles the run's next step: its dispatches run one by one, each timed (timestamp queries
   * when the device has them, else op by op), and a 'step-profile' event reports where the time
   * went. The step trains exactly as any other; its own time stays out of ms_per_step.
   */
  profileStep(runName: string): void {
    this.withRun(runName, (run) => {
      if (!run.active && run.state !== 'paused') throw new Error(`Run "${runName}" is ${run.state}: only a step of a run still training can be profiled`);
      this.profileRequests.add(runName);
    });
  }

  /** The config's profile section: this step of each named run still training (every run when unnamed). */
  private requestConfiguredProfiles(names: readonly string[] | undefined): void {
    for (const run of this.runs) {
      if ((run.active || run.state === 'paused') && (!names || names.includes(run.spec.name))) this.profileRequests.add(run.spec.name);
    }
  }

  /** New landscape settings from the page; a new frame starts with them. */
  updateLandscape(settings: Partial<LandscapeSettings>): void {
    if (!this.landscape) throw new Error('This session has no landscape: turn it on in the setup (or add a landscape section to the config).');
    this.landscape.updateSettings(settings);
  }

  /** The landscape's centre and directions as safetensors (center.*, dir_x.*, dir_y.*). */
  landscapeTensors(): Promise<Uint8Array> {
    if (!this.landscape) return Promise.reject(new Error('This session has no landscape: turn it on in the setup (or add a landscape section to the config).'));
    return this.landscape.tensors();
  }

  /**
   * Stops the landscape's work after training and resolves once its last unit has ended, so that
   * nothing it started (a grid point's read-back) lands after this: for measurements that follow.
   */
  async stopLandscape(): Promise<void> {
    this.landscape?.stop();
    await this.landscapeAfterTraining;
  }

  destroy(): void {
    this.releaseBackground();
    this.landscape?.destroy();
    for (const run of this.runs) Trainer.release(run);
    void this.sampler?.then((sampler) => sampler.destroy());
  }

  private static release(run: TrainingRun): void {
    run.inspector?.destroy();
    run.stepTimes.destroy();
    run.optimizer.destroy();
    run.model.destroy();
  }

  private async trainStep(run: TrainingRun, batch: Batch, step: number, epoch: number, metricsDue: boolean): Promise<void> {
    const { emit, clock } = this.options;
    const lr = learningRate(run.spec.schedule, run.spec.optimizer.lr, step, this.totalSteps);
    const started = performance.now();
    let submitted = started;
    try {
      // Queued writes land in submit order, so the next batch may be written while earlier steps run.
      await this.pipeline.throttle();
      run.model.writeBatch(batch.inputs, batch.targets);
      run.optimizer.prepare(step, lr);
      // The inspector reads the layers' inputs and output gradients before the optimizer's own passes overwrite them (K-FAC).
      const inspector = run.inspector?.isMeasurementStep(step) ? run.inspector : null;
      const profiling = this.profileRequests.delete(run.spec.name);
      let metrics;
      if (profiling) {
        metrics = await this.profiledStep(run, step, inspector, metricsDue);
        submitted = performance.now();
      } else {
        const pending = run.model.trainStep({
          readMetrics: metricsDue,
          timestampWrites: run.stepTimes.passWrites(),
          stage:
            metricsDue || inspector
              ? (encoder) => {
                  if (metricsDue) {
                    run.optimizer.stageFactorCheck?.(encoder);
                    run.stepTimes.stage(encoder);
                  }
                  inspector?.stage(encoder, step);
                }
              : undefined,
          then: (pass) => {
            inspector?.encode(pass, step);
            run.optimizer.encode(pass, step);
            this.landscape?.encodeAfterStep(pass, run.index, step + 1);
          },
        });
        submitted = performance.now();
        run.stepTimes.submitted(this.pipeline.track(submitted));
        if (this.options.pipelined === false) await this.pipeline.drain();
        metrics = await pending;
      }
      run.stepsDone = step + 1;
      if (inspector) emit({ type: 'inspection', record: await inspector.read(step) });
      if (!metrics) return;
      const badFactor = await run.optimizer.checkFactors?.();
      if (badFactor) {
        const regularizer = 'damping' in run.spec.optimizer ? 'raise the damping' : 'raise eps';
        this.setState(run, 'diverged', `${badFactor}. Lower the learning rate (now ${lr.toExponential(2)}) or ${regularizer}; the other runs go on.`);
        return;
      }
      if (!Number.isFinite(metrics.loss)) {
        this.setState(
          run,
          'diverged',
          `The loss became ${metrics.loss} at step ${step + 1}. Lower the learning rate (now ${lr.toExponential(2)}) or add warm-up; the other runs go on.`,
        );
        return;
      }
      // A profiled step's time is the profile's, not a training step's: with only that since the last row, the last row's time stands.
      const stepTimes = await run.stepTimes.read();
      run.allStepTimes.push(...stepTimes);
      const msPerStep = stepTimes.length ? stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length : (run.rows.at(-1)?.ms_per_step ?? NaN);
      const row: MetricsRow = {
        step: step + 1,
        epoch,
        train_loss: metrics.loss,
        train_accuracy: metrics.correct / run.model.rows,
        lr,
        ms_per_step: msPerStep,
        wall_time: (performance.now() - this.startTime) / 1000,
        ...(this.options.data.task === 'language-modeling' ? { tokens_per_second: (run.model.rows * 1000) / msPerStep } : {}),
      };
      run.rows.push(row);
      emit({ type: 'metrics', run: run.spec.name, row });
    } catch (error) {
      if (!this.deviceLost) this.setState(run, 'failed', describeError(error));
    } finally {
      // The first step's submit (written, encoded, submitted) and what followed it until its values were back.
      if (!clock!.finished) {
        clock!.add('submit', submitted - started);
        clock!.submitted(submitted);
        clock!.add('readback', performance.now() - submitted);
      }
    }
  }

  /**
   * trainStep's step with every dispatch timed (profileTrainStep), in the same order: the
   * model's, the inspector's, the optimizer's, the landscape's; the same copies staged after it.
   * Its metrics are read back whatever the schedule (a profile is rare) and returned when due.
   */
  private async profiledStep(run: TrainingRun, step: number, inspector: RunInspector | null, metricsDue: boolean): Promise<StepMetrics | null> {
    const { profile, metrics } = await profileTrainStep(
      run.model,
      [
        { phase: 'inspector', encode: (pass) => inspector?.encode(pass, step) },
        { phase: 'optimizer', encode: (pass) => run.optimizer.encode(pass, step) },
        { phase: 'landscape', encode: (pass) => this.landscape?.encodeAfterStep(pass, run.index, step + 1) },
      ],
      {
        stage: (encoder) => {
          if (metricsDue) {
            run.optimizer.stageFactorCheck?.(encoder);
            run.stepTimes.stage(encoder);
          }
          inspector?.stage(encoder, step);
        },
      },
    );
    this.options.emit({ type: 'step-profile', run: run.spec.name, step: step + 1, profile });
    return metricsDue ? metrics : null;
  }

  /**
   * Evaluates every run that trained since its last evaluation (an epoch's end may also be the
   * run's end), and at the end every run whose test split was not read at its last step: a
   * language model's epoch-end evaluation reads only the validation split.
   */
  private async evaluateAll(epoch: number, final = false): Promise<void> {
    for (const run of this.runs) {
      if (run.state === 'diverged' || run.state === 'failed' || run.stepsDone === 0) continue;
      if (run.lastEvaluation?.step === run.stepsDone && (!final || run.lastTest?.step === run.stepsDone)) continue;
      try {
        await this.evaluate(run, run.stepsDone, epoch, final);
      } catch (error) {
        if (this.deviceLost) return;
        this.setState(run, 'failed', `Evaluation failed: ${describeError(error)}`);
      }
    }
  }

  /** Mean loss and accuracy of one split, in evaluation mode. */
  private async evaluateSplit(run: TrainingRun, batches: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
    await run.model.compileEvaluation();
    run.model.beginEvaluation();
    for (const batch of batches) run.model.evaluateBatch(batch.inputs, batch.targets, batch.size);
    const totals = await run.model.finishEvaluation();
    return { loss: totals.loss, accuracy: totals.correct / totals.examples };
  }

  /**
   * Images: the test split. Language models: perplexity on the validation split every time,
   * and on the test split at the end, as the benchmark reports it.
   */
  private async evaluate(run: TrainingRun, step: number, epoch: number, final: boolean): Promise<void> {
    const { data, emit, onCheckpoint } = this.options;
    const row: EvaluationRow = { step, epoch };
    if (data.task === 'language-modeling' && data.validationBatches) {
      const validation = await this.evaluateSplit(run, data.validationBatches());
      Object.assign(row, { val_loss: validation.loss, val_perplexity: Math.exp(validation.loss) });
      if (final) {
        const test = await this.evaluateSplit(run, data.testBatches());
        Object.assign(row, { test_loss: test.loss, test_accuracy: test.accuracy, test_perplexity: Math.exp(test.loss) });
      }
    } else {
      const test = await this.evaluateSplit(run, data.testBatches());
      Object.assign(row, { test_loss: test.loss, test_accuracy: test.accuracy });
    }
    run.lastEvaluation = row;
    if (row.test_loss !== undefined) run.lastTest = row;
    const last = run.rows.at(-1);
    if (last && last.step === step) Object.assign(last, row, { step: last.step, epoch: last.epoch });
    emit({ type: 'evaluation', run: run.spec.name, row });
    if (onCheckpoint) onCheckpoint(run.spec.name, step, await this.checkpoint(run.spec.name));
  }

  private gpuBytes(run: TrainingRun): RunSummary['gpu_bytes'] {
    const parameters = run.model.params.buffer.size;
    const gradients = run.model.grads.buffer.size;
    const optimizerState = run.optimizer.stateBytes;
    // Everything the run's model and optimizer hold: also activations, their gradients and staging buffers.
    const { pool } = this.options.ctx;
    const held = pool.bytesHeldBy(run.model.owner) + pool.bytesHeldBy(`${run.model.owner}:optimizer`);
    return { parameters, gradients, optimizer_state: optimizerState, total: parameters + gradients + optimizerState, held };
  }

  private summarise(run: TrainingRun): RunSummary {
    const { ctx } = this.options;
    return {
      run: run.spec.name,
      optimizer: run.spec.optimizer.type,
      state: run.state,
      message: run.message,
      steps: run.stepsDone,
      train_loss_first: run.rows[0]?.train_loss ?? null,
      train_loss_last: run.rows.at(-1)?.train_loss ?? null,
      test_loss: run.lastTest?.test_loss ?? null,
      test_accuracy: run.lastTest?.test_accuracy ?? null,
      val_perplexity: run.lastEvaluation?.val_perplexity ?? null,
      test_perplexity: run.lastTest?.test_perplexity ?? null,
      ms_per_step_median: run.allStepTimes.length ? median(run.allStepTimes) : null,
      step_times: run.stepTimes.source,
      gpu_bytes: this.gpuBytes(run),
      adapter: describeAdapter(ctx.adapter),
    };
  }

  private markDeviceLost(): void {
    if (!this.deviceLost) return;
    for (const run of this.runs) {
      if (run.active || run.state === 'paused') this.setState(run, 'device-lost', this.deviceLost.message);
    }
  }

  private setState(run: TrainingRun, state: RunState, message?: string): void {
    run.state = state;
    run.message = message;
    this.options.emit({ type: 'run-state', run: run.spec.name, state, message });
  }

  private withRun(name: string, action: (run: TrainingRun) => void): void {
    const run = this.runs.find((r) => r.spec.name === name);
    if (!run) throw new Error(`No run named "${name}"; runs are ${this.runNames.join(', ')}`);
    action(run);
  }

  /** Waits while the session is paused, or while every run still going is paused on its own. */
  private async waitWhilePaused(): Promise<void> {
    const onlyPausedRunsLeft = () => !this.runs.some((run) => run.active) && this.runs.some((run) => run.state === 'paused');
    while ((this.paused || onlyPausedRunsLeft()) && !this.stopRequested && !this.deviceLost) {
      // Paused, the steps already queued end before anything else happens.
      await this.pipeline.drain();
      // Paused, the landscape has the GPU to itself, in short slices so resume is prompt.
      if (this.landscape?.hasWork) await this.landscape.work(PAUSED_LANDSCAPE_SLICE_MS);
      else await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
    }
  }

  /** Wakes whatever waits on pause or resume (also the landscape's new work while paused). */
  wake(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
