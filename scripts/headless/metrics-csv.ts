import type { MetricsRow } from '../../src/engine/train/events';

export const METRICS_COLUMNS = ['step', 'epoch', 'train_loss', 'train_accuracy', 'lr', 'ms_per_step', 'wall_time', 'test_loss', 'test_accuracy'] as const;

/** One row per logged step; test columns are empty where no evaluation happened at that step. */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  const lines = [METRICS_COLUMNS.join(',')];
  for (const row of rows) lines.push(METRICS_COLUMNS.map((column) => (row[column] === undefined ? '' : String(row[column]))).join(','));
  return lines.join('\n') + '\n';
}
