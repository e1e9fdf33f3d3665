// What the command line asks the worker for once training is over: every run's final weights
// and, when the config has a landscape, its plane as safetensors. The landscape's last grid
// may still be filling after the last step, so the exports wait for a settled frame.

import type { WorkerRequest, WorkerResponse } from '../worker/protocol';

/** Whether a config (as written, before the worker validates it) asks for a landscape: a landscape section is on unless it says enabled: false. */
export function wantsLandscape(config: unknown): boolean {
  const landscape = (config as { landscape?: { enabled?: unknown } } | null)?.landscape;
  return typeof landscape === 'object' && landscape !== null && landscape.enabled !== false;
}

/** Follows the worker's messages; posts the export requests when training has finished and the landscape (if any) has settled, and calls `done` when every answer is in. */
export class FinalExports {
  private runs: string[] | null = null;
  private settled: boolean;
  private readonly waitingFor = new Set<string>();
  private requested = false;

  constructor(
    private readonly landscape: boolean,
    private readonly post: (request: WorkerRequest) => void,
    private readonly done: () => void,
  ) {
    this.settled = !landscape;
  }

  onMessage(message: WorkerResponse): void {
    if (message.type === 'trainer-event' && message.event.type === 'finished') {
      this.runs = message.event.summaries.map((summary) => summary.run);
      this.request();
    } else if (message.type === 'trainer-event' && message.event.type === 'landscape' && message.event.frame.settled) {
      this.settled = true;
      this.request();
    } else if (message.type === 'checkpoint-export' || message.type === 'landscape-export') {
      if (this.waitingFor.delete(message.type === 'checkpoint-export' ? `run:${message.run}` : 'landscape') && this.waitingFor.size === 0) this.done();
    }
  }

  private request(): void {
    if (this.requested || this.runs === null || !this.settled) return;
    this.requested = true;
    for (const run of this.runs) {
      this.waitingFor.add(`run:${run}`);
      this.post({ type: 'export-checkpoint', run });
    }
    if (this.landscape) {
      this.waitingFor.add('landscape');
      this.post({ type: 'export-landscape' });
    }
    if (this.waitingFor.size === 0) this.done();
  }
}
