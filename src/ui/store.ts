import { create } from 'zustand';
import type { RunSpec } from '../engine/config/run-config';
import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { MetricsRow, RunState, RunSummary } from '../engine/train/events';
import { DEFAULT_HF_BASE_URL, defaultManifestUrl } from '../engine/config/run-config';
import type { DataFile, DataSummary, WorkerRequest, WorkerResponse } from '../worker/protocol';
import { DEFAULT_RUNS, DEFAULT_TEXT_RUNS } from './default-runs';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary }
  | { state: 'unavailable'; message: string }
  | { state: 'lost'; message: string };

export interface RunView {
  name: string;
  optimizer: string;
  state: RunState;
  message?: string;
  rows: MetricsRow[];
}

/** Where the training images come from. */
export type DataChoice = 'synthetic' | 'shards' | 'huggingface' | 'files';

export interface DataSetup {
  choice: DataChoice;
  /** Manifest URL for shards. */
  shardsUrl: string;
  /** Hub base URL (or a mirror) for huggingface. */
  hubUrl: string;
}

export interface DataStatus {
  /** Files the user dropped or picked, by name and size; their bytes stay outside the store. */
  files: { name: string; size: number }[];
  inspecting: boolean;
  summary: DataSummary | null;
  /** Download progress by label (manifest, shard, parquet file). */
  progress: Record<string, { loaded: number; total: number }>;
  error: string | null;
}

export type Task = 'image-classification' | 'language-modeling';

export const TASK_MODELS: Record<Task, string[]> = {
  'image-classification': ['cnn-small', 'resnet-mini'],
  'language-modeling': ['gpt1-tiny', 'gpt1-paper'],
};

/** The dataset behind "shards", "huggingface" and "files" for each task. */
export const TASK_DATASET: Record<Task, 'cifar10' | 'wikitext2'> = { 'image-classification': 'cifar10', 'language-modeling': 'wikitext2' };

export interface SampleRequest {
  run: string;
  prompt: string;
  tokens: number;
  temperature: number;
  topK: number;
}

export interface SampleState {
  running: boolean;
  /** The prompt as the vocabulary read it, and the continuation. */
  result: { run: string; prompt: string; text: string } | null;
  error: string | null;
}

export interface TrainingSetup {
  task: Task;
  model: string;
  batchSize: number;
  steps: number;
  seed: number;
  runs: RunSpec[];
  /** Names of the default runs the user ticked. */
  selected: string[];
  data: DataSetup;
}

interface PlaygroundState {
  gpu: GpuStatus;
  checkPreset: string;
  checkBatch: number;
  checkRunning: boolean;
  checkResult: DeviceCheckResult | null;
  error: string | null;
  /** Why training could not start, or why it paused (a shard that failed). */
  trainingError: string | null;
  setup: TrainingSetup;
  session: 'idle' | 'loading' | 'training' | 'paused';
  progress: { step: number; totalSteps: number };
  runs: RunView[];
  summaries: RunSummary[];
  data: DataStatus;
  sample: SampleState;
  setCheckPreset(preset: string): void;
  setCheckBatch(batch: number): void;
  runDeviceCheck(): void;
  updateSetup(patch: Partial<TrainingSetup>): void;
  updateDataSetup(patch: Partial<DataSetup>): void;
  setTask(task: Task): void;
  requestSample(request: SampleRequest): void;
  takeFiles(files: File[]): Promise<void>;
  startTraining(): Promise<void>;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
}

let worker: Worker | null = null;
/** The dropped or picked files themselves: bytes do not belong in the store. */
let droppedFiles: File[] = [];

const IDLE_DATA: DataStatus = { files: [], inspecting: false, summary: null, progress: {}, error: null };

/** The run configuration's data section for the user's choice. */
function dataConfig(task: Task, data: DataSetup): Record<string, unknown> {
  const source = TASK_DATASET[task];
  switch (data.choice) {
    case 'synthetic':
      // Small evaluation splits keep each evaluation quick in a browser tab.
      return task === 'language-modeling' ? { source: 'synthetic', train_size: 4000, test_size: 60 } : { source: 'synthetic', train_size: 3000, test_size: 500, augment: 'none' };
    case 'shards':
      return { source, from: 'shards', url: data.shardsUrl };
    case 'huggingface':
      return { source, from: 'huggingface', url: data.hubUrl };
    case 'files':
      return { source, from: 'files' };
  }
}

function defaultSetup(task: Task): Omit<TrainingSetup, 'steps' | 'seed'> {
  const text = task === 'language-modeling';
  return {
    task,
    model: TASK_MODELS[task][0],
    batchSize: text ? 8 : 32,
    runs: text ? DEFAULT_TEXT_RUNS : DEFAULT_RUNS,
    selected: text ? ['adafisherw', 'adamw'] : ['adafisher', 'adam'],
    data: { choice: 'synthetic', shardsUrl: defaultManifestUrl(TASK_DATASET[task]), hubUrl: DEFAULT_HF_BASE_URL },
  };
}

async function droppedDataFiles(): Promise<DataFile[]> {
  return Promise.all(droppedFiles.map(async (file) => ({ name: file.name, bytes: await file.arrayBuffer() })));
}

function send(request: WorkerRequest): void {
  worker?.postMessage(request);
}

