// The page's state: the setup (what to train), the session (what is training), each run's
// history, and the worker that does the work. Plain data only; GPU objects live in the worker.

import { create } from 'zustand';
import type { RunSpec } from '../engine/config/run-config';
import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { EvaluationRow, MetricsRow, RunState, RunSummary, TrainerEvent } from '../engine/train/events';
import type { DataFile, DataSummary, WorkerRequest, WorkerResponse } from '../worker/protocol';
import { newSessionId, openHistory, type History, type SavedRun, type SavedSession } from './persistence';
import { defaultSetup, setupToConfig, type DataSetup, type Setup, type Task } from './setup';

export { TASK_DATASET, TASK_MODELS, type DataChoice, type Task } from './setup';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary }
  | { state: 'unavailable'; message: string }
  | { state: 'lost'; message: string };

export interface RunView extends SavedRun {
  /** Steps this run has trained in the current session. */
  step: number;
  gpuBytes: RunSummary['gpu_bytes'] | null;
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

export type SessionState = 'idle' | 'loading' | 'training' | 'paused';

interface PlaygroundState {
  gpu: GpuStatus;
  checkPreset: string;
  checkBatch: number;
  checkRunning: boolean;
  checkResult: DeviceCheckResult | null;
  error: string | null;
  setup: Setup;
  /** A problem with the setup a link or a file brought (shown until dismissed). */
  setupNotice: string | null;
  session: SessionState;
  sessionId: string | null;
  /** The setup the current (or last) session trained, as shown in its results. */
  sessionSetup: Setup | null;
  /** The session's step, and when it started and last advanced (performance.now() ms), for the time left. */
  progress: { step: number; totalSteps: number; startedAt: number; updatedAt: number; stepsPerEpoch?: number };
  runs: RunView[];
  /** Why training could not start, or why it paused (a shard that failed). */
  trainingError: string | null;
  /** Whether histories survive a reload (IndexedDB available), and a storage problem to show. */
  storage: { persistent: boolean; error: string | null };
  data: DataStatus;
  sample: SampleState;
  setCheckPreset(preset: string): void;
  setCheckBatch(batch: number): void;
  runDeviceCheck(): void;
  updateSetup(patch: Partial<Setup>): void;
  updateDataSetup(patch: Partial<DataSetup>): void;
  setRuns(runs: RunSpec[]): void;
  setTask(task: Task): void;
  replaceSetup(setup: Setup, notice?: string | null): void;
  dismissNotice(): void;
  takeFiles(files: File[]): Promise<void>;
  /** Starts every run of the setup, or only the one named. */
  startTraining(runName?: string): Promise<void>;
  pauseTraining(runName?: string): void;
  resumeTraining(runName?: string): void;
  stopTraining(runName?: string): void;
  /** Clears every run's results, or one run's (only while idle); the setup stays. */
  reset(runName?: string): void;
  requestSample(request: SampleRequest): void;
}

let worker: Worker | null = null;
/** The dropped or picked files themselves: bytes do not belong in the store. */
let droppedFiles: File[] = [];
let history: History | null = null;

const IDLE_DATA: DataStatus = { files: [], inspecting: false, summary: null, progress: {}, error: null };
const SETUP_STORAGE_KEY = 'adafisher-playground:setup';

function send(request: WorkerRequest): void {
  worker?.postMessage(request);
}

async function droppedDataFiles(): Promise<DataFile[]> {
  return Promise.all(droppedFiles.map(async (file) => ({ name: file.name, bytes: await file.arrayBuffer() })));
}

function rememberSetup(setup: Setup): void {
  try {
    localStorage.setItem(SETUP_STORAGE_KEY, JSON.stringify(setup));
  } catch {
    // Storage full or disabled: the setup simply is not remembered.
  }
}

/** The setup of the last visit, if it is still one this version understands. */
export function rememberedSetup(): Setup | null {
  try {
    const text = localStorage.getItem(SETUP_STORAGE_KEY);
    if (!text) return null;
    const setup = JSON.parse(text) as Setup;
    return setup.task && Array.isArray(setup.runs) && setup.runs.length > 0 && setup.length ? setup : null;
  } catch {
    return null;
  }
}

function emptyRun(run: RunSpec, totalSteps: number): RunView {
  return { name: run.name, optimizer: run.optimizer.type, state: 'pending', rows: [], evaluations: [], totalSteps, step: 0, gpuBytes: null };
}

export const usePlayground = create<PlaygroundState>((set, get) => ({
  gpu: { state: 'starting' },
  checkPreset: 'cnn-small',
  checkBatch: 8,
  checkRunning: false,
  checkResult: null,
  error: null,
  setup: defaultSetup('image-classification'),
  setupNotice: null,
  session: 'idle',
  sessionId: null,
  sessionSetup: null,
  progress: { step: 0, totalSteps: 0, startedAt: 0, updatedAt: 0 },
  runs: [],
  trainingError: null,
  storage: { persistent: true, error: null },
  data: IDLE_DATA,
  sample: { running: false, result: null, error: null },
  setCheckPreset: (checkPreset) => set({ checkPreset }),
  setCheckBatch: (checkBatch) => set({ checkBatch }),
  runDeviceCheck: () => {
    const { checkPreset, checkBatch } = get();
    set({ checkRunning: true, error: null });
    send({ type: 'device-check', preset: checkPreset, batch: checkBatch, seed: 1 });
  },
  updateSetup: (patch) => {
    const setup = { ...get().setup, ...patch };
    rememberSetup(setup);
    set({ setup });
  },
  updateDataSetup: (patch) => {
    get().updateSetup({ data: { ...get().setup.data, ...patch } });
    set({ data: { ...get().data, error: null } });
  },
  setRuns: (runs) => get().updateSetup({ runs }),
  setTask: (task) => {
    droppedFiles = [];
    get().replaceSetup(defaultSetup(task));
    set({ data: IDLE_DATA, trainingError: null });
  },
  replaceSetup: (setup, notice = null) => {
    rememberSetup(setup);
    set({ setup, setupNotice: notice });
  },
  dismissNotice: () => set({ setupNotice: null }),
  takeFiles: async (files) => {
    droppedFiles = files;
    get().updateSetup({ data: { ...get().setup.data, choice: 'files' } });
    set({ data: { ...IDLE_DATA, files: files.map((file) => ({ name: file.name, size: file.size })), inspecting: files.length > 0 } });
    if (files.length > 0) send({ type: 'inspect-data', files: await droppedDataFiles() });
  },
  startTraining: async (runName) => {
    const { setup } = get();
    const runs = runName ? setup.runs.filter((run) => run.name === runName) : setup.runs;
    const sessionSetup: Setup = { ...setup, runs };
    const totalSteps = setup.length.unit === 'steps' ? setup.length.value : 0;
    const sessionId = newSessionId();
    set({
      session: 'loading',
      sessionId,
      sessionSetup,
      error: null,
      trainingError: null,
      data: { ...get().data, progress: {} },
      sample: { running: false, result: null, error: null },
      progress: { step: 0, totalSteps, startedAt: performance.now(), updatedAt: performance.now() },
      runs: runs.map((run) => emptyRun(run, totalSteps)),
    });
    saveSoon(true);
    send({ type: 'train', config: setupToConfig(sessionSetup), files: setup.data.choice === 'files' ? await droppedDataFiles() : undefined });
  },
  pauseTraining: (runName) => {
    send({ type: 'pause', run: runName });
    if (!runName) set({ session: 'paused' });
  },
  resumeTraining: (runName) => {
    send({ type: 'resume', run: runName });
    if (!runName) set({ session: 'training', trainingError: null });
  },
  stopTraining: (runName) => send({ type: 'stop', run: runName }),
  reset: (runName) => {
    if (get().session !== 'idle') return;
    const runs = runName ? get().runs.filter((run) => run.name !== runName) : [];
    set({ runs, trainingError: null, sample: { running: false, result: null, error: null } });
    if (runs.length === 0) {
      const id = get().sessionId;
      set({ sessionId: null, sessionSetup: null });
      if (id) void history?.remove(id);
    } else {
      saveSoon(true);
    }
  },
  requestSample: (request) => {
    set({ sample: { ...get().sample, running: true, error: null } });
    send({ type: 'sample', ...request, seed: Math.floor(Math.random() * 2 ** 31) });
  },
}));

function updateRun(name: string, update: (run: RunView) => RunView): void {
  usePlayground.setState((state) => ({ runs: state.runs.map((run) => (run.name === name ? update(run) : run)) }));
}

/** Per-row columns an evaluation fills in the metrics row of the same step. */
function withEvaluation(rows: MetricsRow[], evaluation: EvaluationRow): MetricsRow[] {
  const last = rows.at(-1);
  if (!last || last.step !== evaluation.step) return rows;
  return [...rows.slice(0, -1), { ...last, ...evaluation, step: last.step, epoch: last.epoch }];
}

function onTrainerEvent(event: TrainerEvent): void {
  const set = usePlayground.setState;
  switch (event.type) {
    case 'metrics':
      updateRun(event.run, (run) => ({ ...run, rows: [...run.rows, event.row] }));
      saveSoon(false);
      break;
    case 'evaluation':
      updateRun(event.run, (run) => ({ ...run, evaluations: [...run.evaluations, event.row], rows: withEvaluation(run.rows, event.row) }));
      saveSoon(true);
      break;
    case 'run-state':
      updateRun(event.run, (run) => ({ ...run, state: event.state, message: event.message }));
      saveSoon(true);
      break;
    case 'run-info':
      updateRun(event.run, (run) => ({ ...run, gpuBytes: event.gpu_bytes }));
      break;
    case 'progress':
      set((state) => ({
        progress: { ...state.progress, step: event.step, totalSteps: event.totalSteps, updatedAt: performance.now() },
        runs: state.runs.map((run) => ({ ...run, step: event.runs[run.name] ?? run.step, totalSteps: event.totalSteps })),
      }));
      break;
    case 'data-error': {
      const advice = event.action === 'paused' ? ' Training is paused; press Resume to try again, or Stop to keep what was recorded.' : '';
      set((state) => ({ session: event.action === 'paused' ? 'paused' : state.session, trainingError: `${event.message}${advice}` }));
      break;
    }
    case 'finished':
      set((state) => ({
        session: 'idle',
        runs: state.runs.map((run) => ({ ...run, summary: event.summaries.find((summary) => summary.run === run.name) ?? run.summary })),
      }));
      saveSoon(true);
      break;
  }
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
      saveSoon(true);
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
      set((state) => ({
        session: 'training',
        progress: { step: 0, totalSteps: message.totalSteps, startedAt: performance.now(), updatedAt: performance.now(), stepsPerEpoch: message.stepsPerEpoch },
        runs: state.runs.map((run) => ({ ...run, totalSteps: message.totalSteps })),
      }));
      break;
    case 'trainer-event':
      onTrainerEvent(message.event);
      break;
    case 'error':
      if (message.request === 'sample') set((state) => ({ sample: { ...state.sample, running: false, error: message.message } }));
      else if (message.request === 'inspect-data') set((state) => ({ data: { ...state.data, inspecting: false, summary: null, error: message.message } }));
      else if (message.request === 'train') set({ session: 'idle', trainingError: message.message, runs: [] });
      else set({ error: message.message, checkRunning: false });
      break;
    default:
      break;
  }
}

