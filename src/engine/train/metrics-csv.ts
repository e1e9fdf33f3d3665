import type { ModelTask } from '../nn/graph';
import type { MetricsRow } from './events';

type Column = keyof MetricsRow;

export const IMAGE_METRICS_COLUMNS: readonly Column[] = [
  'step',
  'epoch',
  'train_loss',
  'train_accuracy',
  'lr',
  'ms_per_step',
  'wall_time',
  'test_loss',
  'test_accuracy',
];
export const TEXT_METRICS_COLUMNS: readonly Column[] = [
  'step',
  'epoch',
  'train_loss',
  'train_accuracy',
  'lr',
  'ms_per_step',
  'tokens_per_second',
  'wall_time',
  'val_loss',
  'val_perplexity',
  'test_loss',
  'test_perplexity',
];

/**
 * One row per logged step; evaluation columns are empty where no evaluation happened at that step.
 * Classifiers of images and of feature vectors report accuracy; language models perplexity.
 */
export function metricsCsv(rows: readonly MetricsRow[], task: ModelTask = 'image-classification'): string {
  const columns = task === 'language-modeling' ? TEXT_METRICS_COLUMNS : IMAGE_METRICS_COLUMNS;
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => (row[column] === undefined ? '' : String(row[column]))).join(','));
  return lines.join('\n') + '\n';
}
