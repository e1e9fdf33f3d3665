import { create } from 'zustand';
import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary }
  | { state: 'unavailable'; message: string }
  | { state: 'lost'; message: string };

interface PlaygroundState {
  gpu: GpuStatus;
  checkPreset: string;
  checkBatch: number;
  checkRunning: boolean;
  checkResult: DeviceCheckResult | null;
  error: string | null;
  setCheckPreset(preset: string): void;
  setCheckBatch(batch: number): void;
  runDeviceCheck(): void;
}

let worker: Worker | null = null;

function send(request: WorkerRequest): void {
  worker?.postMessage(request);
}

export const usePlayground = create<PlaygroundState>((set, get) => ({
  gpu: { state: 'starting' },
  checkPreset: 'cnn-small',
  checkBatch: 8,
  checkRunning: false,
  checkResult: null,
  error: null,
  setCheckPreset: (checkPreset) => set({ checkPreset }),
  setCheckBatch: (checkBatch) => set({ checkBatch }),
  runDeviceCheck: () => {
    const { checkPreset, checkBatch } = get();
    set({ checkRunning: true, error: null });
    send({ type: 'device-check', preset: checkPreset, batch: checkBatch, seed: 1 });
  },
}));

function receive(message: WorkerResponse): void {
  const set = usePlayground.setState;
  switch (message.type) {
    case 'ready':
      set({ gpu: { state: 'ready', adapter: message.adapter } });
      break;
    case 'unavailable':
      set({ gpu: { state: 'unavailable', message: message.message } });
      break;
    case 'device-lost':
      set({ gpu: { state: 'lost', message: message.message }, checkRunning: false });
      break;
    case 'device-check-result':
      set({ checkResult: message.result, checkRunning: false });
      break;
    case 'error':
      set({ error: message.message, checkRunning: false });
      break;
  }
}

/** Starts the training worker once; the page talks to the engine only through it. */
export function startWorker(): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => receive(event.data);
  worker.onerror = (event) => usePlayground.setState({ error: `The training worker failed: ${event.message}` });
  send({ type: 'init' });
}
