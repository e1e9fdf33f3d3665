import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHART_SETTINGS_KEY, DEFAULT_CHART_SETTINGS, clampSmoothing, isolatedRuns, sanitizeChartSettings, toggledRuns } from './chart-settings';

/** A Storage in memory, standing in for the browser's localStorage. */
function memoryStorage(initial: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(initial));
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/** A fresh copy of the store module, reading `storage` as localStorage. */
async function freshStore(storage: Storage) {
  vi.stubGlobal('localStorage', storage);
  vi.resetModules();
  return (await import('./chart-settings')).useChartSettings;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('chart settings', () => {
  it('defaults to TensorBoard smoothing 0.6 on the step axis with every run shown', () => {
    expect(DEFAULT_CHART_SETTINGS).toEqual({ smoothing: 0.6, xAxis: 'step', log: {}, hiddenRuns: [] });
  });

  it('clamps smoothing to the slider range and its 0.01 steps', () => {
    expect(clampSmoothing(0.456)).toBe(0.46);
    expect(clampSmoothing(1)).toBe(0.99);
    expect(clampSmoothing(-0.2)).toBe(0);
    expect(clampSmoothing(NaN)).toBe(0.6);
  });

  it('keeps the valid fields of a stored entry and defaults the rest', () => {
    expect(sanitizeChartSettings(null)).toEqual(DEFAULT_CHART_SETTINGS);
    expect(sanitizeChartSettings('junk')).toEqual(DEFAULT_CHART_SETTINGS);
    expect(
      sanitizeChartSettings({
        smoothing: 3,
        xAxis: 'minutes',
        log: { 'train-loss': { y: true, x: 'yes' }, 'no-such-panel': { x: true, y: true }, lr: null },
        hiddenRuns: ['adam', 4, 'adam', 'sgd'],
      }),
    ).toEqual({ smoothing: 0.99, xAxis: 'step', log: { 'train-loss': { x: false, y: true } }, hiddenRuns: ['adam', 'sgd'] });
    expect(sanitizeChartSettings({ smoothing: 0.25, xAxis: 'wall_time' })).toMatchObject({ smoothing: 0.25, xAxis: 'wall_time' });
  });

  it('toggles a run on a legend click', () => {
    expect(toggledRuns([], 'adam')).toEqual(['adam']);
    expect(toggledRuns(['adam', 'sgd'], 'adam')).toEqual(['sgd']);
  });

  it('isolates a run on a legend double click, and shows all again on a second one', () => {
    const all = ['adam', 'sgd', 'adafisher'];
    expect(isolatedRuns([], 'sgd', all)).toEqual(['adam', 'adafisher']);
    expect(isolatedRuns(['adam', 'adafisher'], 'sgd', all)).toEqual([]);
    // A hidden run double-clicked becomes the only one shown.
    expect(isolatedRuns(['sgd'], 'sgd', all)).toEqual(['adam', 'adafisher']);
  });

  it('saves the settings to localStorage', async () => {
    const storage = memoryStorage();
    const store = await freshStore(storage);
    store.getState().setSmoothing(0.9);
    store.getState().setXAxis('epoch');
    store.getState().setLog('lr', 'y', true);
    store.getState().toggleRun('sgd');
    const saved = JSON.parse(storage.getItem(CHART_SETTINGS_KEY)!);
    expect(saved.state).toEqual({ smoothing: 0.9, xAxis: 'epoch', log: { lr: { x: false, y: true } }, hiddenRuns: ['sgd'] });
    store.getState().setRunShown('sgd', true);
    store.getState().setRunShown('adam', false);
    expect(store.getState().hiddenRuns).toEqual(['adam']);
  });

  it('restores saved settings on load, checking them', async () => {
    const entry = { state: { smoothing: 0.3, xAxis: 'wall_time', log: { 'train-loss': { x: true, y: true } }, hiddenRuns: ['adam'] }, version: 1 };
    const store = await freshStore(memoryStorage({ [CHART_SETTINGS_KEY]: JSON.stringify(entry) }));
    expect(store.getState()).toMatchObject(entry.state);
    expect(typeof store.getState().setSmoothing).toBe('function');
    const broken = await freshStore(memoryStorage({ [CHART_SETTINGS_KEY]: JSON.stringify({ state: { smoothing: 'high', xAxis: 3 }, version: 1 }) }));
    expect(broken.getState()).toMatchObject({ smoothing: 0.6, xAxis: 'step', hiddenRuns: [] });
  });
});
