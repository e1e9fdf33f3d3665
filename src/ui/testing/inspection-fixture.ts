// Synthetic inspector data for the page's tests: measurements of cnn-small's layers as the
// worker reports them, and a stand-in for the analysis worker that computes the cheap parts of
// an analysis exactly (range, Gershgorin discs, diagonal share) and the rest from them, so a
// test can check what the panel draws against numbers it can work out. Test code only.

import type { AnalysisRequest, AnalysisResponse } from '../../engine/inspect/analysis/analysis-protocol';
import type { FactorAnalysis } from '../../engine/inspect/analysis/factor-analysis-types';
import type { FullFactor, InspectionRecord } from '../../engine/inspect/inspect-types';
import type { AnalysisWorkerLike } from '../inspector/analysis-client';

/** cnn-small's factor sizes at any batch: conv1 H 27, S 16; conv2 H 144, S 32; fc H 2048, S 10. */
export const CNN_SMALL_SIZES: Record<string, { h: number; s: number }> = { conv1: { h: 27, s: 16 }, conv2: { h: 144, s: 32 }, fc: { h: 2048, s: 10 } };

/** A symmetric matrix whose off-diagonal decays as decay^|i−j|, on a diagonal of 1. */
export function bandedMatrix(n: number, decay: number): Float32Array {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values[i * n + j] = decay ** Math.abs(i - j);
  return values;
}

export function fullFactor(layer: string, side: 'H' | 'S', n: number, decay = 0.3): FullFactor {
  return { layer, side, n, values: bandedMatrix(n, decay) };
}

/** A measurement of every cnn-small layer; shares fall with the step; F̃ when `damping` is given; full factors of `full` layers. */
export function inspectionRecord(run: string, step: number, { full = [] as string[], damping = null as number | null, decay = 0.3 } = {}): InspectionRecord {
  const layers = Object.keys(CNN_SMALL_SIZES);
  return {
    run,
    step,
    shares: layers.map((layer, i) => ({ layer, h: 0.9 - 0.001 * step - 0.1 * i, s: 0.95 - 0.001 * step })),
    fisher:
      damping === null
        ? null
        : { damping, layers: layers.map((layer, i) => ({ layer, min: damping * 1.01, median: damping * (2 + i), max: damping * (100 + step) })) },
    factors: full.flatMap((layer) => [fullFactor(layer, 'H', CNN_SMALL_SIZES[layer].h, decay), fullFactor(layer, 'S', CNN_SMALL_SIZES[layer].s, decay)]),
  };
}

/** The analysis a real worker would give in its cheap parts; eigenvalues stand in as the centres (exact for a diagonal matrix). */
export function syntheticAnalysis({ values, n, seed }: Pick<AnalysisRequest, 'values' | 'n' | 'seed'>): FactorAnalysis {
  let min = Infinity;
  let max = -Infinity;
  let diagonal = 0;
  let total = 0;
  const centers: number[] = [];
  const radii: number[] = [];
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) {
      const value = values[i * n + j];
      min = Math.min(min, value);
      max = Math.max(max, value);
      total += value * value;
      row += Math.abs(value);
    }
    const centre = values[i * n + i];
    diagonal += centre * centre;
    centers.push(centre);
    radii.push(row - Math.abs(centre));
  }
  const ascending = [...centers].sort((a, b) => a - b);
  // A frequency field with one zero (−∞ after the log) to show how gaps are drawn and exported.
  const frequency = new Float32Array(n * n).map((_, k) => (k === 0 ? -Infinity : Math.log(1 + k)));
  return {
    n,
    range: { min, max },
    gershgorin: { centers, radii },
    eigenvalues: { re: ascending, im: ascending.map(() => 0) },
    perturbation: { sigma: 1e-3, seed, clean: ascending, noisy: ascending.map((value) => value * 1.001) },
    frequency,
    snrDb: 42,
    diagonalShare: diagonal / total,
    milliseconds: 12,
  };
}

export interface FakeAnalysisWorkers {
  create(): AnalysisWorkerLike;
  /** Requests every worker received, in order. */
  requests: AnalysisRequest[];
  /** Workers started and how many were ended. */
  started: number;
  terminated: number;
  /** Answers the oldest unanswered request (of a live worker) with its synthetic analysis, or an error. */
  answer(error?: string): void;
  /** Whether the fakes answer by themselves (a microtask after each request). */
  auto: boolean;
}

export function fakeAnalysisWorkers({ auto = false } = {}): FakeAnalysisWorkers {
  const waiting: { worker: AnalysisWorkerLike & { ended: boolean }; request: AnalysisRequest }[] = [];
  const fakes: FakeAnalysisWorkers = {
    requests: [],
    started: 0,
    terminated: 0,
    auto,
    create() {
      fakes.started++;
      const worker: AnalysisWorkerLike & { ended: boolean } = {
        ended: false,
        onmessage: null,
        onerror: null,
        postMessage(request) {
          fakes.requests.push(request);
          waiting.push({ worker, request });
          if (fakes.auto) queueMicrotask(() => fakes.answer());
        },
        terminate() {
          if (!worker.ended) fakes.terminated++;
          worker.ended = true;
        },
      };
      return worker;
    },
    answer(error) {
      const index = waiting.findIndex((entry) => !entry.worker.ended);
      if (index < 0) return;
      const [{ worker, request }] = waiting.splice(index, 1);
      const data: AnalysisResponse = error ? { id: request.id, error } : { id: request.id, analysis: syntheticAnalysis(request) };
      worker.onmessage?.({ data } as MessageEvent<AnalysisResponse>);
    },
  };
  return fakes;
}
