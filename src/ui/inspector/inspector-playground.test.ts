// The Inspector through the whole page's state: what opening, choosing and closing the panel
// asks of the training worker, and the inspection kept in the history with the runs.

import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INSPECT_OFF } from '../../engine/inspect/inspect-types';
import { setupFromYaml, setupToYaml } from '../config-file';
import { openHistory } from '../persistence';
import { setupToConfig } from '../setup';
import { inspectionRecord, syntheticAnalysis } from '../testing/inspection-fixture';
import { finishSession, TEST_ADAPTER, testPlayground, trainSteps, type TestPlayground } from '../testing/test-playground';
import { blockMax } from './downsample';
import { viewableSteps } from './inspector-state';

const started: TestPlayground[] = [];

async function start(playground = testPlayground()): Promise<TestPlayground> {
  started.push(playground);
  await playground.start('http://localhost:4173/');
  playground.worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
  return playground;
}

const inspectRequests = (playground: TestPlayground) => playground.worker.requests.filter((request) => request.type === 'inspect-settings');

afterEach(() => {
  for (const playground of started.splice(0)) playground.stop();
  vi.unstubAllGlobals();
});

describe('the panel and the worker', () => {
  it('sends nothing while the panel is closed, nor when it opens with no session training', async () => {
    const playground = await start();
    playground.store.getState().setInspectorOpen(true);
    playground.store.getState().setInspectorOpen(false);
    await playground.store.getState().startTraining();
    await trainSteps(playground, 3);
    expect(inspectRequests(playground)).toEqual([]);
  });

  it("asks for every run's shares and the first run's first layer when opened, a new choice when changed, and nothing more when closed", async () => {
    const playground = await start();
    const { store } = playground;
    await store.getState().startTraining();
    store.getState().setInspectorOpen(true);
    store.getState().selectInspection({ layer: 'conv2' });
    store.getState().selectInspection({ steps: [100] });
    store.getState().selectInspection({ run: 'adam' });
    store.getState().setInspectorOpen(false);
    expect(inspectRequests(playground).map((request) => request.settings)).toEqual([
      { enabled: true, runs: null, full: [{ run: 'adafisher', layer: 'conv1' }], every: null, steps: null },
      { enabled: true, runs: null, full: [{ run: 'adafisher', layer: 'conv2' }], every: null, steps: null },
      { enabled: true, runs: null, full: [{ run: 'adam', layer: 'conv2' }], every: null, steps: null },
      INSPECT_OFF,
    ]);
    // A new run or layer starts its choice of steps over.
    expect(store.getState().inspector.selection).toEqual({ run: 'adam', layer: 'conv2', steps: null });
  });

  it('keeps measuring in the next session while the panel stays open, once its trainer exists', async () => {
    const playground = await start();
    const { store } = playground;
    await store.getState().startTraining();
    store.getState().setInspectorOpen(true);
    store.getState().selectInspection({ layer: 'fc' });
    playground.worker.event({ type: 'inspect-refused', message: 'refused' });
    playground.worker.event({ type: 'inspection', record: inspectionRecord('adam', 100) });
    finishSession(playground);
    await store.getState().startTraining();
    const count = inspectRequests(playground).length;
    // Settings sent while the worker loads the data would find no trainer: they go with training-started.
    playground.worker.answer({ type: 'training-started', runs: ['adafisher', 'adam'], totalSteps: 10, stepsPerEpoch: 100, adapter: TEST_ADAPTER });
    expect(inspectRequests(playground)).toHaveLength(count + 1);
    expect(inspectRequests(playground).at(-1)!.settings.full).toEqual([{ run: 'adafisher', layer: 'fc' }]);
    expect(store.getState().inspector).toMatchObject({ open: true, series: {}, refusal: null });
  });
});

describe('the history', () => {
  it('keeps the measurements and analyses with the runs, and shows them after a reload without the worker', async () => {
    vi.stubGlobal('indexedDB', new IDBFactory());
    const history = await openHistory('playground-inspector');
    const first = await start(testPlayground({ history }));
    first.store.getState().updateSetup({ length: { unit: 'steps', value: 4 } });
    await first.store.getState().startTraining();
    await trainSteps(first, 4);
    first.worker.event({ type: 'inspection', record: inspectionRecord('adafisher', 0, { damping: 1e-3, full: ['conv1'] }) });
    first.worker.event({ type: 'inspection', record: inspectionRecord('adafisher', 2, { damping: 1e-3, full: ['conv1'] }) });
    const factor = first.store.getState().inspector.full[0];
    const { frequency, ...analysis } = syntheticAnalysis({ values: factor.values, n: factor.n, seed: 0 });
    first.store.getState().keepAnalysis(
      {
        run: 'adafisher',
        layer: 'conv1',
        side: 'H',
        step: 0,
        analysis,
        heatmap: blockMax(factor.values, factor.n),
        frequency: blockMax(frequency, factor.n),
      },
      { run: 'adafisher', layer: 'conv1', side: 'H', step: 0, kind: 'frequency', n: factor.n, values: frequency },
    );
    finishSession(first);
    await vi.waitFor(async () => expect((await history.list())[0]?.inspection?.analyses).toHaveLength(1));
    first.stop();

    const reloaded = await start(testPlayground({ history, storage: first.storage }));
    const { inspector } = reloaded.store.getState();
    expect(inspector.open).toBe(false);
    expect(inspector.series.adafisher.map((point) => point.step)).toEqual([0, 2]);
    expect(inspector.analyses[0].analysis.gershgorin.radii).toEqual(analysis.gershgorin.radii);
    expect(inspector.analyses[0].heatmap.values).toBeInstanceOf(Float32Array);
    // Both measurements' factors are small: the history kept them (not the frequency field, which the analysis holds in blocks).
    expect(inspector.full.map((matrix) => `${matrix.side}${matrix.step}`)).toEqual(['H0', 'S0', 'H2', 'S2']);
    expect(viewableSteps(inspector, 'adafisher', 'conv1')).toEqual([0, 2]);
    // Opening the panel of a session from the history asks the worker for nothing.
    reloaded.store.getState().setInspectorOpen(true);
    expect(inspectRequests(reloaded)).toEqual([]);
  });
});

describe("a config's inspect section", () => {
  it('comes in with a config file and goes to the worker with the session, as the command line reads it', async () => {
    const playground = await start();
    const yaml = `steps: 20\nruns:\n  - name: adam\n    optimizer: { type: adam, lr: 0.001 }\ninspect:\n  layers: [conv9]\n  every: 5\n`;
    const setup = setupFromYaml(yaml, 'inspect.yaml');
    expect(setup.inspect).toEqual({ enabled: true, layers: ['conv9'], every: 5 });
    expect(setupToConfig(setup).inspect).toEqual({ enabled: true, layers: ['conv9'], every: 5 });
    expect(setupFromYaml(setupToYaml(setup), 'again.yaml').inspect).toEqual(setup.inspect);
    playground.store.getState().replaceSetup(setup);
    await playground.store.getState().startTraining();
    const train = playground.worker.requests.find((request) => request.type === 'train');
    expect(train && 'config' in train && (train.config as { inspect?: unknown }).inspect).toEqual({ enabled: true, layers: ['conv9'], every: 5 });
  });
});
