// The page the command line drives: it starts the same training worker as the playground and
// relays every message to the Node side through the binding Playwright exposes. Bytes travel
// as base64 because the binding carries JSON.

import type { TrainRequest, WorkerRequest, WorkerResponse } from '../worker/protocol';

type Base64<T> = T extends { bytes: Uint8Array } ? Omit<T, 'bytes'> & { bytes: string } : T;
type WithBytes = Extract<WorkerResponse, { bytes: Uint8Array }>;

/** A worker message as the Node side receives it: checkpoint and landscape bytes as base64 text. */
export type RelayedMessage = Exclude<WorkerResponse, WithBytes> | Base64<WithBytes>;

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
  if (message.type === 'checkpoint-export' || message.type === 'landscape-export') return { ...message, bytes: toBase64(message.bytes) };
  return message;
}

/** Whether the config (as written, before the worker validates it) asks for a landscape: a landscape section is on unless it says enabled: false. */
function wantsLandscape(config: unknown): boolean {
  const landscape = (config as { landscape?: { enabled?: unknown } } | null)?.landscape;
  return typeof landscape === 'object' && landscape !== null && landscape.enabled !== false;
}

window.playgroundHeadless = {
  train(request) {
    const worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
    return new Promise<void>((resolve, reject) => {
      // Once training finishes (and the landscape has settled: its last grid filled after the
      // last step), the final weights of every run and the landscape's plane are asked for;
      // the session ends with the last answer.
      const landscape = wantsLandscape(request.config);
      let runs: string[] | null = null;
      let settled = !landscape;
      const waitingFor = new Set<string>();
      const LANDSCAPE = '\0landscape';
      const finish = () => {
        resolve();
        worker.terminate();
      };
      const requestExports = () => {
        if (runs === null || !settled) return;
        for (const run of runs) {
          waitingFor.add(run);
          worker.postMessage({ type: 'export-checkpoint', run } satisfies WorkerRequest);
        }
        if (landscape) {
          waitingFor.add(LANDSCAPE);
          worker.postMessage({ type: 'export-landscape' } satisfies WorkerRequest);
        }
        if (waitingFor.size === 0) finish();
      };
      worker.onerror = (event) => reject(new Error(`The training worker failed: ${event.message}`));
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
        const message = event.data;
        void window.__playgroundReport?.(relay(message));
        if (message.type === 'error' || message.type === 'unavailable' || message.type === 'device-lost') {
          reject(new Error(message.message));
          worker.terminate();
        } else if (message.type === 'trainer-event' && message.event.type === 'finished') {
          runs = message.event.summaries.map((summary) => summary.run);
          requestExports();
        } else if (message.type === 'trainer-event' && message.event.type === 'landscape' && message.event.frame.settled && !settled) {
          settled = true;
          requestExports();
        } else if (message.type === 'checkpoint-export' || message.type === 'landscape-export') {
          waitingFor.delete(message.type === 'checkpoint-export' ? message.run : LANDSCAPE);
          if (waitingFor.size === 0) finish();
        }
      };
      worker.postMessage(request satisfies WorkerRequest);
    });
  },
};
