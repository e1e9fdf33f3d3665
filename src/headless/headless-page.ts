// The page the command line drives: it starts the same training worker as the playground and
// relays every message to the Node side through the binding Playwright exposes. Bytes travel
// as base64 because the binding carries JSON.

import type { TrainRequest, WorkerRequest, WorkerResponse } from '../worker/protocol';

type Base64<T> = T extends { bytes: Uint8Array } ? Omit<T, 'bytes'> & { bytes: string } : T;

/** A worker message as the Node side receives it: checkpoint bytes as base64 text. */
export type RelayedMessage = Exclude<WorkerResponse, { type: 'checkpoint-export' }> | Base64<Extract<WorkerResponse, { type: 'checkpoint-export' }>>;

declare global {
  interface Window {
    __playgroundReport?: (message: unknown) => Promise<void>;
    playgroundHeadless: { train(request: TrainRequest): Promise<void> };
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function relay(message: WorkerResponse): RelayedMessage {
  if (message.type === 'checkpoint-export') return { ...message, bytes: toBase64(message.bytes) };
  return message;
}

window.playgroundHeadless = {
  train(request) {
    const worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
    return new Promise<void>((resolve, reject) => {
      // Once training finishes, the final weights of every run are asked for; the session ends with the last.
      const waitingFor = new Set<string>();
      worker.onerror = (event) => reject(new Error(`The training worker failed: ${event.message}`));
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
        const message = event.data;
        void window.__playgroundReport?.(relay(message));
        if (message.type === 'error' || message.type === 'unavailable' || message.type === 'device-lost') {
          reject(new Error(message.message));
          worker.terminate();
        } else if (message.type === 'trainer-event' && message.event.type === 'finished') {
          for (const { run } of message.event.summaries) {
            waitingFor.add(run);
            worker.postMessage({ type: 'export-checkpoint', run } satisfies WorkerRequest);
          }
          if (waitingFor.size === 0) resolve();
        } else if (message.type === 'checkpoint-export') {
          waitingFor.delete(message.run);
          if (waitingFor.size === 0) {
            resolve();
            worker.terminate();
          }
        }
      };
      worker.postMessage(request satisfies WorkerRequest);
    });
  },
};
