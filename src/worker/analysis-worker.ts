/// <reference lib="webworker" />
// A module worker that runs the float64 analyses of full factors off the page's thread: one
// AnalysisRequest in, one AnalysisResponse out (the frequency field's buffer transferred).
// Requests are answered one at a time, in the order they come; large factors take a while
// (timings in docs/adafisher-inspector.md).

import type { AnalysisRequest } from '../engine/inspect/analysis/analysis-protocol';
import { answerAnalysisRequest } from './analysis-handler';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<AnalysisRequest>) => {
  const { response, transfer } = answerAnalysisRequest(event.data);
  self.postMessage(response, transfer);
};
