// The analysis worker's answer to one request (src/worker/analysis-worker.ts posts it), apart
// from the worker so that Node tests can call it.

import { analyseFactor } from '../engine/inspect/analysis/analyse-factor';
import type { AnalysisRequest, AnalysisResponse } from '../engine/inspect/analysis/analysis-protocol';

export interface AnalysisAnswer {
  readonly response: AnalysisResponse;
  /** Buffers to move rather than copy back to the page (the frequency field's). */
  readonly transfer: Transferable[];
}

function describeRequestProblem(request: AnalysisRequest): string | null {
  if (typeof request !== 'object' || request === null) return 'the request is not an object; send { id, values, n, seed }.';
  if (!(request.values instanceof Float32Array)) return 'values is not a Float32Array; send the factor as n*n row-major float32 numbers.';
  return null;
}

/** Analyses the requested factor; any failure comes back as { id, error } with a sentence saying what was wrong. */
export function answerAnalysisRequest(request: AnalysisRequest): AnalysisAnswer {
  const id = typeof request === 'object' && request !== null && typeof request.id === 'number' ? request.id : -1;
  try {
    const problem = describeRequestProblem(request);
    if (problem) throw new Error(problem);
    const analysis = analyseFactor(request.values, request.n, { seed: request.seed });
    return { response: { id, analysis }, transfer: [analysis.frequency.buffer] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { response: { id, error: `Analysis request ${id} failed: ${reason}` }, transfer: [] };
  }
}
