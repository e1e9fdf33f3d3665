// The page the command line drives: it starts the same training worker as the playground and
// relays every message to the Node side through the binding Playwright exposes. Bytes travel
// as base64 because the binding carries JSON.

import type { FullFactor, InspectionRecord } from '../engine/inspect/inspect-types';
import type { TrainRequest, WorkerRequest, WorkerResponse } from '../worker/protocol';
import { FinalExports, wantsLandscape } from './final-exports';

type Base64<T> = T extends { bytes: Uint8Array } ? Omit<T, 'bytes'> & { bytes: string } : T;
type WithBytes = Extract<WorkerResponse, { bytes: Uint8Array }>;

/** An inspector measurement as the Node side receives it: each full factor's float32 entries as base64 text. */
export interface RelayedInspection {
  type: 'inspection';
  record: Omit<InspectionRecord, 'factors'> & { factors: (Omit<FullFactor, 'values'> & { values: string })[] };
}

/** A worker message as the Node side receives it: checkpoint and landscape bytes as base64 text, inspections on their own. */
export type RelayedMessage = Exclude<WorkerResponse, WithBytes> | Base64<WithBytes> | RelayedInspection;

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

const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

function relay(message: WorkerResponse): RelayedMessage {
  if (message.type === 'checkpoint-export' || message.type === 'landscape-export') return { ...message, bytes: toBase64(message.bytes) };
  if (message.type === 'trainer-event' && message.event.type === 'inspection') {
    const { record } = message.event;
    return { type: 'inspection', record: { ...record, factors: record.factors.map((factor) => ({ ...factor, values: toBase64(bytesOf(factor.values)) })) } };
  }
  return message;
}

window.playgroundHeadless = {
  train(request) {
    const worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
    return new Promise<void>((resolve, reject) => {
      // Once training finishes (and the landscape has settled), the final weights of every run
      // and the landscape's plane are asked for; the session ends with the last answer.
      const exports = new FinalExports(
        wantsLandscape(request.config),
        (message) => worker.postMessage(message),
        () => {
          resolve();
          worker.terminate();
        },
      );
      worker.onerror = (event) => reject(new Error(`The training worker failed: ${event.message}`));
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
        const message = event.data;
        void window.__playgroundReport?.(relay(message));
        if (message.type === 'error' || message.type === 'unavailable' || message.type === 'device-lost') {
          reject(new Error(message.message));
          worker.terminate();
        } else exports.onMessage(message);
      };
      worker.postMessage(request satisfies WorkerRequest);
    });
  },
};
