// One training session in the worker: validates the config, loads the data, builds the
// runs and streams the trainer's events to the page.

import { parseRunConfig } from '../engine/config/run-config';
import { fileBytes } from '../engine/data/load/data-files';
import { loadTrainingData } from '../engine/data/load/training-data-from-config';
import { decodeGenerated, encodePrompt } from '../engine/data/prompt-tokens';
import type { TrainingData } from '../engine/data/training-data';
import type { GpuContext } from '../engine/gpu/context';
import { decodeModelCheckpoint } from '../engine/nn/checkpoint';
import { initialParameters } from '../engine/nn/parameters';
import { modelPreset } from '../engine/nn/presets';
import { FirstStepClock } from '../engine/train/first-step';
import { Trainer } from '../engine/train/trainer';
import { warmPipelines } from '../engine/train/warm-pipelines';
import type { LandscapeSettings } from '../engine/landscape/landscape-frame';
import type { InspectSettings } from '../engine/inspect/inspect-types';
import { loadGpt1Embeddings, withGpt1Embeddings } from './pretrained-embeddings';
import type { TrainRequest, WorkerRequest, WorkerResponse } from './protocol';

/** A session's trainer and the data it trains on (whose vocabulary reads prompts and writes samples). */
interface Session {
  trainer: Trainer;
  data: TrainingData;
}

export class TrainingSession {
  private current: Session | null = null;
  /** The last session, kept after it finished so its runs can still be sampled and exported. */
  private finished: Session | null = null;

  constructor(private readonly post: (message: WorkerResponse, transfer?: Transferable[]) => void) {}

  /** `received`: when the request reached the worker, where the time to the first step starts. */
  async start(ctx: GpuContext, request: TrainRequest, received = performance.now()): Promise<void> {
    if (this.current) throw new Error('A training session is already running; stop it first.');
    const clock = new FirstStepClock(ctx.pipelines, received);
    this.finished?.trainer.destroy();
    this.finished = null;
    const config = parseRunConfig(request.config);
    const report = (label: string, loaded: number, total: number) => this.post({ type: 'data-progress', label, loaded, total });
    const data = await clock.time('data', () => loadTrainingData(config, request.files ?? [], report));
    const vocabulary = data.task === 'language-modeling' ? data.classes : undefined;
    const graph = modelPreset(config.model, vocabulary);
    let initial: ReadonlyMap<string, ArrayLike<number>> | undefined = request.init
      ? decodeModelCheckpoint(graph, await fileBytes(request.init, report)).values
      : undefined;
    if (config.embeddings) {
      const tables = await loadGpt1Embeddings(config, graph, request.embeddings, report);
      initial = withGpt1Embeddings(graph, initial ?? initialParameters(graph, config.seed), tables);
    }
    const trainer = await Trainer.create({
      ctx,
      config,
      data,
      initial,
      onDataError: request.onDataError,
      clock,
      emit: (event) => this.post({ type: 'trainer-event', event }),
    });
    this.current = { trainer, data };
    this.post({ type: 'training-started', runs: trainer.runNames, totalSteps: trainer.totalSteps, stepsPerEpoch: data.stepsPerEpoch, adapter: ctx.adapter });
    try {
      await trainer.run();
    } finally {
      this.finished = this.current;
      this.current = null;
    }
  }

  /**
   * Compiles the pipelines of a setup not started yet. A language model's vocabulary comes with
   * its data, which only a Start loads, so there is nothing to compile before it.
   */
  async warm(ctx: GpuContext, raw: unknown): Promise<void> {
    const config = parseRunConfig(raw);
    if (config.task === 'language-modeling') return;
    await warmPipelines(ctx, config, modelPreset(config.model));
  }

  pause(run?: string): void {
    this.current?.trainer.pause(run);
  }

  resume(run?: string): void {
    this.current?.trainer.resume(run);
  }

  stop(run?: string): void {
    this.current?.trainer.stop(run);
  }

  async sample(request: Extract<WorkerRequest, { type: 'sample' }>): Promise<void> {
    const session = this.current ?? this.finished;
    if (!session) throw new Error('Nothing to sample from: train a language model first.');
    const { vocabulary } = session.data;
    if (!vocabulary) throw new Error('Sampling needs a language model; this session trains an image classifier.');
    const prompt = encodePrompt(request.prompt, vocabulary);
    const generated = await session.trainer.generate(request.run, prompt.ids, request);
    this.post({ type: 'sample-result', run: request.run, prompt: prompt.text, text: decodeGenerated(generated, vocabulary) });
  }

  async exportCheckpoint(run: string): Promise<void> {
    const session = this.current ?? this.finished;
    if (!session) throw new Error('No training session is running');
    const bytes = await session.trainer.checkpoint(run);
    this.post({ type: 'checkpoint-export', run, bytes }, [bytes.buffer]);
  }

  landscapeSettings(settings: Partial<LandscapeSettings>): void {
    (this.current ?? this.finished)?.trainer.updateLandscape(settings);
  }

  /** The Inspector panel's settings; once training is over there is nothing left to measure. */
  inspectSettings(settings: InspectSettings): void {
    this.current?.trainer.updateInspect(settings);
  }

  /** The run's next step is profiled; there is none once training is over. */
  profileStep(run: string): void {
    if (!this.current) throw new Error('No training session is running: a step can be profiled only while its run trains.');
    this.current.trainer.profileStep(run);
  }

  async exportLandscape(): Promise<void> {
    const session = this.current ?? this.finished;
    if (!session) throw new Error('No training session is running');
    const bytes = await session.trainer.landscapeTensors();
    this.post({ type: 'landscape-export', bytes }, [bytes.buffer]);
  }
}
