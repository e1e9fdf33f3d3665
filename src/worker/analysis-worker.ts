/// <reference lib="webworker" />
// A module worker that runs the float64 analyses of full factors off the page's thread: one
// AnalysisRequest in, one AnalysisResponse out (the frequency field's buffer transferred). A
// 2048x2048 factor takes about a minute and a half; requests are answered in the order they come.

import type { AnalysisRequest } from '../engine/inspect/analysis/analysis-protocol';
import { answerAnalysisRequest } from './analysis-handler';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<AnalysisRequest>) => {
  const { response, transfer } = answerAnalysisRequest(event.data);
  self.postMessage(response, transfer);
};
