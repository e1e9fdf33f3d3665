// Messages to and from the analysis worker (src/worker/analysis-worker.ts), which runs the
// float64 analyses of full factors off the page's thread.

import type { FactorAnalysis } from './factor-analysis-types';

export interface AnalysisRequest {
  readonly id: number;
  /** n*n row-major entries of a full factor. */
  readonly values: Float32Array;
  readonly n: number;
  /** Seeds the perturbation's noise, so the same matrix and seed give the same spectra. */
  readonly seed: number;
}

export type AnalysisResponse = { readonly id: number; readonly analysis: FactorAnalysis } | { readonly id: number; readonly error: string };
