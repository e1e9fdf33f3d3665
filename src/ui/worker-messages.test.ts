import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol';
import { createPlaygroundStore, type PlaygroundStore } from './playground-state';
import { inspectionRecord } from './testing/inspection-fixture';
import { landscapeFixture } from './testing/landscape-fixture';
import { metricsRow, runSummary, TEST_ADAPTER } from './testing/test-playground';
import { receiveWorkerResponse, type MessageEffects } from './worker-messages';

let store: PlaygroundStore;
let sent: WorkerRequest[];
let effects: MessageEffects & { saves: boolean[]; files: { name: string; bytes: Uint8Array }[] };

const receive = (message: WorkerResponse) => receiveWorkerResponse(store, message, effects);
const run = (name: string) => store.getState().runs.find((candidate) => candidate.name === name)!;

beforeEach(async () => {
  sent = [];
  effects = {
    saves: [],
    files: [],
    saveSession: (urgent) => effects.saves.push(urgent),
    saveFile: (name, bytes) => effects.files.push({ name, bytes }),
  };
  store = createPlaygroundStore({ send: (request) => sent.push(request), saveSession: () => undefined, forgetSession: () => undefined });
  await store.getState().startTraining();
  receive({ type: 'training-started', runs: ['adafisher', 'adam'], totalSteps: 50, stepsPerEpoch: 100, adapter: TEST_ADAPTER });
});

