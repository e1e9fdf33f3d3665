import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHistorySync, SAVE_INTERVAL_MS, sessionToSave, type HistorySync } from './history-sync';
import { memoryHistory, type History, type SavedSession } from './persistence';
import { createPlaygroundStore, type PlaygroundStore } from './playground-state';
import { readRememberedSetup } from './remembered-setup';
import { defaultSetup } from './setup';
import { landscapeFixture } from './testing/landscape-fixture';
import { memoryStorage, metricsRow, runSummary } from './testing/test-playground';

let store: PlaygroundStore;
let history: History;
let storage: Storage;
let sync: HistorySync;

function savedSession(id: string, updatedAt: number, state: 'finished' | 'running' = 'finished'): SavedSession {
  const rows = [metricsRow(5), metricsRow(10)];
  return {
    id,
    createdAt: updatedAt - 1000,
    updatedAt,
    setup: defaultSetup('image-classification'),
    runs: [{ name: 'adam', optimizer: 'adam', state, rows, evaluations: [], totalSteps: 20, ...(state === 'finished' ? { summary: runSummary('adam') } : {}) }],
  };
}

beforeEach(() => {
  history = memoryHistory();
  storage = memoryStorage();
  store = createPlaygroundStore({ send: () => undefined, saveSession: (urgent) => sync.save(urgent), forgetSession: (id) => sync.forget(id) });
  sync = createHistorySync(store, { openHistory: async () => history, storage });
});

afterEach(() => {
  sync.dispose();
  vi.useRealTimers();
});

describe('the session in the history', () => {
  it('is written at once for a state change and with the next batch for metrics', async () => {
    vi.useFakeTimers();
    await sync.open();
    const save = vi.spyOn(history, 'save');
    await store.getState().startTraining();
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(1);
    // Metrics: one write for the whole batch, SAVE_INTERVAL_MS later.
    for (let i = 0; i < 5; i++) sync.save(false);
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS - 1);
    expect(save).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(2);
    // An urgent save does not wait for a batch already pending.
    sync.save(false);
    sync.save(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS);
    expect(save).toHaveBeenCalledTimes(3);
  });

  it('holds the rows as they were when written, without what only this page load knows', async () => {
    await sync.open();
    await store.getState().startTraining();
    const [adafisher] = store.getState().runs;
    adafisher.rows.push(metricsRow(1));
    store.setState({ runs: store.getState().runs.map((run) => (run === adafisher ? { ...run, version: 1, gpuBytes: runSummary('x').gpu_bytes } : run)) });
    const session = sessionToSave(store, 1234)!;
    expect(session.updatedAt).toBe(1234);
    expect(session.runs[0]).toEqual({ name: 'adafisher', optimizer: 'adafisher', state: 'pending', rows: [metricsRow(1)], evaluations: [], totalSteps: 300 });
    await history.save(session);
    adafisher.rows.push(metricsRow(2));
    expect((await history.load(session.id))!.runs[0].rows).toHaveLength(1);
  });

  it('holds the latest landscape frame, and the colours of runs that have one', async () => {
    await sync.open();
    store.getState().setRuns(store.getState().setup.runs.map((run, i) => (i === 0 ? { ...run, color: 'black' } : run)));
    await store.getState().startTraining();
    expect(sessionToSave(store)!.landscape).toBeUndefined();
    const frame = landscapeFixture({ settled: true });
    store.setState({ landscape: { ...store.getState().landscape, frame } });
    const session = sessionToSave(store)!;
    expect(session.landscape).toBe(frame);
    expect(session.runs.map((run) => run.color)).toEqual(['black', undefined]);
    await history.save(session);
    expect((await history.load(session.id))!.landscape).toEqual(frame);
  });

  it('reports a failed write, and clears the report once a write succeeds', async () => {
    vi.useFakeTimers();
    await sync.open();
    const save = vi.spyOn(history, 'save').mockRejectedValueOnce(new Error('Could not save the runs: full.'));
    await store.getState().startTraining();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().storage.error).toBe('Could not save the runs: full.');
    sync.save(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(2);
    expect(store.getState().storage.error).toBeNull();
  });

  it('is deleted when every run is reset', async () => {
    await sync.open();
    await store.getState().startTraining();
    await vi.waitFor(async () => expect(await history.list()).toHaveLength(1));
    store.setState({ session: 'idle' });
    store.getState().reset();
    await vi.waitFor(async () => expect(await history.list()).toHaveLength(0));
  });

  it('writes nothing once disposed', async () => {
    vi.useFakeTimers();
    await sync.open();
    const save = vi.spyOn(history, 'save');
    sync.dispose();
    await store.getState().startTraining();
    await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS);
    expect(save).not.toHaveBeenCalled();
  });
});

describe('restoring', () => {
  it('brings back the latest session, a run cut off by the reload as stopped', async () => {
    await history.save(savedSession('old', 1));
    await history.save(savedSession('latest', 2, 'running'));
    await sync.open();
    const state = store.getState();
    expect(state.sessionId).toBe('latest');
    expect(state.runs[0]).toMatchObject({ name: 'adam', state: 'stopped', message: expect.stringMatching(/closed or reloaded/), gpuBytes: null, version: 0 });
    expect(state.runs[0].rows).toHaveLength(2);
    expect(state.runSteps).toEqual({ adam: 10 });
    expect(state.weightsInWorker).toBe(false);
  });

  it("keeps a finished run's state and GPU memory", async () => {
    await history.save(savedSession('done', 2));
    await sync.open();
    expect(store.getState().runs[0]).toMatchObject({ state: 'finished', gpuBytes: runSummary('adam').gpu_bytes });
    expect(store.getState().storage).toEqual({ persistent: false, error: null });
  });

  it('brings back the landscape with its runs, drawn as the page draws landscapes now', async () => {
    const frame = landscapeFixture({ plane: 'weights' });
    await history.save({ ...savedSession('with-landscape', 2), landscape: frame });
    store.getState().setLandscapeDisplay({ view3d: true });
    await sync.open();
    const { landscape } = store.getState();
    expect(landscape).toMatchObject({ enabled: true, frame, settings: { plane: 'weights', centerRun: 'adafisher', visible: true } });
    expect(landscape.display.view3d).toBe(true);
  });

  it('shows no landscape for a session saved without one', async () => {
    await history.save(savedSession('before-landscapes', 2));
    await sync.open();
    expect(store.getState().landscape).toMatchObject({ enabled: false, frame: null });
  });

  it('leaves a session started before the history opened alone', async () => {
    await history.save(savedSession('old', 1));
    await store.getState().startTraining();
    const id = store.getState().sessionId;
    await sync.open();
    expect(store.getState().sessionId).toBe(id);
  });
});

describe('the setup in localStorage', () => {
  it('is remembered whenever it changes', () => {
    store.getState().updateSetup({ seed: 11 });
    expect(readRememberedSetup(storage)).toEqual({ setup: expect.objectContaining({ seed: 11 }) });
    store.getState().setTask('language-modeling');
    expect(readRememberedSetup(storage)).toEqual({ setup: expect.objectContaining({ task: 'language-modeling' }) });
    sync.dispose();
    store.getState().updateSetup({ seed: 12 });
    expect(readRememberedSetup(storage)).toEqual({ setup: expect.objectContaining({ seed: 0 }) });
  });
});
