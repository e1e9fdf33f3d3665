// The bench entry of the headless page: runs the bench in its own worker (as training runs
// off the page's thread) and relays every message to the Node side through the binding
// Playwright exposes (window.__playgroundReport, declared in headless-page.ts).

import type { BenchOptions } from '../engine/bench/bench-configs';
import type { BenchMessage, BenchResult } from '../engine/bench/bench-report';
import type { BenchRequest } from '../worker/bench-worker';

declare global {
  interface Window {
    playgroundBench: { run(options: Partial<BenchOptions>): Promise<BenchResult> };
  }
}

window.playgroundBench = {
  run(options) {
    const worker = new Worker(new URL('../worker/bench-worker.ts', import.meta.url), { type: 'module', name: 'bench' });
    return new Promise<BenchResult>((resolve, reject) => {
      const finish = (settle: () => void) => {
        worker.terminate();
        settle();
      };
      worker.onerror = (event) => finish(() => reject(new Error(`The bench worker failed: ${event.message}`)));
      worker.onmessage = async (event: MessageEvent<BenchMessage>) => {
        const message = event.data;
        // Awaited so the Node side holds the result before the page's promise settles.
        await window.__playgroundReport?.(message);
        if (message.type === 'bench-result') finish(() => resolve(message.result));
        else if (message.type === 'bench-error') finish(() => reject(new Error(message.message)));
      };
      const request: BenchRequest = { type: 'bench', options };
      worker.postMessage(request);
    });
  },
};