describe('metrics', () => {
  it('appends each row in place and bumps only that run', () => {
    const adam = run('adam');
    const adafisher = run('adafisher');
    const rows = adam.rows;
    receive({ type: 'trainer-event', event: { type: 'metrics', run: 'adam', row: metricsRow(1) } });
    receive({ type: 'trainer-event', event: { type: 'metrics', run: 'adam', row: metricsRow(2) } });
    // The same array, grown: no copy of the history per row.
    expect(run('adam').rows).toBe(rows);
    expect(rows.map((row) => row.step)).toEqual([1, 2]);
    expect(run('adam').version).toBe(adam.version + 2);
    expect(run('adam')).not.toBe(adam);
    // The other run keeps its object, so its row does not render again.
    expect(run('adafisher')).toBe(adafisher);
    expect(effects.saves).toEqual([false, false]);
  });

  it('fills an evaluation into the row of its step, in place, and keeps it apart too', () => {
    receive({ type: 'trainer-event', event: { type: 'metrics', run: 'adam', row: metricsRow(5) } });
    const rows = run('adam').rows;
    const version = run('adam').version;
    receive({ type: 'trainer-event', event: { type: 'evaluation', run: 'adam', row: { step: 5, epoch: 0.05, test_loss: 1.9, test_accuracy: 0.4 } } });
    expect(run('adam').rows).toBe(rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({ ...metricsRow(5), test_loss: 1.9, test_accuracy: 0.4 });
    expect(run('adam').evaluations).toEqual([{ step: 5, epoch: 0.05, test_loss: 1.9, test_accuracy: 0.4 }]);
    expect(run('adam').version).toBe(version + 1);
    // An evaluation of a step without a row only joins the evaluations.
    receive({ type: 'trainer-event', event: { type: 'evaluation', run: 'adam', row: { step: 7, epoch: 0.07, test_loss: 1.8, test_accuracy: 0.45 } } });
    expect(rows).toEqual([{ ...metricsRow(5), test_loss: 1.9, test_accuracy: 0.4 }]);
    expect(run('adam').evaluations).toHaveLength(2);
    expect(effects.saves).toEqual([false, true, true]);
  });

  it('ignores metrics of a run the page does not list', () => {
    const runs = store.getState().runs;
    receive({ type: 'trainer-event', event: { type: 'metrics', run: 'ghost', row: metricsRow(1) } });
    expect(store.getState().runs.map((candidate) => candidate.rows.length)).toEqual([0, 0]);
    expect(store.getState().runs.every((candidate, i) => candidate === runs[i])).toBe(true);
  });
});

describe('progress', () => {
  it("moves the session and each run's step, leaving the runs' objects alone", () => {
    const runs = store.getState().runs;
    receive({ type: 'trainer-event', event: { type: 'progress', step: 3, totalSteps: 50, epoch: 0.03, runs: { adafisher: 3, adam: 2 } } });
    const state = store.getState();
    expect(state.runs).toBe(runs);
    expect(state.runSteps).toEqual({ adafisher: 3, adam: 2 });
    expect(state.progress).toMatchObject({ step: 3, totalSteps: 50, stepsPerEpoch: 100 });
  });

  it('gives the runs a new length when the total changes', () => {
    receive({ type: 'trainer-event', event: { type: 'progress', step: 1, totalSteps: 80, epoch: 0.01, runs: { adam: 1 } } });
    expect(store.getState().runs.map((candidate) => candidate.totalSteps)).toEqual([80, 80]);
    // A run missing from the event keeps its step.
    receive({ type: 'trainer-event', event: { type: 'progress', step: 2, totalSteps: 80, epoch: 0.02, runs: { adafisher: 2 } } });
    expect(store.getState().runSteps).toEqual({ adam: 1, adafisher: 2 });
  });
});

describe('run states, data errors and the end of a session', () => {
  it("keeps the session's time to the first step from the run-info that brings it", () => {
    const firstStep = {
      first_step_ms: 1500,
      first_submit_ms: 260,
      data_ms: 200,
      build_ms: 50,
      pipelines_ms: 0,
      submit_ms: 5,
      readback_ms: 1240,
      pipelines_compiled: 0,
    };
    receive({ type: 'trainer-event', event: { type: 'run-info', run: 'adam', gpuBytes: runSummary('adam').gpu_bytes, stepTimes: 'gpu-timestamps' } });
    expect(run('adam').firstStep).toBeNull();
    receive({
      type: 'trainer-event',
      event: { type: 'run-info', run: 'adam', gpuBytes: runSummary('adam').gpu_bytes, stepTimes: 'gpu-timestamps', firstStep },
    });
    expect(run('adam').firstStep).toEqual(firstStep);
    expect(run('adam').stepTimes).toBe('gpu-timestamps');
  });

  it('records states, GPU memory and the summaries', () => {
    receive({ type: 'trainer-event', event: { type: 'run-state', run: 'adam', state: 'diverged', message: 'loss is NaN' } });
    receive({ type: 'trainer-event', event: { type: 'run-info', run: 'adam', gpuBytes: runSummary('adam').gpu_bytes, stepTimes: 'gpu-timestamps' } });
    expect(run('adam')).toMatchObject({ state: 'diverged', message: 'loss is NaN', gpuBytes: runSummary('adam').gpu_bytes, stepTimes: 'gpu-timestamps' });
    receive({ type: 'trainer-event', event: { type: 'finished', summaries: [runSummary('adafisher')] } });
    expect(store.getState().session).toBe('idle');
    expect(run('adafisher').summary).toEqual(runSummary('adafisher'));
    expect(run('adam').summary).toBeUndefined();
    expect(effects.saves).toEqual([true, true]);
  });

  it('pauses the session on a data error that paused it, with advice', () => {
    receive({ type: 'trainer-event', event: { type: 'data-error', step: 4, kind: 'network', message: 'shard 3 failed.', action: 'paused' } });
    expect(store.getState()).toMatchObject({ session: 'paused', trainingError: expect.stringMatching(/^shard 3 failed\. Training is paused; press Resume/) });
    receive({ type: 'trainer-event', event: { type: 'data-error', step: 4, kind: 'network', message: 'shard 4 failed.', action: 'stopped' } });
    expect(store.getState()).toMatchObject({ session: 'paused', trainingError: 'shard 4 failed.' });
  });

  it('ends the session when the device is lost', () => {
    receive({ type: 'device-lost', message: 'gone' });
    expect(store.getState()).toMatchObject({ gpu: { state: 'lost', message: 'gone' }, session: 'idle', checkRunning: false });
    expect(effects.saves).toEqual([true]);
  });
});

describe('weights', () => {
  it('downloads the weights the worker sends as <run>.safetensors', () => {
    store.getState().exportWeights('adam');
    expect(sent.at(-1)).toEqual({ type: 'export-checkpoint', run: 'adam' });
    expect(store.getState().weightsExport).toEqual({ run: 'adam', error: null });
    const bytes = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 123, 125]);
    receive({ type: 'checkpoint-export', run: 'adam', bytes });
    expect(effects.files).toEqual([{ name: 'adam.safetensors', bytes }]);
    expect(store.getState().weightsExport).toEqual({ run: null, error: null });
  });

  it('shows why an export failed, naming the run', () => {
    store.getState().exportWeights('adam');
    receive({ type: 'error', request: 'export-checkpoint', message: 'No training session is running' });
    expect(store.getState().weightsExport).toEqual({ run: null, error: 'Could not export the weights of adam: No training session is running' });
    expect(store.getState().error).toBeNull();
  });
});

