// The panel's analysis queue (analysis-queue.ts): made with the panel, ended with it (and its
// worker with it), told what the panel shows after each render.

import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { usePlaygroundStore } from '../playground-context';
import { AnalysisClient, createAnalysisWorker, type CreateAnalysisWorker } from './analysis-client';
import { AnalysisQueue, type AnalysisProgress } from './analysis-queue';
import { findAnalysis, findFull, keyText, type FactorKey } from './inspector-state';

export type { AnalysisProgress } from './analysis-queue';

/** How the panel starts analysis workers (a test gives its own). */
export const AnalysisWorkerContext = createContext<CreateAnalysisWorker>(createAnalysisWorker);

/** Analyses `wanted` in order (those still needing one); `seed` seeds the perturbation's noise. */
export function useFactorAnalyses(wanted: readonly FactorKey[], seed: number): AnalysisProgress {
  const store = usePlaygroundStore();
  const create = useContext(AnalysisWorkerContext);
  const [queue] = useState(
    () =>
      new AnalysisQueue(new AnalysisClient(create), {
        needs: (key) => {
          const { inspector } = store.getState();
          return findAnalysis(inspector, key) ? undefined : findFull(inspector, key);
        },
        keep: (analysed, frequency) => store.getState().keepAnalysis(analysed, frequency),
      }),
  );
  useEffect(() => () => queue.dispose(), [queue]);
  const wantedText = wanted.map(keyText).join('\n');
  useEffect(() => {
    queue.want(wanted, seed);
    // `wanted` is a new array each render: its text says whether it changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queue, wantedText, seed]);
  return useSyncExternalStore(queue.subscribe, queue.getSnapshot);
}
