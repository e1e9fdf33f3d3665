// Messages between the page and the training worker: plain, structured-cloneable data only.

import type { DataFile } from '../engine/data/load/data-files';
import type { DataSummary } from '../engine/data/load/dropped-files';
import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { TrainerEvent } from '../engine/train/events';
import type { LandscapeSettings } from '../engine/landscape/landscape-frame';
import type { InspectSettings } from '../engine/inspect/inspect-types';

export type { DataFile, DataSummary };

export interface TrainRequest {
  type: 'train';
  /** A run configuration as written in YAML; the worker validates it. */
  config: unknown;
  /** The dataset's official files (CIFAR-10's archive or batch files, WikiText-2's zip or token files) when the config's data.from is "files". */
  files?: DataFile[];
  /** A safetensors checkpoint every run starts from. */
  init?: DataFile;
  /** GPT-1's model.safetensors for the config's `embeddings: { from: gpt1 }`, given as a file instead of read from its URL. */
  embeddings?: DataFile;
  /** A shard failing mid-training pauses the session until resume (the page, the default) or stops it (the command line). */
  onDataError?: 'pause' | 'stop';
}

export type WorkerRequest =
  | { type: 'init' }
  | { type: 'inspect-data'; files: DataFile[] }
  | { type: 'device-check'; preset: string; batch: number; seed: number }
  /** Compile a setup's pipelines while the page waits for Start (answered only by an error). */
  | { type: 'warm'; config: unknown }
  | TrainRequest
  | { type: 'pause' | 'resume' | 'stop'; run?: string }
  /** A run's current weights as safetensors (answered by checkpoint-export); sent only when asked. */
  | { type: 'export-checkpoint'; run: string }
  /** New landscape settings from the panel (a new frame starts); `visible: false` pauses the grid. */
  | { type: 'landscape-settings'; settings: Partial<LandscapeSettings> }
  /** The current frame's centre and directions as safetensors (answered by landscape-export). */
  | { type: 'export-landscape' }
  /** What the Inspector panel measures from the next measurement on (INSPECT_OFF when it closes). */
  | { type: 'inspect-settings'; settings: InspectSettings }
  /** Time every dispatch of the run's next step (answered by a 'step-profile' trainer event). */
  | { type: 'profile-step'; run: string }
  /** Text from a language-model run's current weights (during or after training). */
  | { type: 'sample'; run: string; prompt: string; tokens: number; temperature: number; topK: number; seed: number };

export type WorkerResponse =
  | { type: 'ready'; adapter: AdapterSummary }
  | { type: 'unavailable'; message: string }
  | { type: 'device-check-result'; result: DeviceCheckResult }
  | { type: 'device-lost'; message: string }
  | { type: 'data-progress'; label: string; loaded: number; total: number }
  | { type: 'data-inspected'; summary: DataSummary }
  | { type: 'training-started'; runs: string[]; totalSteps: number; stepsPerEpoch: number; adapter: AdapterSummary }
  | { type: 'trainer-event'; event: TrainerEvent }
  | { type: 'checkpoint-export'; run: string; bytes: Uint8Array }
  /** center.*, dir_x.* and dir_y.* under PyTorch state_dict names. */
  | { type: 'landscape-export'; bytes: Uint8Array }
  | { type: 'sample-result'; run: string; prompt: string; text: string }
  | { type: 'error'; request: WorkerRequest['type']; message: string };
