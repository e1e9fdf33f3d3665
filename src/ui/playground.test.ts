import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openHistory } from './persistence';
import { rememberSetup, SETUP_STORAGE_KEY } from './remembered-setup';
import { defaultSetup, setupToConfig } from './setup';
import { shareLink } from './share-url';
import { landscapeFixture } from './testing/landscape-fixture';
import { finishSession, memoryStorage, runSummary, TEST_ADAPTER, testPlayground, trainSteps, type TestPlayground } from './testing/test-playground';

const PAGE = 'http://localhost:4173/';
const started: TestPlayground[] = [];

async function start(playground: TestPlayground, url = PAGE): Promise<TestPlayground> {
  started.push(playground);
  await playground.start(url);
  return playground;
}

afterEach(() => {
  for (const playground of started.splice(0)) playground.stop();
  vi.unstubAllGlobals();
});

describe('starting', () => {
  it('opens with the last visit’s setup, asks the worker for the GPU and to compile that setup while the page waits', async () => {
    const storage = memoryStorage();
    rememberSetup(storage, { ...defaultSetup('language-modeling'), seed: 3 });
    const { store, worker } = await start(testPlayground({ storage }));
    expect(store.getState().setup).toMatchObject({ task: 'language-modeling', seed: 3 });
    expect(store.getState().setupNotice).toBeNull();
    expect(worker.requests).toEqual([{ type: 'init' }, { type: 'warm', config: setupToConfig(store.getState().setup) }]);
    expect(worker.requests[1]).toMatchObject({ config: { task: 'language-modeling', seed: 3 } });
    worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
    expect(store.getState().gpu.state).toBe('ready');
  });

  it('drops an invalid remembered setup with a notice, and opens with the default', async () => {
    const storage = memoryStorage({ [SETUP_STORAGE_KEY]: JSON.stringify({ ...setupToConfig(defaultSetup('image-classification')), steps: -5 }) });
    const { store } = await start(testPlayground({ storage }));
    expect(store.getState().setup).toEqual(defaultSetup('image-classification'));
    expect(store.getState().setupNotice).toMatch(/remembered from your last visit.*steps/);
    expect(storage.getItem(SETUP_STORAGE_KEY)).toBeNull();
  });

  it("opens a link's setup and remembers it", async () => {
    const storage = memoryStorage();
    const { store } = await start(testPlayground({ storage }), shareLink({ ...defaultSetup('image-classification'), seed: 8 }, PAGE));
    expect(store.getState().setup.seed).toBe(8);
    expect(JSON.parse(storage.getItem(SETUP_STORAGE_KEY)!).seed).toBe(8);
  });

  it('reports a worker whose script failed', async () => {
    const { store, worker } = await start(testPlayground());
    worker.fail('SyntaxError');
    expect(store.getState().error).toBe('The training worker failed: SyntaxError');
  });
});