export const usePlayground = create<PlaygroundState>((set, get) => ({
  gpu: { state: 'starting' },
  checkPreset: 'cnn-small',
  checkBatch: 8,
  checkRunning: false,
  checkResult: null,
  error: null,
  trainingError: null,
  setup: { ...defaultSetup('image-classification'), steps: 300, seed: 0 },
  data: IDLE_DATA,
  sample: { running: false, result: null, error: null },
  session: 'idle',
  progress: { step: 0, totalSteps: 0 },
  runs: [],
  summaries: [],
  setCheckPreset: (checkPreset) => set({ checkPreset }),
  setCheckBatch: (checkBatch) => set({ checkBatch }),
  runDeviceCheck: () => {
    const { checkPreset, checkBatch } = get();
    set({ checkRunning: true, error: null });
    send({ type: 'device-check', preset: checkPreset, batch: checkBatch, seed: 1 });
  },
  updateSetup: (patch) => set({ setup: { ...get().setup, ...patch } }),
  setTask: (task) => {
    droppedFiles = [];
    set({ setup: { ...get().setup, ...defaultSetup(task) }, data: IDLE_DATA, trainingError: null });
  },
  requestSample: (request) => {
    set({ sample: { ...get().sample, running: true, error: null } });
    send({ type: 'sample', ...request, seed: Math.floor(Math.random() * 2 ** 31) });
  },
  updateDataSetup: (patch) => set({ setup: { ...get().setup, data: { ...get().setup.data, ...patch } }, data: { ...get().data, error: null } }),
  takeFiles: async (files) => {
    droppedFiles = files;
    set({
      setup: { ...get().setup, data: { ...get().setup.data, choice: 'files' } },
      data: { ...IDLE_DATA, files: files.map((file) => ({ name: file.name, size: file.size })), inspecting: files.length > 0 },
    });
    if (files.length > 0) send({ type: 'inspect-data', files: await droppedDataFiles() });
  },
  startTraining: async () => {
    const { setup } = get();
    const runs = setup.runs.filter((run) => setup.selected.includes(run.name));
    set({
      session: 'loading',
      error: null,
      trainingError: null,
      data: { ...get().data, progress: {} },
      summaries: [],
      progress: { step: 0, totalSteps: setup.steps },
      runs: runs.map((run) => ({ name: run.name, optimizer: run.optimizer.type, state: 'pending', rows: [] })),
    });
    send({
      type: 'train',
      config: {
        task: setup.task,
        model: setup.model,
        batch_size: setup.batchSize,
        steps: setup.steps,
        seed: setup.seed,
        log_every: 5,
        data: dataConfig(setup.task, setup.data),
        runs,
      },
      files: setup.data.choice === 'files' ? await droppedDataFiles() : undefined,
    });
  },
  pauseTraining: () => {
    send({ type: 'pause' });
    set({ session: 'paused' });
  },
  resumeTraining: () => {
    send({ type: 'resume' });
    set({ session: 'training', trainingError: null });
  },
  stopTraining: () => send({ type: 'stop' }),
}));

function updateRun(name: string, update: (run: RunView) => RunView): void {
  usePlayground.setState((state) => ({ runs: state.runs.map((run) => (run.name === name ? update(run) : run)) }));
}

function receive(message: WorkerResponse): void {
  const set = usePlayground.setState;
  switch (message.type) {
    case 'ready':
      set({ gpu: { state: 'ready', adapter: message.adapter } });
      break;
    case 'unavailable':
      set({ gpu: { state: 'unavailable', message: message.message } });
      break;
    case 'device-lost':
      set({ gpu: { state: 'lost', message: message.message }, checkRunning: false, session: 'idle' });
      break;
    case 'device-check-result':
      set({ checkResult: message.result, checkRunning: false });
      break;
    case 'sample-result':
      set({ sample: { running: false, result: { run: message.run, prompt: message.prompt, text: message.text }, error: null } });
      break;
    case 'data-inspected':
      set((state) => ({ data: { ...state.data, inspecting: false, summary: message.summary, error: null } }));
      break;
    case 'data-progress':
      set((state) => ({ data: { ...state.data, progress: { ...state.data.progress, [message.label]: { loaded: message.loaded, total: message.total } } } }));
      break;
    case 'training-started':
      set({ session: 'training', progress: { step: 0, totalSteps: message.totalSteps } });
      break;
    case 'trainer-event': {
      const { event } = message;
      if (event.type === 'metrics') updateRun(event.run, (run) => ({ ...run, rows: [...run.rows, event.row] }));
      else if (event.type === 'run-state') updateRun(event.run, (run) => ({ ...run, state: event.state, message: event.message }));
      else if (event.type === 'progress') set({ progress: { step: event.step, totalSteps: event.totalSteps } });
      else if (event.type === 'finished') set({ session: 'idle', summaries: event.summaries });
      else if (event.type === 'data-error') {
        const advice = event.action === 'paused' ? ' Training is paused; press Resume to try again, or Stop to keep what was recorded.' : '';
        set((state) => ({ session: event.action === 'paused' ? 'paused' : state.session, trainingError: `${event.message}${advice}` }));
      }
      break;
    }
    case 'error':
      if (message.request === 'sample') set((state) => ({ sample: { ...state.sample, running: false, error: message.message } }));
      else if (message.request === 'inspect-data') set((state) => ({ data: { ...state.data, inspecting: false, summary: null, error: message.message } }));
      else if (message.request === 'train') set({ session: 'idle', trainingError: message.message });
      else set({ error: message.message, checkRunning: false });
      break;
    default:
      break;
  }
}

/** Starts the training worker once; the page talks to the engine only through it. */
export function startWorker(): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => receive(event.data);
  worker.onerror = (event) => usePlayground.setState({ error: `The training worker failed: ${event.message}` });
  send({ type: 'init' });
}
