import { describe, expect, it } from 'vitest';
import { fullFactor, inspectionRecord, syntheticAnalysis } from '../testing/inspection-fixture';
import { blockMax } from './downsample';
import {
  EMPTY_INSPECTOR,
  findFull,
  INSPECTOR_HISTORY_BUDGET,
  INSPECTOR_MEMORY_BUDGET,
  inspectionToSave,
  inspectorForSession,
  inspectSettings,
  newestWithin,
  restoredInspector,
  shownSteps,
  toggledStep,
  viewableSteps,
  withAnalysis,
  withoutInspectedRun,
  withRecord,
  type AnalysedFactor,
  type FactorKey,
  type InspectorState,
} from './inspector-state';

function analysed(key: FactorKey, n = 4): AnalysedFactor {
  const values = fullFactor(key.layer, key.side, n).values;
  const { frequency, ...analysis } = syntheticAnalysis({ values, n, seed: 0 });
  return { ...key, analysis, heatmap: blockMax(values, n), frequency: blockMax(frequency, n) };
}

describe('measurements', () => {
  it('join their run’s series in step order, a repeated step replacing the earlier one', () => {
    let state = withRecord(EMPTY_INSPECTOR, inspectionRecord('adam', 200));
    state = withRecord(state, inspectionRecord('adam', 100));
    state = withRecord(state, inspectionRecord('adafisher', 100, { damping: 1e-3 }));
    state = withRecord(state, { ...inspectionRecord('adam', 200), shares: [] });
    expect(state.series.adam.map((point) => [point.step, point.shares.length])).toEqual([
      [100, 3],
      [200, 0],
    ]);
    expect(state.series.adafisher[0].fisher?.damping).toBe(1e-3);
    expect(state.full).toEqual([]);
  });

  it('keep full factors within the memory budget, dropping the oldest', () => {
    // fc's H is 2048 x 2048 = 16 MiB: three measurements (with their small S) fit in 64 MiB, never half of one.
    let state: InspectorState = EMPTY_INSPECTOR;
    for (const step of [100, 200, 300, 400, 500]) state = withRecord(state, inspectionRecord('adam', step, { full: ['fc'] }));
    const bytes = state.full.reduce((sum, matrix) => sum + matrix.values.byteLength, 0);
    expect(bytes).toBeLessThanOrEqual(INSPECTOR_MEMORY_BUDGET);
    expect(findFull(state, { run: 'adam', layer: 'fc', side: 'H', step: 200 })).toBeUndefined();
    expect(findFull(state, { run: 'adam', layer: 'fc', side: 'S', step: 200 })).toBeUndefined();
    expect(findFull(state, { run: 'adam', layer: 'fc', side: 'H', step: 500 })?.n).toBe(2048);
    expect(viewableSteps(state, 'adam', 'fc')).toEqual([300, 400, 500]);
  });

  it('count a step as viewable only when both factors are kept or analysed', () => {
    let state = withRecord(EMPTY_INSPECTOR, inspectionRecord('adam', 100, { full: ['conv1'] }));
    state = { ...state, full: state.full.filter((matrix) => matrix.side === 'H') };
    expect(viewableSteps(state, 'adam', 'conv1')).toEqual([]);
    state = withAnalysis(state, analysed({ run: 'adam', layer: 'conv1', side: 'S', step: 100 }));
    expect(viewableSteps(state, 'adam', 'conv1')).toEqual([100]);
    expect(viewableSteps(state, 'adafisher', 'conv1')).toEqual([]);
  });
});

describe('the steps shown', () => {
  it('are the first and the latest unless chosen, the chosen ones only when they can be shown', () => {
    expect(shownSteps(null, [])).toEqual([]);
    expect(shownSteps(null, [100])).toEqual([100]);
    expect(shownSteps(null, [100, 200, 300])).toEqual([100, 300]);
    expect(shownSteps([300, 200], [100, 200, 300])).toEqual([200, 300]);
    expect(shownSteps([700], [100, 200])).toEqual([100, 200]);
  });

  it('are toggled one at a time, at most three and never none', () => {
    expect(toggledStep([100, 300], 200)).toEqual([100, 200, 300]);
    expect(toggledStep([100, 200, 300], 400)).toEqual([200, 300, 400]);
    expect(toggledStep([100, 300], 300)).toEqual([100]);
    expect(toggledStep([100], 100)).toEqual([100]);
  });
});

