// The lines `npm run train` prints as training goes.

import type { InspectionRecord } from '../../src/engine/inspect/inspect-types';
import type { LandscapeFrame } from '../../src/engine/landscape/landscape-frame';
import { profileShares, type StepProfile } from '../../src/engine/gpu/step-profile';
import type { EvaluationRow, MetricsRow, RunSummary } from '../../src/engine/train/events';

function describeEvaluation(row: EvaluationRow): string {
  const parts: string[] = [];
  if (row.val_perplexity !== undefined) parts.push(`validation perplexity ${row.val_perplexity.toFixed(2)}`);
  if (row.test_perplexity !== undefined) parts.push(`test perplexity ${row.test_perplexity.toFixed(2)}`);
  else if (row.test_loss !== undefined && row.test_accuracy !== undefined)
    parts.push(`test loss ${row.test_loss.toFixed(4)}  accuracy ${(100 * row.test_accuracy).toFixed(2)}%`);
  return parts.join('  ');
}

/** A metrics row, with the time left for every run at this pace. */
export function metricsLine(run: string, row: MetricsRow, totalSteps: number, runCount: number): string {
  const eta = ((totalSteps - row.step) * row.ms_per_step * runCount) / 1000;
  return `[${run}] step ${row.step}/${totalSteps}  loss ${row.train_loss.toFixed(4)}  acc ${(100 * row.train_accuracy).toFixed(1)}%  lr ${row.lr.toExponential(2)}  ${row.ms_per_step.toFixed(1)} ms/step  eta ${eta.toFixed(0)} s`;
}

export function evaluationLine(run: string, row: EvaluationRow): string {
  return `[${run}] evaluation after step ${row.step} (epoch ${row.epoch + 1}): ${describeEvaluation(row)}`;
}

/** A run's outcome and where its files are. */
export function summaryLine(summary: RunSummary, folder: string): string {
  const test =
    summary.test_perplexity !== null
      ? `validation perplexity ${summary.val_perplexity?.toFixed(2)}, test perplexity ${summary.test_perplexity.toFixed(2)}`
      : `test accuracy ${summary.test_accuracy === null ? 'n/a' : `${(100 * summary.test_accuracy).toFixed(2)}%`}`;
  return `[${summary.run}] ${summary.state}: loss ${summary.train_loss_first?.toFixed(4)} -> ${summary.train_loss_last?.toFixed(4)}, ${test}, median ${summary.ms_per_step_median?.toFixed(1)} ms/step -> ${folder}`;
}

/** Where the landscape stands: its plane, how much of the grid is measured, and how well the plane holds the trajectories. */
export function landscapeLine(frame: LandscapeFrame): string {
  const total = frame.alphas.length * frame.betas.length;
  const snapshots = frame.budget.runs.reduce((sum, run) => sum + run.kept, 0);
  const offPlane = frame.fit.relativeOffPlane === null ? '' : `, ${(100 * frame.fit.relativeOffPlane).toFixed(1)} % off the plane`;
  const state = frame.settled ? ' (final)' : '';
  return `[landscape] ${frame.plane} plane at ${frame.centerLabel}, axes ${frame.axisLabels.join(' and ')}: ${frame.filled}/${total} grid points at ${frame.choice.evalSize} examples, ${snapshots} snapshots${offPlane}${state}`;
}

/** A profiled step (the config's profile section): its GPU time, by phase and its costliest layers. */
export function profileLine(run: string, step: number, profile: StepProfile): string {
  const { phases, layers } = profileShares(profile, 3);
  const method = profile.method === 'timestamps' ? 'GPU timestamps' : 'op by op';
  return `[${run}] profile of step ${step} (${method}): ${profile.total_ms.toFixed(1)} ms over ${profile.dispatches.length} dispatches; ${phases}; top layers ${layers}`;
}

/** One inspector measurement: each layer's diagonal share of H and S, and how many full factors came with it. */
export function inspectionLine(record: Pick<InspectionRecord, 'run' | 'step' | 'shares'> & { factors: readonly unknown[] }): string {
  const shares = record.shares.map(({ layer, h, s }) => `${layer} ${h.toFixed(3)}/${s.toFixed(3)}`).join(', ');
  const factors = record.factors.length ? `; ${record.factors.length} full factors` : '';
  return `[${record.run}] inspect step ${record.step}: diagonal share H/S ${shares}${factors}`;
}
