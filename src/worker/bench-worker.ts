/// <reference lib="webworker" />
// Runs the bench off the page's thread on a device of its own, and posts the rows as they
// are measured, then the result. A WebGPU error fails the bench: timings of a step the
// device rejected mean nothing.

import { resolveBenchOptions, type BenchOptions } from '../engine/bench/bench-configs';
import { runBench } from '../engine/bench/bench';
import type { BenchMessage } from '../engine/bench/bench-report';
import { createGpuContext, describeAdapter } from '../engine/gpu/context';

declare const self: DedicatedWorkerGlobalScope;

export interface BenchRequest {
  type: 'bench';
  options: Partial<BenchOptions>;
}

const post = (message: BenchMessage) => self.postMessage(message);
let failed = false;

/** Reports the first failure only; the page stops the worker on it. */
function fail(message: string): void {
  if (!failed) post({ type: 'bench-error', message });
  failed = true;
}

async function bench(request: Partial<BenchOptions>): Promise<void> {
  const options = resolveBenchOptions(request);
  const newContext = () =>
    createGpuContext({
      onDeviceLost: (error) => fail(error.message),
      onUncapturedError: (message) => fail(`WebGPU reported an error during the bench: ${message}`),
    });
  const ctx = await newContext();
  try {
    post({ type: 'bench-started', adapter_description: describeAdapter(ctx.adapter), options });
    const result = await runBench(
      ctx,
      options,
      (row) => post({ type: 'bench-row', row }),
      (preset, optimizer) => post({ type: 'bench-progress', preset, optimizer }),
      () => post({ type: 'bench-landscape-progress', what: 'cnn-small with the landscape off and on, and one whole grid' }),
      (what) => post({ type: 'bench-inspect-progress', what }),
      () => post({ type: 'bench-first-step-progress' }),
      newContext,
      () => post({ type: 'bench-pipelining-progress' }),
    );
    if (!failed) post({ type: 'bench-result', result });
  } finally {
    ctx.destroy();
  }
}

self.onmessage = (event: MessageEvent<BenchRequest>) => {
  bench(event.data.options).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
};
