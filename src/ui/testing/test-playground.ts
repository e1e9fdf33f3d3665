// Fakes for the playground's surroundings, shared by its unit and component tests: a worker
// that records requests and answers when told, a Storage in memory, and a playground built
// on them. Test code only: nothing in the page imports this module.

import type { AdapterSummary } from '../../engine/gpu/context';
import type { MetricsRow, RunState, RunSummary, TrainerEvent } from '../../engine/train/events';
import type { WorkerRequest, WorkerResponse } from '../../worker/protocol';
import { memoryHistory, type History } from '../persistence';
import { createPlayground, type Playground } from '../playground';
import type { ConnectWorker } from '../worker-bridge';

export const TEST_ADAPTER: AdapterSummary = {
  vendor: 'test',
  architecture: 'fake',
  device: 'fake device',
  description: 'a fake adapter',
  isFallbackAdapter: false,
  maxBufferSize: 2 ** 28,
  maxStorageBufferBindingSize: 2 ** 27,
  maxComputeWorkgroupStorageSize: 32768,
};

export interface FakeWorker {
  connect: ConnectWorker;
  /** Every request the page posted, in order. */
  requests: WorkerRequest[];
  /** Delivers a response as the worker would. */
  answer(message: WorkerResponse): void;
  event(event: TrainerEvent): void;
  fail(message: string): void;
  terminated: boolean;
}

export function fakeWorker(): FakeWorker {
  let onMessage: ((message: WorkerResponse) => void) | null = null;
  let onError: ((message: string) => void) | null = null;
  const fake: FakeWorker = {
    requests: [],
    terminated: false,
    connect: (message, error) => {
      onMessage = message;
      onError = error;
      fake.terminated = false;
      return { post: (request) => fake.requests.push(request), terminate: () => (fake.terminated = true) };
    },
    answer: (message) => {
      if (!onMessage) throw new Error('The page has not started the worker.');
      onMessage(message);
    },
    event: (event) => fake.answer({ type: 'trainer-event', event }),
    fail: (message) => onError?.(message),
  };
  return fake;
}

/** A Storage held in a Map (Node has no localStorage). */
export function memoryStorage(entries: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(entries));
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

export interface TestPlayground extends Playground {
  worker: FakeWorker;
  history: History;
  storage: Storage;
  savedFiles: { name: string; bytes: Uint8Array }[];
}

export function testPlayground(options: { history?: History; storage?: Storage; saveFile?: (name: string, bytes: Uint8Array) => void } = {}): TestPlayground {
  const worker = fakeWorker();
  const history = options.history ?? memoryHistory();
  const storage = options.storage ?? memoryStorage();
  const savedFiles: { name: string; bytes: Uint8Array }[] = [];
  const playground = createPlayground({
    connectWorker: worker.connect,
    openHistory: async () => history,
    storage,
    saveFile: options.saveFile ?? ((name, bytes) => savedFiles.push({ name, bytes })),
  });
  return { ...playground, worker, history, storage, savedFiles };
}

export function metricsRow(step: number, loss = 2.3 - 0.01 * step): MetricsRow {
  return { step, epoch: step / 100, train_loss: loss, train_accuracy: 0.1, lr: 1e-3, ms_per_step: 5, wall_time: step * 0.005 };
}

export function runSummary(run: string, state: RunState = 'finished'): RunSummary {
  return {
    run,
    optimizer: run,
    state,
    steps: 50,
    train_loss_first: 2.29,
    train_loss_last: 1.8,
    test_loss: 1.9,
    test_accuracy: 0.4,
    val_perplexity: null,
    test_perplexity: null,
    ms_per_step_median: 5,
    gpu_bytes: { parameters: 4096, gradients: 4096, optimizer_state: 8192, total: 16384, held: 65536 },
    adapter: TEST_ADAPTER.description,
  };
}

export interface TrainStepsOptions {
  /** Called after each message (a component test lets React render there, as between worker messages). */
  afterMessage?: () => unknown;
  /** Called once the session has started and its runs are running, before the first step. */
  beforeSteps?: () => unknown;
}

/**
 * A session as the worker reports it: started, each run running, then `steps` steps of a
 * metrics row per run and a progress event. Leaves the session training (no `finished`).
 */
export async function trainSteps(
  playground: TestPlayground,
  steps: number,
  { afterMessage = () => undefined, beforeSteps = () => undefined }: TrainStepsOptions = {},
): Promise<void> {
  const { worker, store } = playground;
  const names = store.getState().runs.map((run) => run.name);
  worker.answer({ type: 'training-started', runs: names, totalSteps: steps, stepsPerEpoch: 100, adapter: TEST_ADAPTER });
  await afterMessage();
  for (const run of names) {
    worker.event({ type: 'run-state', run, state: 'running' });
    await afterMessage();
  }
  await beforeSteps();
  for (let step = 1; step <= steps; step++) {
    for (const run of names) {
      worker.event({ type: 'metrics', run, row: metricsRow(step) });
      await afterMessage();
    }
    worker.event({ type: 'progress', step, totalSteps: steps, epoch: step / 100, runs: Object.fromEntries(names.map((name) => [name, step])) });
    await afterMessage();
  }
}

/** Every run finished, with a summary, as the worker ends a session. */
export function finishSession(playground: TestPlayground): void {
  const names = playground.store.getState().runs.map((run) => run.name);
  for (const run of names) playground.worker.event({ type: 'run-state', run, state: 'finished' });
  playground.worker.event({ type: 'finished', summaries: names.map((name) => runSummary(name)) });
}
