/// <reference lib="webworker" />
// The engine runs here, off the page's thread; the page sees only messages.

import { readDataFiles } from '../engine/data/load/data-files';
import { inspectDataFiles } from '../engine/data/load/dropped-files';
import { createGpuContext, type GpuContext } from '../engine/gpu/context';
import { WebGpuUnavailableError } from '../engine/gpu/errors';
import { runDeviceCheck } from '../engine/nn/device-check';
import type { WorkerRequest, WorkerResponse } from './protocol';
import { TrainingSession } from './training-session';
import { unhandledMessage } from './unhandled-message';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: WorkerResponse, transfer: Transferable[] = []) => self.postMessage(message, transfer);
let context: Promise<GpuContext> | null = null;
const session = new TrainingSession(post);

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
    case 'init':
      try {
        post({ type: 'ready', adapter: (await gpu()).adapter });
      } catch (error) {
        context = null;
        if (error instanceof WebGpuUnavailableError) post({ type: 'unavailable', message: error.message });
        else throw error;
      }
      return;
    case 'device-check':
      post({ type: 'device-check-result', result: await runDeviceCheck(await gpu(), request.preset, request.batch, request.seed) });
      return;
    case 'inspect-data':
      post({ type: 'data-inspected', summary: await inspectDataFiles(await readDataFiles(request.files)) });
      return;
    case 'warm':
      return session.warm(await gpu(), request.config);
    case 'train': {
      const received = performance.now();
      return session.start(await gpu(), request, received);
    }
    case 'pause':
      return session.pause(request.run);
    case 'resume':
      return session.resume(request.run);
    case 'stop':
      return session.stop(request.run);
    case 'sample':
      return session.sample(request);
    case 'export-checkpoint':
      return session.exportCheckpoint(request.run);
    case 'landscape-settings':
      return session.landscapeSettings(request.settings);
    case 'export-landscape':
      return session.exportLandscape();
    case 'inspect-settings':
      return session.inspectSettings(request.settings);
    case 'profile-step':
      return session.profileStep(request.run);
    default:
      return unhandledMessage(request);
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  handle(event.data).catch((error: unknown) => {
    post({ type: 'error', request: event.data.type, message: error instanceof Error ? error.message : String(error) });
  });
};
