// The page's end of the training worker: starts it, posts requests to it, and feeds what it
// answers to the state (worker-messages.ts). The worker itself is behind ConnectWorker, so
// tests drive the page with a fake one.

import type { WorkerRequest, WorkerResponse } from '../worker/protocol';
import type { PlaygroundStore } from './playground-state';
import { setupToConfig } from './setup';
import { receiveWorkerResponse, type MessageEffects } from './worker-messages';

export interface WorkerConnection {
  post(request: WorkerRequest): void;
  terminate(): void;
}

/** Starts a worker that calls `onMessage` with each response, and `onError` when its script fails. */
export type ConnectWorker = (onMessage: (message: WorkerResponse) => void, onError: (message: string) => void) => WorkerConnection;

export interface WorkerBridge {
  /** Starts the worker (once), asks it for the GPU and to compile the setup's pipelines. */
  start(): void;
  /** Posts a request; before start or after stop there is no worker and the request is dropped. */
  send(request: WorkerRequest): void;
  /** Ends the worker, and with it any training. */
  stop(): void;
}

/** The training worker of the built page (Vite bundles the worker from this `new URL`). */
export const connectTrainingWorker: ConnectWorker = (onMessage, onError) => {
  const worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => onMessage(event.data);
  worker.onerror = (event) => onError(event.message);
  return { post: (request) => worker.postMessage(request), terminate: () => worker.terminate() };
};

export function createWorkerBridge(store: PlaygroundStore, connect: ConnectWorker, effects: MessageEffects): WorkerBridge {
  let connection: WorkerConnection | null = null;
  return {
    start() {
      if (connection) return;
      connection = connect(
        (message) => receiveWorkerResponse(store, message, effects),
        (message) => store.setState({ error: `The training worker failed: ${message}` }),
      );
      connection.post({ type: 'init' });
      // While the page waits for Start, the worker compiles the setup's pipelines.
      connection.post({ type: 'warm', config: setupToConfig(store.getState().setup) });
    },
    send(request) {
      connection?.post(request);
    },
    stop() {
      connection?.terminate();
      connection = null;
    },
  };
}