describe('step profiles', () => {
  const profile = {
    method: 'op-by-op' as const,
    note: 'each dispatch submitted alone',
    dispatches: [{ op: 'adam_update', layer: '', phase: 'optimizer' as const, ms: 2 }],
    total_ms: 2,
    by_phase: [{ name: 'optimizer', ms: 2, dispatches: 1 }],
    by_layer: [{ name: '(whole model)', ms: 2, dispatches: 1, phases: { optimizer: 2 } }],
    submit_overhead_ms: 0.5,
  };

  it("asks the worker to profile a run's next step and keeps the profile that comes back, until closed", () => {
    store.getState().profileStep('adam');
    expect(sent.at(-1)).toEqual({ type: 'profile-step', run: 'adam' });
    expect(store.getState().profiles).toEqual({ adam: { pending: true, step: null, profile: null, error: null } });
    const adam = run('adam');
    receive({ type: 'trainer-event', event: { type: 'step-profile', run: 'adam', step: 7, profile } });
    expect(store.getState().profiles.adam).toEqual({ pending: false, step: 7, profile, error: null });
    // The run's history is untouched: a profile is not saved with it.
    expect(run('adam')).toBe(adam);
    expect(effects.saves).toEqual([]);
    store.getState().closeProfile('adam');
    expect(store.getState().profiles).toEqual({});
  });

  it('shows a refusal on the profiles still waiting', () => {
    store.getState().profileStep('adafisher');
    receive({ type: 'trainer-event', event: { type: 'step-profile', run: 'adafisher', step: 3, profile } });
    store.getState().profileStep('adam');
    receive({ type: 'error', request: 'profile-step', message: 'Run "adam" is finished' });
    expect(store.getState().profiles.adam).toEqual({ pending: false, step: null, profile: null, error: 'Run "adam" is finished' });
    expect(store.getState().profiles.adafisher.error).toBeNull();
    expect(store.getState().error).toBeNull();
  });
});

describe('the landscape', () => {
  it('replaces the frame with each event and leaves the runs, and so the loss charts, alone', () => {
    const runs = store.getState().runs;
    const first = landscapeFixture({ id: 1, filled: 3 });
    receive({ type: 'trainer-event', event: { type: 'landscape', frame: first } });
    expect(store.getState().landscape).toMatchObject({ enabled: true, frame: first });
    const second = landscapeFixture({ id: 1, filled: 9 });
    receive({ type: 'trainer-event', event: { type: 'landscape', frame: second } });
    expect(store.getState().landscape.frame).toBe(second);
    expect(store.getState().runs).toBe(runs);
    // A grid still filling is saved with the next batch; the settled frame at once.
    receive({ type: 'trainer-event', event: { type: 'landscape', frame: landscapeFixture({ id: 2, settled: true }) } });
    expect(effects.saves).toEqual([false, false, true]);
  });

  it('sends new settings to the worker and keeps them, and downloads the plane as landscape.safetensors', () => {
    store.getState().changeLandscape({ plane: 'random', grid: 31 });
    expect(sent.at(-1)).toEqual({ type: 'landscape-settings', settings: { plane: 'random', grid: 31 } });
    expect(store.getState().landscape.settings).toMatchObject({ plane: 'random', grid: 31, visible: true });
    store.getState().changeLandscape({ visible: false });
    expect(sent.at(-1)).toEqual({ type: 'landscape-settings', settings: { visible: false } });
    store.getState().exportLandscape();
    expect(sent.at(-1)).toEqual({ type: 'export-landscape' });
    expect(store.getState().landscape.exporting).toBe(true);
    receive({ type: 'landscape-export', bytes: new Uint8Array([4, 5]) });
    expect(effects.files).toEqual([{ name: 'landscape.safetensors', bytes: new Uint8Array([4, 5]) }]);
    expect(store.getState().landscape).toMatchObject({ exporting: false, error: null });
  });

  it('shows why new settings or the export were refused', () => {
    store.getState().changeLandscape({ weights: ['fc9.weight[0]', 'fc1.weight[0, 1]'], plane: 'weights' });
    receive({ type: 'error', request: 'landscape-settings', message: 'landscape.weights[0]: unknown parameter fc9.weight' });
    expect(store.getState().landscape.error).toBe('The landscape kept its settings: landscape.weights[0]: unknown parameter fc9.weight');
    store.getState().exportLandscape();
    receive({ type: 'error', request: 'export-landscape', message: 'no plane yet' });
    expect(store.getState().landscape).toMatchObject({ exporting: false, error: 'Could not export the landscape: no plane yet' });
    // The next change clears the message.
    store.getState().changeLandscape({ freeze: true });
    expect(store.getState().landscape.error).toBeNull();
  });

  it("drops a reset run's trajectory, and the whole landscape with the last run", () => {
    receive({ type: 'trainer-event', event: { type: 'landscape', frame: landscapeFixture({ settled: true }) } });
    store.setState({ session: 'idle' });
    store.getState().setLandscapeDisplay({ logColor: true });
    store.getState().reset('adam');
    expect(new Set(store.getState().landscape.frame!.trajectories.map((point) => point.run))).toEqual(new Set(['adafisher']));
    store.getState().reset();
    expect(store.getState().landscape).toMatchObject({ enabled: false, frame: null });
    // How the panel draws is the person's choice, not the session's.
    expect(store.getState().landscape.display.logColor).toBe(true);
  });
});

