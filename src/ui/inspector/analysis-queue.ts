// The analyses the panel waits for, run one at a time in the analysis worker: the first factor
// wanted that still needs one. A new list of wanted factors that leaves out the one being
// analysed ends that analysis (and its worker). Outside React, so the panel subscribes to its
// progress (useSyncExternalStore) and tests drive it with a fake worker.

import { AnalysisCancelled, type AnalysisClient } from './analysis-client';
import { blockMax } from './downsample';
import { keyText, sameKey, type AnalysedFactor, type FactorKey, type FullMatrix } from './inspector-state';

export interface AnalysisProgress {
  /** The factor being analysed, when it started (performance.now() ms) and its size. */
  readonly running: { readonly key: FactorKey; readonly startedAt: number; readonly n: number } | null;
  /** Analyses that failed, by keyText. */
  readonly errors: Readonly<Record<string, string>>;
}

export interface AnalysisQueueHooks {
  /** The full factor of `key` when it still needs an analysis (kept, and not analysed yet). */
  needs(key: FactorKey): FullMatrix | undefined;
  /** Keeps a finished analysis, with its matrices in blocks and its full frequency field. */
  keep(analysed: AnalysedFactor, frequency: FullMatrix): void;
  now?: () => number;
}

const pick = ({ run, layer, side, step }: FactorKey): FactorKey => ({ run, layer, side, step });

export class AnalysisQueue {
  private wanted: readonly FactorKey[] = [];
  private seed = 0;
  private current: FactorKey | null = null;
  private progress: AnalysisProgress = { running: null, errors: {} };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly client: AnalysisClient,
    private readonly hooks: AnalysisQueueHooks,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): AnalysisProgress => this.progress;

  /** The factors to analyse, in order, and the perturbation's seed. */
  want(wanted: readonly FactorKey[], seed: number): void {
    this.wanted = wanted.map(pick);
    this.seed = seed;
    this.pump();
  }

  dispose(): void {
    this.current = null;
    this.client.dispose();
    this.listeners.clear();
  }

  private publish(progress: AnalysisProgress): void {
    this.progress = progress;
    for (const listener of this.listeners) listener();
  }

  private pump(): void {
    const running = this.current;
    if (running && !this.wanted.some((key) => sameKey(key, running))) {
      // Superseded by a new selection: the worker is ended mid-analysis.
      this.current = null;
      this.client.cancel();
    }
    if (this.current) return;
    const next = this.wanted.find((key) => this.progress.errors[keyText(key)] === undefined && this.hooks.needs(key));
    if (!next) {
      if (this.progress.running) this.publish({ ...this.progress, running: null });
      return;
    }
    const matrix = this.hooks.needs(next)!;
    this.current = next;
    this.publish({ ...this.progress, running: { key: next, startedAt: (this.hooks.now ?? performance.now.bind(performance))(), n: matrix.n } });
    this.client.analyse(matrix.values, matrix.n, this.seed).then(
      (analysis) => {
        if (this.current !== next) return;
        this.current = null;
        const { frequency, ...numbers } = analysis;
        this.hooks.keep(
          { ...next, analysis: numbers, heatmap: blockMax(matrix.values, matrix.n), frequency: blockMax(frequency, matrix.n) },
          { ...next, kind: 'frequency', n: matrix.n, values: frequency },
        );
        this.publish({ ...this.progress, running: null });
        this.pump();
      },
      (error: unknown) => {
        if (error instanceof AnalysisCancelled || this.current !== next) return;
        this.current = null;
        const message = error instanceof Error ? error.message : String(error);
        this.publish({ running: null, errors: { ...this.progress.errors, [keyText(next)]: message } });
        this.pump();
      },
    );
  }
}
