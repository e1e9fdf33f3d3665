// The page's state: the setup (what to train), the session (what is training), each run's
// history, the loss landscape, the Kronecker-factor inspector, and the device check. Plain data
// and the actions that change it; what leaves the page (worker requests, history writes) goes through the effects the store is created with,
// so a test builds a store with fakes and no worker, IndexedDB or timer behind it.

import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { RunSpec } from '../engine/config/run-config';
import type { AdapterSummary } from '../engine/gpu/context';
import type { StepProfile } from '../engine/gpu/step-profile';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { RunSummary } from '../engine/train/events';
import type { FirstStepBreakdown } from '../engine/train/first-step';
import type { StepTimeSource } from '../engine/train/step-times';
import type { LandscapeSettings } from '../engine/landscape/landscape-frame';
import type { DataFile, DataSummary, WorkerRequest } from '../worker/protocol';
import { DEFAULT_LANDSCAPE_DISPLAY, initialLandscape, withoutRun, type LandscapeDisplay, type LandscapeState } from './landscape/landscape-state';
import { maxBufferBytes, offeredLayers, resolvedChoice } from './inspector/inspector-layers';
import {
  EMPTY_INSPECTOR,
  INSPECT_OFF,
  inspectorForSession,
  inspectSettings,
  withAnalysis,
  withoutInspectedRun,
  type AnalysedFactor,
  type FullMatrix,
  type InspectorSelection,
  type InspectorState,
} from './inspector/inspector-state';
import { newSessionId, type SavedRun } from './persistence';
import { defaultSetup, setupToConfig, type DataSetup, type Setup, type Task } from './setup';

export { TASK_DATASET, TASK_MODELS, type DataChoice, type Task } from './setup';

export type GpuStatus =
  { state: 'starting' } | { state: 'ready'; adapter: AdapterSummary } | { state: 'unavailable'; message: string } | { state: 'lost'; message: string };

/**
 * A run of the current (or last) session. `rows` and `evaluations` grow in place, one push per
 * message (copying thousands of rows per step would cost more than the step's own work), so
 * their identity says nothing: `version` goes up with every change to them, and anything that
 * memoizes on a run's history keys on it. Every other change gives the run a new object.
 */
export interface RunView extends SavedRun {
  gpuBytes: RunSummary['gpu_bytes'] | null;
  /** The session's time from Start to every run's first step, and where it went (this page load only). */
  firstStep: FirstStepBreakdown | null;
  /** How its ms per step is measured (GPU timestamps or between completions), once the worker says. */
  stepTimes: StepTimeSource | null;
  version: number;
}

