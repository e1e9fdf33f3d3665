// One training session in the worker: validates the config, loads the data, builds the
// runs and streams the trainer's events to the page.

import { parseRunConfig } from '../engine/config/run-config';
import type { GpuContext } from '../engine/gpu/context';
import { decodeModelCheckpoint } from '../engine/nn/checkpoint';
import { modelPreset } from '../engine/nn/presets';
import { Trainer } from '../engine/train/trainer';
import { fileBytes, loadTrainingData } from './load-data';
import type { TrainRequest, WorkerRequest, WorkerResponse } from './protocol';

export class TrainingSession {
  private trainer: Trainer | null = null;
  /** The last session's trainer, kept after it finished so its runs can still be sampled. */
  private finished: Trainer | null = null;

  constructor(private readonly post: (message: WorkerResponse, transfer?: Transferable[]) => void) {}

  get running(): boolean {
    return this.trainer !== null;
  }

  async start(ctx: GpuContext, request: TrainRequest): Promise<void> {
    if (this.trainer) throw new Error('A training session is already running; stop it first.');
    this.finished?.destroy();
    this.finished = null;
    const config = parseRunConfig(request.config);
    const report = (label: string, loaded: number, total: number) => this.post({ type: 'data-progress', label, loaded, total });
    const data = await loadTrainingData(config, request.files ?? [], report);
    const vocabulary = data.task === 'language-modeling' ? data.classes : undefined;
    const initial = request.init ? decodeModelCheckpoint(modelPreset(config.model, vocabulary), await fileBytes(request.init, report)).values : undefined;
    const trainer = await Trainer.create({
      ctx,
      config,
      data,
      initial,
      onDataError: request.onDataError,
      emit: (event) => this.post({ type: 'trainer-event', event }),
    });
    this.trainer = trainer;
    this.post({ type: 'training-started', runs: trainer.runNames, totalSteps: trainer.totalSteps, stepsPerEpoch: data.stepsPerEpoch, adapter: ctx.adapter });
    try {
      await trainer.run();
    } finally {
      this.trainer = null;
      this.finished = trainer;
    }
  }

  pause(run?: string): void {
    this.trainer?.pause(run);
  }

  resume(run?: string): void {
    this.trainer?.resume(run);
  }

  stop(run?: string): void {
    this.trainer?.stop(run);
  }

  async sample(request: Extract<WorkerRequest, { type: 'sample' }>): Promise<void> {
    const trainer = this.trainer ?? this.finished;
    if (!trainer) throw new Error('Nothing to sample from: train a language model first.');
    const { prompt, text } = await trainer.sample(request.run, request.prompt, request);
    this.post({ type: 'sample-result', run: request.run, prompt, text });
  }

  async exportCheckpoint(run: string): Promise<void> {
    const trainer = this.trainer ?? this.finished;
    if (!trainer) throw new Error('No training session is running');
    const bytes = await trainer.checkpoint(run);
    this.post({ type: 'checkpoint-export', run, bytes }, [bytes.buffer]);
  }
}
