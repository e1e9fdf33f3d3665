/// <reference lib="webworker" />
// The engine runs here, off the page's thread; the page sees only messages.

import { createGpuContext, type GpuContext } from '../engine/gpu/context';
import { WebGpuUnavailableError } from '../engine/gpu/errors';
import { runDeviceCheck } from '../engine/nn/device-check';
import type { WorkerRequest, WorkerResponse } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: WorkerResponse) => self.postMessage(message);
let context: Promise<GpuContext> | null = null;

function gpu(): Promise<GpuContext> {
  context ??= createGpuContext({
    onDeviceLost: (error) => {
      context = null;
      post({ type: 'device-lost', message: error.message });
    },
  });
  return context;
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'init': {
      try {
        post({ type: 'ready', adapter: (await gpu()).adapter });
      } catch (error) {
        context = null;
        if (error instanceof WebGpuUnavailableError) post({ type: 'unavailable', message: error.message });
        else throw error;
      }
      return;
    }
    case 'device-check': {
      const result = await runDeviceCheck(await gpu(), request.preset, request.batch, request.seed);
      post({ type: 'device-check-result', result });
      return;
    }
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  handle(event.data).catch((error: unknown) => {
    post({ type: 'error', request: event.data.type, message: error instanceof Error ? error.message : String(error) });
  });
};