describe('settings for the worker', () => {
  it('measure every run and the chosen layer of the chosen run, at every measurement', () => {
    expect(inspectSettings('adam', 'conv1')).toEqual({ enabled: true, runs: null, full: [{ run: 'adam', layer: 'conv1' }], every: null, steps: null });
    expect(inspectSettings(null, 'conv1').full).toEqual([]);
  });
});

describe('sessions', () => {
  it('start empty, keeping the panel and the choices the new session has', () => {
    const state = withRecord({ ...EMPTY_INSPECTOR, open: true, selection: { run: 'adam', layer: 'conv2', steps: [100] } }, inspectionRecord('adam', 100));
    expect(inspectorForSession(state, ['adam'], ['conv1', 'conv2'], true)).toEqual({
      ...EMPTY_INSPECTOR,
      open: true,
      selection: { run: 'adam', layer: 'conv2', steps: null },
    });
    expect(inspectorForSession(state, ['sgd'], ['fc1'], false).selection).toEqual({ run: null, layer: null, steps: null });
  });

  it('lose a run that was reset', () => {
    let state = withRecord(EMPTY_INSPECTOR, inspectionRecord('adam', 100, { full: ['conv1'] }));
    state = withRecord(state, inspectionRecord('sgd', 100));
    state = withAnalysis({ ...state, selection: { run: 'adam', layer: null, steps: [100] } }, analysed({ run: 'adam', layer: 'conv1', side: 'H', step: 100 }));
    const after = withoutInspectedRun(state, 'adam');
    expect(Object.keys(after.series)).toEqual(['sgd']);
    expect(after.full).toEqual([]);
    expect(after.analyses).toEqual([]);
    expect(after.selection).toEqual({ run: null, layer: null, steps: null });
  });

  it('are kept in the history with their analyses and the newest full factors within the history budget', () => {
    expect(inspectionToSave(EMPTY_INSPECTOR)).toBeUndefined();
    let state: InspectorState = EMPTY_INSPECTOR;
    for (const step of [100, 200, 300]) state = withRecord(state, inspectionRecord('adam', step, { full: ['fc'] }));
    state = withAnalysis(state, analysed({ run: 'adam', layer: 'fc', side: 'S', step: 100 }, 10), {
      run: 'adam',
      layer: 'fc',
      side: 'S',
      step: 100,
      kind: 'frequency',
      n: 10,
      values: new Float32Array(100),
    });
    const saved = inspectionToSave(state)!;
    expect(saved.full.every((matrix) => matrix.kind === 'factor')).toBe(true);
    expect(saved.full.reduce((sum, matrix) => sum + matrix.values.byteLength, 0)).toBeLessThanOrEqual(INSPECTOR_HISTORY_BUDGET);
    // A measurement of fc is 16 MiB and 400 bytes: the newest one fits in 32 MiB, two do not.
    expect(saved.full.map((matrix) => `${matrix.side}${matrix.step}`)).toEqual(['H300', 'S300']);
    expect(saved.analyses).toHaveLength(1);
    // While runs train, saves carry the series and analyses only; the factors go with the last save.
    expect(inspectionToSave(state, { withFactors: false })).toEqual({ series: saved.series, analyses: saved.analyses, full: [] });
    const restored = restoredInspector(structuredClone(saved));
    expect(restored.open).toBe(false);
    expect(restored.series.adam.map((point) => point.step)).toEqual([100, 200, 300]);
    expect(viewableSteps(restored, 'adam', 'fc')).toEqual([300]);
    expect(restoredInspector(undefined)).toBe(EMPTY_INSPECTOR);
  });

  it('budgets keep the newest, the memory one keeping the newest even when it alone is too large', () => {
    const bytes = (value: number) => value;
    expect(newestWithin([5, 5, 5], 10, bytes)).toEqual([5, 5]);
    expect(newestWithin([5, 20], 10, bytes)).toEqual([20]);
    expect(newestWithin([5, 20], 10, bytes, false)).toEqual([]);
  });
});