describe('the inspector', () => {
  it('keeps each measurement by run, with the full factors it brought, and saves it with the next batch', () => {
    receive({ type: 'trainer-event', event: { type: 'inspection', record: inspectionRecord('adafisher', 100, { damping: 1e-3, full: ['conv1'] }) } });
    receive({ type: 'trainer-event', event: { type: 'inspection', record: inspectionRecord('adam', 100) } });
    const { inspector } = store.getState();
    expect(Object.keys(inspector.series)).toEqual(['adafisher', 'adam']);
    expect(inspector.series.adafisher[0].fisher?.layers).toHaveLength(3);
    expect(inspector.full.map((matrix) => [matrix.run, matrix.layer, matrix.side, matrix.step, matrix.n])).toEqual([
      ['adafisher', 'conv1', 'H', 100, 27],
      ['adafisher', 'conv1', 'S', 100, 16],
    ]);
    expect(effects.saves).toEqual([false, false]);
  });

  it("shows the worker's refusal of the inspector's settings, and training goes on", () => {
    receive({ type: 'trainer-event', event: { type: 'inspect-refused', message: 'Inspector: cnn-small has no layer named "conv9"' } });
    expect(store.getState().inspector.refusal).toBe('Inspector: cnn-small has no layer named "conv9"');
    receive({ type: 'error', request: 'inspect-settings', message: 'no session is training' });
    expect(store.getState().inspector.refusal).toBe('no session is training');
    expect(store.getState().session).toBe('training');
  });
});

describe('errors', () => {
  it('shows each failure next to what asked for it', () => {
    receive({ type: 'error', request: 'sample', message: 'no text run' });
    expect(store.getState().sample).toEqual({ running: false, result: null, error: 'no text run' });
    receive({ type: 'error', request: 'inspect-data', message: 'not CIFAR-10' });
    expect(store.getState().data).toMatchObject({ inspecting: false, summary: null, error: 'not CIFAR-10' });
    receive({ type: 'error', request: 'device-check', message: 'out of memory' });
    expect(store.getState()).toMatchObject({ error: 'out of memory', checkRunning: false });
    receive({ type: 'error', request: 'train', message: 'bad config' });
    expect(store.getState()).toMatchObject({ session: 'idle', trainingError: 'bad config', runs: [] });
  });
});

describe('the rest of the protocol', () => {
  it('reports the adapter, the device check, samples and data', () => {
    receive({ type: 'ready', adapter: TEST_ADAPTER });
    expect(store.getState().gpu).toEqual({ state: 'ready', adapter: TEST_ADAPTER });
    receive({ type: 'unavailable', message: 'no WebGPU' });
    expect(store.getState().gpu).toEqual({ state: 'unavailable', message: 'no WebGPU' });
    receive({ type: 'sample-result', run: 'adam', prompt: 'the', text: 'cat sat' });
    expect(store.getState().sample.result).toEqual({ run: 'adam', prompt: 'the', text: 'cat sat' });
    receive({ type: 'data-progress', label: 'shard 1', loaded: 5, total: 10 });
    receive({ type: 'data-inspected', summary: { dataset: 'cifar10', train: 50000, test: 10000, classes: [] } });
    expect(store.getState().data).toMatchObject({ progress: { 'shard 1': { loaded: 5, total: 10 } }, summary: { dataset: 'cifar10' }, inspecting: false });
  });

  it('throws on a message type it does not know (the compiler catches it first)', () => {
    expect(() => receive({ type: 'diagnostics' } as unknown as WorkerResponse)).toThrow(/Unhandled message.*diagnostics/);
    expect(() => receive({ type: 'trainer-event', event: { type: 'checkpoint' } } as unknown as WorkerResponse)).toThrow(/Unhandled message.*checkpoint/);
  });
});