describe('a session', () => {
  it('trains, keeps its rows in the history, and comes back after a reload', async () => {
    vi.stubGlobal('indexedDB', new IDBFactory());
    const history = await openHistory('playground-test');
    const first = await start(testPlayground({ history }));
    first.store.getState().updateSetup({ length: { unit: 'steps', value: 20 } });
    await first.store.getState().startTraining();
    expect(first.worker.requests.at(-1)).toMatchObject({ type: 'train', config: { steps: 20, runs: [{ name: 'adafisher' }, { name: 'adam' }] } });
    await trainSteps(first, 20);
    finishSession(first);
    expect(first.store.getState().runs.map((run) => run.rows.length)).toEqual([20, 20]);
    await vi.waitFor(async () => expect((await history.list())[0]?.runs[1].summary).toEqual(runSummary('adam')));
    first.stop();
    expect(first.worker.terminated).toBe(true);

    const reloaded = await start(testPlayground({ history, storage: first.storage }));
    const state = reloaded.store.getState();
    expect(state.setup.length).toEqual({ unit: 'steps', value: 20 });
    expect(state.runs.map((run) => [run.name, run.state, run.rows.length])).toEqual([
      ['adafisher', 'finished', 20],
      ['adam', 'finished', 20],
    ]);
    expect(state.runs[1].rows).toEqual(first.store.getState().runs[1].rows);
    expect(state.weightsInWorker).toBe(false);
  });

  it('keeps the landscape with the runs, and brings it back after a reload', async () => {
    vi.stubGlobal('indexedDB', new IDBFactory());
    const history = await openHistory('playground-landscape');
    const first = await start(testPlayground({ history }));
    first.store.getState().updateSetup({ length: { unit: 'steps', value: 4 } });
    await first.store.getState().startTraining();
    await trainSteps(first, 4);
    first.worker.event({ type: 'landscape', frame: landscapeFixture({ id: 1, filled: 5 }) });
    finishSession(first);
    const final = landscapeFixture({ id: 1, settled: true });
    first.worker.event({ type: 'landscape', frame: final });
    await vi.waitFor(async () => expect((await history.list())[0]?.landscape?.settled).toBe(true));
    first.stop();

    const reloaded = await start(testPlayground({ history, storage: first.storage }));
    expect(reloaded.store.getState().landscape).toMatchObject({ enabled: true, frame: final });
    expect(reloaded.store.getState().runs.map((run) => run.rows.length)).toEqual([4, 4]);
  });

  it('hands the landscape’s plane to the user as landscape.safetensors', async () => {
    const playground = await start(testPlayground());
    await playground.store.getState().startTraining();
    playground.store.getState().exportLandscape();
    expect(playground.worker.requests.at(-1)).toEqual({ type: 'export-landscape' });
    playground.worker.answer({ type: 'landscape-export', bytes: new Uint8Array([9]) });
    expect(playground.savedFiles).toEqual([{ name: 'landscape.safetensors', bytes: new Uint8Array([9]) }]);
  });

  it('hands a run’s weights to the user when the worker sends them', async () => {
    const playground = await start(testPlayground());
    await playground.store.getState().startTraining();
    expect(playground.store.getState().weightsInWorker).toBe(true);
    playground.store.getState().exportWeights('adam');
    expect(playground.worker.requests.at(-1)).toEqual({ type: 'export-checkpoint', run: 'adam' });
    playground.worker.answer({ type: 'checkpoint-export', run: 'adam', bytes: new Uint8Array([1, 2, 3]) });
    expect(playground.savedFiles).toEqual([{ name: 'adam.safetensors', bytes: new Uint8Array([1, 2, 3]) }]);
  });

  it('sends the dropped files with the train request, as bytes', async () => {
    const playground = await start(testPlayground());
    await playground.store.getState().takeFiles([new File([new Uint8Array([7, 8])], 'test_batch.bin')]);
    expect(playground.worker.requests.at(-1)).toMatchObject({ type: 'inspect-data', files: [{ name: 'test_batch.bin' }] });
    expect(playground.store.getState().data.files.map((file) => [file.name, file.size])).toEqual([['test_batch.bin', 2]]);
    await playground.store.getState().startTraining();
    const train = playground.worker.requests.at(-1) as { type: 'train'; files: { name: string; bytes: ArrayBuffer }[] };
    expect(train.files.map((file) => [file.name, [...new Uint8Array(file.bytes)]])).toEqual([['test_batch.bin', [7, 8]]]);
    playground.store.getState().setTask('language-modeling');
    expect(playground.store.getState().data.files).toEqual([]);
  });

  it("sends a picked model.safetensors for a setup's GPT-1 embeddings, and only for such a setup", async () => {
    const playground = await start(testPlayground());
    const { store, worker } = playground;
    store.getState().setTask('language-modeling');
    store.getState().takeEmbeddingsFile(new File([new Uint8Array([1, 2, 3])], 'model.safetensors'));
    await store.getState().startTraining();
    expect((worker.requests.at(-1) as { embeddings?: unknown }).embeddings).toBeUndefined();
    finishSession(playground);
    store.getState().updateSetup({ embeddings: { from: 'gpt1' } });
    await store.getState().startTraining();
    const train = worker.requests.at(-1) as { type: 'train'; config: { embeddings: unknown }; embeddings: { name: string; bytes: ArrayBuffer } };
    expect(train.config.embeddings).toEqual({ from: 'gpt1' });
    expect([train.embeddings.name, [...new Uint8Array(train.embeddings.bytes)]]).toEqual(['model.safetensors', [1, 2, 3]]);
    store.getState().takeEmbeddingsFile(null);
    finishSession(playground);
    await store.getState().startTraining();
    expect((worker.requests.at(-1) as { embeddings?: unknown }).embeddings).toBeUndefined();
  });

  it('takes a dropped model.safetensors as the embeddings file, beside a dataset, and refuses it where no setup reads embeddings', async () => {
    const playground = await start(testPlayground());
    const { store, worker } = playground;
    store.getState().setTask('language-modeling');
    const weights = new File([new Uint8Array([1])], 'model.safetensors');
    await store.getState().takeFiles([weights]);
    expect(store.getState().data.embeddingsFile).toBeNull();
    expect(store.getState().data.error).toMatch(
      /^model\.safetensors: a \.safetensors file here is GPT-1's model\.safetensors for pretrained embeddings, which only a setup with/,
    );
    store.getState().updateSetup({ embeddings: { from: 'gpt1' } });
    const corpus = new File([new Uint8Array([2])], 'wikitext-2-v1.zip');
    await store.getState().takeFiles([weights, corpus]);
    expect(store.getState().data.embeddingsFile).toBe(weights);
    expect(store.getState().data.files).toEqual([corpus]);
    expect(worker.requests.at(-1)).toMatchObject({ type: 'inspect-data', files: [{ name: 'wikitext-2-v1.zip' }] });
    await store.getState().takeFiles([weights, new File([new Uint8Array([3])], 'other.safetensors')]);
    expect(store.getState().data.error).toBe("model.safetensors, other.safetensors: drop one model.safetensors, GPT-1's, for the embeddings");
  });
});
