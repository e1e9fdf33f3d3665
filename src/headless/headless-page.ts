// The page the command line drives: it starts the same training worker as the playground and
// relays every message to the Node side through the binding Playwright exposes. Bytes travel
// as base64 because the binding carries JSON.

import type { TrainerEvent } from '../engine/train/events';
import type { TrainRequest, WorkerResponse } from '../worker/protocol';

type Base64<T> = T extends { bytes: Uint8Array } ? Omit<T, 'bytes'> & { bytes: string } : T;

/** A worker message as the Node side receives it: checkpoint bytes as base64 text. */
export type RelayedMessage =
  | Exclude<WorkerResponse, { type: 'checkpoint-export' } | { type: 'trainer-event' }>
  | Base64<Extract<WorkerResponse, { type: 'checkpoint-export' }>>
  | { type: 'trainer-event'; event: Base64<TrainerEvent> };

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
  if (message.type === 'trainer-event') {
    const { event } = message;
    return { type: 'trainer-event', event: event.type === 'checkpoint' ? { ...event, bytes: toBase64(event.bytes) } : event };
  }
  return message;
}

window.playgroundHeadless = {
  train(request) {
    const worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
    return new Promise<void>((resolve, reject) => {
      // The session ends when the last run's final checkpoint has been sent.
      let lastRun = '';
      worker.onerror = (event) => reject(new Error(`The training worker failed: ${event.message}`));
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
        const message = event.data;
        void window.__playgroundReport?.(relay(message));
        if (message.type === 'training-started') lastRun = message.runs.at(-1)!;
        if (message.type === 'error' || message.type === 'unavailable' || message.type === 'device-lost') {
          reject(new Error(message.message));
          worker.terminate();
        } else if (message.type === 'checkpoint-export' && message.run === lastRun) {
          resolve();
          worker.terminate();
        }
      };
      worker.postMessage(request);
    });
  },
};
