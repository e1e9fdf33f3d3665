// The page's end of the analysis worker (src/worker/analysis-worker.ts): one request at a
// time per client, answered by id; `cancel` ends the worker mid-analysis (a 2048 x 2048
// eigen-decomposition cannot be interrupted any other way) and the next request starts a new one.

import type { AnalysisRequest, AnalysisResponse } from '../../engine/inspect/analysis/analysis-protocol';
import type { FactorAnalysis } from '../../engine/inspect/analysis/factor-analysis-types';

export interface AnalysisWorkerLike {
  postMessage(message: AnalysisRequest): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<AnalysisResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

export type CreateAnalysisWorker = () => AnalysisWorkerLike;

/** The built page's analysis worker (Vite bundles it from this `new URL`). */
export const createAnalysisWorker: CreateAnalysisWorker = () =>
  new Worker(new URL('../../worker/analysis-worker.ts', import.meta.url), { type: 'module', name: 'analysis' }) as unknown as AnalysisWorkerLike;

export class AnalysisCancelled extends Error {
  constructor() {
    super('The analysis was superseded by a newer selection.');
    this.name = 'AnalysisCancelled';
  }
}

interface Pending {
  id: number;
  resolve(analysis: FactorAnalysis): void;
  reject(error: Error): void;
}

export class AnalysisClient {
  private worker: AnalysisWorkerLike | null = null;
  private pending: Pending | null = null;
  private nextId = 1;

  constructor(private readonly create: CreateAnalysisWorker = createAnalysisWorker) {}

  /** Whether a request is waiting for its answer. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** The analyses of an n x n matrix (the values are copied to the worker); one request at a time. */
  analyse(values: Float32Array, n: number, seed: number): Promise<FactorAnalysis> {
    if (this.pending) throw new Error('AnalysisClient: one analysis at a time; cancel the running one first');
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<FactorAnalysis>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({ id, values, n, seed });
    });
  }

  /** Ends the running analysis, if any (its promise rejects with AnalysisCancelled), and the worker with it. */
  cancel(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.worker?.terminate();
    this.worker = null;
    pending.reject(new AnalysisCancelled());
  }

  dispose(): void {
    this.cancel();
    this.worker?.terminate();
    this.worker = null;
  }

  private started(): AnalysisWorkerLike {
    if (this.worker) return this.worker;
    const worker = this.create();
    worker.onmessage = (event) => {
      const pending = this.pending;
      if (!pending || event.data.id !== pending.id) return;
      this.pending = null;
      if ('error' in event.data) pending.reject(new Error(event.data.error));
      else pending.resolve(event.data.analysis);
    };
    worker.onerror = (event) => {
      const pending = this.pending;
      this.pending = null;
      this.worker?.terminate();
      this.worker = null;
      pending?.reject(new Error(`The analysis worker failed: ${event.message || 'its script did not load'}`));
    };
    this.worker = worker;
    return worker;
  }
}
