import { create } from 'zustand';
import type { RunSpec } from '../engine/config/run-config';
import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { MetricsRow, RunState, RunSummary } from '../engine/train/events';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol';
import { DEFAULT_RUNS } from './default-runs';

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

export interface TrainingSetup {
  model: 'cnn-small' | 'resnet-mini';
  batchSize: number;
  steps: number;
  seed: number;
  runs: RunSpec[];
  /** Names of the default runs the user ticked. */
  selected: string[];
}

interface PlaygroundState {
  gpu: GpuStatus;
  checkPreset: string;
  checkBatch: number;
  checkRunning: boolean;
  checkResult: DeviceCheckResult | null;
  error: string | null;
  setup: TrainingSetup;
  session: 'idle' | 'loading' | 'training' | 'paused';
  progress: { step: number; totalSteps: number };
  runs: RunView[];
  summaries: RunSummary[];
  setCheckPreset(preset: string): void;
  setCheckBatch(batch: number): void;
  runDeviceCheck(): void;
  updateSetup(patch: Partial<TrainingSetup>): void;
  startTraining(): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
}

let worker: Worker | null = null;

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
  setup: { model: 'cnn-small', batchSize: 32, steps: 300, seed: 0, runs: DEFAULT_RUNS, selected: ['adafisher', 'adam'] },
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
  startTraining: () => {
    const { setup } = get();
    const runs = setup.runs.filter((run) => setup.selected.includes(run.name));
    set({
      session: 'loading',
      error: null,
      summaries: [],
      progress: { step: 0, totalSteps: setup.steps },
      runs: runs.map((run) => ({ name: run.name, optimizer: run.optimizer.type, state: 'pending', rows: [] })),
    });
    send({
      type: 'train',
      config: {
        model: setup.model,
        batch_size: setup.batchSize,
        steps: setup.steps,
        seed: setup.seed,
        log_every: 5,
        data: { source: 'synthetic', train_size: 3000, test_size: 500, augment: 'none' },
        runs,
      },
    });
  },
  pauseTraining: () => {
    send({ type: 'pause' });
    set({ session: 'paused' });
  },
  resumeTraining: () => {
    send({ type: 'resume' });
    set({ session: 'training' });
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
    case 'training-started':
      set({ session: 'training', progress: { step: 0, totalSteps: message.totalSteps } });
      break;
    case 'trainer-event': {
      const { event } = message;
      if (event.type === 'metrics') updateRun(event.run, (run) => ({ ...run, rows: [...run.rows, event.row] }));
      else if (event.type === 'run-state') updateRun(event.run, (run) => ({ ...run, state: event.state, message: event.message }));
      else if (event.type === 'progress') set({ progress: { step: event.step, totalSteps: event.totalSteps } });
      else if (event.type === 'finished') set({ session: 'idle', summaries: event.summaries });
      break;
    }
    case 'error':
      set({ error: message.message, checkRunning: false, ...(message.request === 'train' ? { session: 'idle' as const } : {}) });
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