export interface DataStatus {
  /** Files the user dropped or picked: handles the bytes are read from only when sent to the worker. */
  files: readonly File[];
  /** GPT-1's model.safetensors picked for the setup's pretrained embeddings, or null to read them from the config's URL (the Hub by default). */
  embeddingsFile: File | null;
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

export interface WeightsExport {
  /** The run whose weights the worker is writing, while it does. */
  run: string | null;
  error: string | null;
}

/** A run's step profile ("Profile a step"): asked for, received, or refused; kept until closed or a new session. */
export interface RunProfile {
  /** Asked for and not answered yet: the worker profiles the run's next step. */
  pending: boolean;
  /** The profiled step (1-based, as the metrics rows count). */
  step: number | null;
  profile: StepProfile | null;
  error: string | null;
}

export type SessionState = 'idle' | 'loading' | 'training' | 'paused';

export interface SessionProgress {
  step: number;
  totalSteps: number;
  /** When the session started and last advanced (performance.now() ms), for the time left. */
  startedAt: number;
  updatedAt: number;
  stepsPerEpoch?: number;
}

export interface PlaygroundData {
  gpu: GpuStatus;
  checkPreset: string;
  checkBatch: number;
  checkRunning: boolean;
  checkResult: DeviceCheckResult | null;
  error: string | null;
  setup: Setup;
  /** A problem with the setup a link, a file or the last visit brought (shown until dismissed). */
  setupNotice: string | null;
  session: SessionState;
  sessionId: string | null;
  /** The setup the current (or last) session trained, as shown in its results. */
  sessionSetup: Setup | null;
  progress: SessionProgress;
  runs: RunView[];
  /** Steps each run has trained in the current session (a paused run lags), apart from the runs so a progress tick leaves them alone. */
  runSteps: Record<string, number>;
  /** Whether the worker holds the weights of the listed runs: it trained them since the page loaded. */
  weightsInWorker: boolean;
  weightsExport: WeightsExport;
  /** Why training could not start, or why it paused (a shard that failed). */
  trainingError: string | null;
  /** Whether histories survive a reload (IndexedDB available), and a storage problem to show. */
  storage: { persistent: boolean; error: string | null };
  data: DataStatus;
  sample: SampleState;
  /** The loss landscape of the session's runs: its latest frame, the panel's settings and display. */
  landscape: LandscapeState;
  /** The Kronecker-factor inspector: what the measurements reported, the panel's choices, the analyses shown. */
  inspector: InspectorState;
  /** Step profiles by run name, for this page load only (never saved). */
  profiles: Record<string, RunProfile>;
}

/** What the page can do to the state; the functions never change, so handlers need not subscribe. */
export interface PlaygroundActions {
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
  /** A local copy of GPT-1's model.safetensors for a setup with `embeddings: { from: gpt1 }`, read instead of its URL; null goes back to the URL. */
  takeEmbeddingsFile(file: File | null): void;
  /** Starts every run of the setup, or only the one named. */
  startTraining(runName?: string): Promise<void>;
  pauseTraining(runName?: string): void;
  resumeTraining(runName?: string): void;
  stopTraining(runName?: string): void;
  /** Clears every run's results, or one run's (only while idle); the setup stays. */
  reset(runName?: string): void;
  requestSample(request: SampleRequest): void;
  /** Asks the worker for a run's current weights; they download as `<run>.safetensors` when they come. */
  exportWeights(runName: string): void;
  /** Asks the worker to profile the run's next step (where its GPU time goes); shown in the run's row when it comes. */
  profileStep(runName: string): void;
  closeProfile(runName: string): void;
  /** New landscape settings from the panel: kept, and sent to the worker (a new frame starts there). */
  changeLandscape(settings: Partial<LandscapeSettings>): void;
  /** How the panel draws the landscape; the worker is not told. */
  setLandscapeDisplay(display: Partial<LandscapeDisplay>): void;
  /** Asks the worker for the current frame's centre and directions; they download as landscape.safetensors. */
  exportLandscape(): void;
  /** The Inspector panel opened (the worker is told what to measure) or closed (the worker measures nothing). */
  setInspectorOpen(open: boolean): void;
  /** The run, layer or steps the panel shows; a new run or layer is sent to the worker while the panel is open. */
  selectInspection(patch: Partial<InspectorSelection>): void;
  /** Keeps an analysis the analysis worker finished (and its full frequency field, within the memory budget). */
  keepAnalysis(analysed: AnalysedFactor, frequency?: FullMatrix): void;
  /** A session started training: an open panel tells its trainer what to measure (the worker drops settings sent before). */
  inspectNewSession(): void;
}

export type PlaygroundState = PlaygroundData & PlaygroundActions;

/** What the state asks of the world outside the page's memory. */
export interface PlaygroundEffects {
  /** Posts a request to the training worker. */
  send(request: WorkerRequest): void;
  /** Writes the session to the run history: at once (`urgent`), or with the next batch of metrics. */
  saveSession(urgent: boolean): void;
  /** Deletes a session from the run history. */
  forgetSession(id: string): void;
}

export type PlaygroundStore = UseBoundStore<StoreApi<PlaygroundState>>;

export const IDLE_DATA: DataStatus = { files: [], embeddingsFile: null, inspecting: false, summary: null, progress: {}, error: null };
const IDLE_SAMPLE: SampleState = { running: false, result: null, error: null };
const NO_WEIGHTS_EXPORT: WeightsExport = { run: null, error: null };
const NO_LANDSCAPE: LandscapeState = initialLandscape({}, [], DEFAULT_LANDSCAPE_DISPLAY);

function readFiles(files: readonly File[]): Promise<DataFile[]> {
  return Promise.all(files.map(async (file) => ({ name: file.name, bytes: await file.arrayBuffer() })));
}

export function emptyRun(run: RunSpec, totalSteps: number): RunView {
  return {
    name: run.name,
    optimizer: run.optimizer.type,
    ...(run.color ? { color: run.color } : {}),
    state: 'pending',
    rows: [],
    evaluations: [],
    totalSteps,
    gpuBytes: null,
    firstStep: null,
    stepTimes: null,
    version: 0,
  };
}

/** A new store; each call is independent (the page makes one, tests one per test). */
export function createPlaygroundStore(effects: PlaygroundEffects): PlaygroundStore {
  return create<PlaygroundState>()((set, get) => ({
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
    runSteps: {},
    weightsInWorker: false,
    weightsExport: NO_WEIGHTS_EXPORT,
    trainingError: null,
    storage: { persistent: true, error: null },
    data: IDLE_DATA,
    sample: IDLE_SAMPLE,
    landscape: NO_LANDSCAPE,
    inspector: EMPTY_INSPECTOR,
    profiles: {},
    setCheckPreset: (checkPreset) => set({ checkPreset }),
    setCheckBatch: (checkBatch) => set({ checkBatch }),
    runDeviceCheck: () => {
      const { checkPreset, checkBatch } = get();
      set({ checkRunning: true, error: null });
      effects.send({ type: 'device-check', preset: checkPreset, batch: checkBatch, seed: 1 });
    },
    updateSetup: (patch) => set({ setup: { ...get().setup, ...patch } }),
    updateDataSetup: (patch) => {
      get().updateSetup({ data: { ...get().setup.data, ...patch } });
      set({ data: { ...get().data, error: null } });
    },
    setRuns: (runs) => get().updateSetup({ runs }),
    setTask: (task) => {
      get().replaceSetup(defaultSetup(task));
      set({ data: IDLE_DATA, trainingError: null });
    },
    replaceSetup: (setup, notice = null) => set({ setup, setupNotice: notice }),
    dismissNotice: () => set({ setupNotice: null }),
    takeEmbeddingsFile: (file) => set({ data: { ...get().data, embeddingsFile: file } }),
    takeFiles: async (dropped) => {
      // A dropped .safetensors is GPT-1's model.safetensors for the pretrained embeddings, never a dataset.
      const weights = dropped.filter((file) => file.name.toLowerCase().endsWith('.safetensors'));
      const files = dropped.filter((file) => !weights.includes(file));
      if (weights.length > 0) {
        const { embeddings } = get().setup;
        const error = !embeddings
          ? `${weights[0].name}: a .safetensors file here is GPT-1's model.safetensors for pretrained embeddings, which only a setup with "embeddings: { from: gpt1 }" uses (open configs/gpt1-paper-adamw.yaml or gpt1-paper-adafisherw.yaml)`
          : weights.length > 1
            ? `${weights.map((file) => file.name).join(', ')}: drop one model.safetensors, GPT-1's, for the embeddings`
            : null;
        if (error) {
          set({ data: { ...get().data, error } });
          return;
        }
        get().takeEmbeddingsFile(weights[0]);
        if (files.length === 0) return;
      }
      get().updateSetup({ data: { ...get().setup.data, choice: 'files' } });
      set({ data: { ...IDLE_DATA, files, embeddingsFile: get().data.embeddingsFile, inspecting: files.length > 0 } });
      if (files.length > 0) effects.send({ type: 'inspect-data', files: await readFiles(files) });
    },
    startTraining: async (runName) => {
      const { setup, data } = get();
      const runs = runName ? setup.runs.filter((run) => run.name === runName) : setup.runs;
      const sessionSetup: Setup = { ...setup, runs };
      const totalSteps = setup.length.unit === 'steps' ? setup.length.value : 0;
      const config = setupToConfig(sessionSetup);
      const now = performance.now();
      set({
        session: 'loading',
        sessionId: newSessionId(),
        sessionSetup,
        error: null,
        trainingError: null,
        data: { ...data, progress: {} },
        sample: IDLE_SAMPLE,
        progress: { step: 0, totalSteps, startedAt: now, updatedAt: now },
        runs: runs.map((run) => emptyRun(run, totalSteps)),
        runSteps: {},
        weightsInWorker: true,
        weightsExport: NO_WEIGHTS_EXPORT,
        profiles: {},
        landscape: initialLandscape(
          config,
          runs.map((run) => run.name),
          get().landscape.display,
        ),
        inspector: inspectorForSession(
          get().inspector,
          runs.map((run) => run.name),
          offeredLayers(sessionSetup, null).map((offered) => offered.layer.layer),
          get().inspector.open,
        ),
      });
      effects.saveSession(true);
      const [embeddings] = setup.embeddings && data.embeddingsFile ? await readFiles([data.embeddingsFile]) : [];
      effects.send({ type: 'train', config, files: setup.data.choice === 'files' ? await readFiles(data.files) : undefined, embeddings });
    },
    pauseTraining: (runName) => {
      effects.send({ type: 'pause', run: runName });
      if (!runName) set({ session: 'paused' });
    },
    resumeTraining: (runName) => {
      effects.send({ type: 'resume', run: runName });
      if (!runName) set({ session: 'training', trainingError: null });
    },
    stopTraining: (runName) => effects.send({ type: 'stop', run: runName }),
    reset: (runName) => {
      if (get().session !== 'idle') return;
      const runs = runName ? get().runs.filter((run) => run.name !== runName) : [];
      set({ runs, trainingError: null, sample: IDLE_SAMPLE, weightsExport: NO_WEIGHTS_EXPORT, profiles: runName ? withoutKey(get().profiles, runName) : {} });
      if (runName && runs.length > 0) {
        set({
          landscape: { ...get().landscape, frame: withoutRun(get().landscape.frame, runName) },
          inspector: withoutInspectedRun(get().inspector, runName),
        });
      }
      if (runs.length > 0) {
        effects.saveSession(true);
        return;
      }
      const id = get().sessionId;
      set({
        sessionId: null,
        sessionSetup: null,
        runSteps: {},
        weightsInWorker: false,
        landscape: { ...NO_LANDSCAPE, display: get().landscape.display },
        inspector: { ...EMPTY_INSPECTOR, open: get().inspector.open },
      });
      if (id) effects.forgetSession(id);
    },
    requestSample: (request) => {
      set({ sample: { ...get().sample, running: true, error: null } });
      effects.send({ type: 'sample', ...request, seed: Math.floor(Math.random() * 2 ** 31) });
    },
    exportWeights: (runName) => {
      set({ weightsExport: { run: runName, error: null } });
      effects.send({ type: 'export-checkpoint', run: runName });
    },
    profileStep: (runName) => {
      set({ profiles: { ...get().profiles, [runName]: { pending: true, step: null, profile: null, error: null } } });
      effects.send({ type: 'profile-step', run: runName });
    },
    closeProfile: (runName) => set({ profiles: withoutKey(get().profiles, runName) }),
    changeLandscape: (settings) => {
      const { landscape } = get();
      set({ landscape: { ...landscape, settings: { ...landscape.settings, ...settings }, error: null } });
      effects.send({ type: 'landscape-settings', settings });
    },
    setLandscapeDisplay: (display) => {
      const { landscape } = get();
      set({ landscape: { ...landscape, display: { ...landscape.display, ...display } } });
    },
    exportLandscape: () => {
      set({ landscape: { ...get().landscape, exporting: true, error: null } });
      effects.send({ type: 'export-landscape' });
    },
    setInspectorOpen: (open) => {
      if (open === get().inspector.open) return;
      set({ inspector: { ...get().inspector, open } });
      if (get().session === 'idle') return;
      if (open) sendInspectSettings(get, set, effects);
      else effects.send({ type: 'inspect-settings', settings: INSPECT_OFF });
    },
    selectInspection: (patch) => {
      const before = inspectedRunAndLayer(get());
      const { inspector } = get();
      const changesFactor = patch.run !== undefined || patch.layer !== undefined;
      // A new run or layer shows its own steps: the choice of steps starts over.
      const selection = { ...inspector.selection, ...patch, ...(changesFactor && patch.steps === undefined ? { steps: null } : {}) };
      set({ inspector: { ...inspector, selection } });
      const after = inspectedRunAndLayer(get());
      if (inspector.open && get().session !== 'idle' && (after.run !== before.run || after.layer !== before.layer)) sendInspectSettings(get, set, effects);
    },
    inspectNewSession: () => {
      if (get().inspector.open && get().session !== 'idle') sendInspectSettings(get, set, effects);
    },
    keepAnalysis: (analysed, frequency) => {
      set({ inspector: withAnalysis(get().inspector, analysed, frequency) });
      effects.saveSession(false);
    },
  }));
}

/** The run and layer whose full factors the worker measures while the panel is open. */
export function inspectedRunAndLayer(state: PlaygroundData): { run: string | null; layer: string | null } {
  return resolvedChoice(
    state.inspector.selection,
    state.runs.map((run) => run.name),
    offeredLayers(state.sessionSetup, maxBufferBytes(state.gpu)),
  );
}

/** Tells the worker what to measure for the open panel (a new request clears the last refusal). */
function sendInspectSettings(get: () => PlaygroundState, set: (partial: Partial<PlaygroundState>) => void, effects: PlaygroundEffects): void {
  const { run, layer } = inspectedRunAndLayer(get());
  set({ inspector: { ...get().inspector, refusal: null } });
  effects.send({ type: 'inspect-settings', settings: inspectSettings(run, layer) });
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/** Replaces the named run with `update(run)`; the other runs keep their objects. */
export function updateRun(store: PlaygroundStore, name: string, update: (run: RunView) => RunView): void {
  store.setState((state) => ({ runs: state.runs.map((run) => (run.name === name ? update(run) : run)) }));
}

/** A run as the history keeps it: without what only this page load knows. */
export function savedRun({ gpuBytes: _gpuBytes, firstStep: _firstStep, stepTimes: _stepTimes, version: _version, ...saved }: RunView): SavedRun {
  return saved;
}