/** The current session as it is kept in IndexedDB. */
function currentSession(): SavedSession | null {
  const { sessionId, sessionSetup, runs } = usePlayground.getState();
  if (!sessionId || !sessionSetup) return null;
  const now = Date.now();
  return {
    id: sessionId,
    createdAt: Number.parseInt(sessionId.split('-')[0], 36) || now,
    updatedAt: now,
    setup: sessionSetup,
    runs: runs.map(({ step: _step, gpuBytes: _gpuBytes, ...saved }) => saved),
  };
}

let saveTimer: ReturnType<typeof setTimeout> | null = null;
/** Metrics arrive many times a second: they are written at most every 2 s, state changes at once. */
const SAVE_INTERVAL_MS = 2000;

function saveSoon(now: boolean): void {
  if (!history) return;
  if (saveTimer && !now) return;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(
    () => {
      saveTimer = null;
      const session = currentSession();
      if (!session || !history) return;
      history.save(session).then(
        () => usePlayground.setState((state) => (state.storage.error ? { storage: { ...state.storage, error: null } } : {})),
        (error: unknown) => usePlayground.setState((state) => ({ storage: { ...state.storage, error: error instanceof Error ? error.message : String(error) } })),
      );
    },
    now ? 0 : SAVE_INTERVAL_MS,
  );
}

/** Restores the last session's runs; a run that was still training when the page closed is marked as interrupted. */
async function restoreLastSession(): Promise<void> {
  if (!history) return;
  const [latest] = await history.list();
  if (!latest || usePlayground.getState().sessionId) return;
  const interrupted = (state: RunState) => state === 'running' || state === 'pending' || state === 'paused';
  usePlayground.setState({
    sessionId: latest.id,
    sessionSetup: latest.setup,
    runs: latest.runs.map((run) => ({
      ...run,
      ...(interrupted(run.state) ? { state: 'stopped' as const, message: 'The page was closed or reloaded while this run trained; what it recorded is kept.' } : {}),
      step: run.rows.at(-1)?.step ?? 0,
      gpuBytes: run.summary?.gpu_bytes ?? null,
    })),
  });
}

/** Starts the training worker and the history once; the page talks to the engine only through the worker. */
export function startWorker(): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => receive(event.data);
  worker.onerror = (event) => usePlayground.setState({ error: `The training worker failed: ${event.message}` });
  send({ type: 'init' });
  void openHistory().then(async (opened) => {
    history = opened;
    usePlayground.setState({ storage: { persistent: opened.persistent, error: null } });
    await restoreLastSession();
  });
}
