import { describe, expect, it } from 'vitest';
import type { AnalysisRequest } from '../engine/inspect/analysis/analysis-protocol';
import { analyseFactor } from '../engine/inspect/analysis/analyse-factor';
import { answerAnalysisRequest } from './analysis-handler';

const factor = Float32Array.from([2, 0.5, 0, 0.5, 1, 0.25, 0, 0.25, 3]);

describe('answerAnalysisRequest', () => {
  it('answers with the analysis under the request id and transfers the frequency field', () => {
    const { response, transfer } = answerAnalysisRequest({ id: 7, values: factor, n: 3, seed: 4 });
    if (!('analysis' in response)) throw new Error(`expected an analysis, got ${response.error}`);
    expect(response.id).toBe(7);
    const expected = analyseFactor(factor, 3, { seed: 4 });
    expect({ ...response.analysis, milliseconds: 0 }).toEqual({ ...expected, milliseconds: 0 });
    expect(transfer).toEqual([response.analysis.frequency.buffer]);
  });

  it('answers a wrong length with { id, error } naming the sizes', () => {
    const { response, transfer } = answerAnalysisRequest({ id: 3, values: new Float32Array(8), n: 3, seed: 1 });
    expect(response).toEqual({
      id: 3,
      error: 'Analysis request 3 failed: the factor: 8 values do not fill the 3x3 matrix; a full factor needs n*n = 9 values, row-major.',
    });
    expect(transfer).toEqual([]);
  });

  it('refuses values that are not a Float32Array, and a message that is not a request', () => {
    const plain = { id: 5, values: [1, 0, 0, 1], n: 2, seed: 1 } as unknown as AnalysisRequest;
    expect(answerAnalysisRequest(plain).response).toEqual({
      id: 5,
      error: 'Analysis request 5 failed: values is not a Float32Array; send the factor as n*n row-major float32 numbers.',
    });
    expect(answerAnalysisRequest(null as unknown as AnalysisRequest).response).toEqual({
      id: -1,
      error: 'Analysis request -1 failed: the request is not an object; send { id, values, n, seed }.',
    });
  });
});
