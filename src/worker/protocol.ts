// Messages between the page and the training worker: plain, structured-cloneable data only.

import type { AdapterSummary } from '../engine/gpu/context';
import type { DeviceCheckResult } from '../engine/nn/device-check';

export type WorkerRequest =
  | { type: 'init' }
  | { type: 'device-check'; preset: string; batch: number; seed: number };

export type WorkerResponse =
  | { type: 'ready'; adapter: AdapterSummary }
  | { type: 'unavailable'; message: string }
  | { type: 'device-check-result'; result: DeviceCheckResult }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; request: WorkerRequest['type']; message: string };
