// A run configuration's data section (with the files the page or the command line handed over)
// -> the batches the trainer consumes, for every task.

import type { RunConfig } from '../../config/run-config';
import { IrisTrainingData } from '../iris-training-data';
import type { TrainingData } from '../training-data';
import type { DataFile, ProgressReporter } from './data-files';
import { imageDataFromConfig } from './image-data-from-config';
import { textDataFromConfig } from './text-data-from-config';

export function loadTrainingData(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  switch (config.task) {
    case 'language-modeling':
      return textDataFromConfig(config, files, report);
    case 'image-classification':
      return imageDataFromConfig(config, files, report);
    case 'tabular-classification':
      // Iris is computed from a package's measurements: there is nothing to fetch, whatever data.from says.
      return Promise.resolve(new IrisTrainingData({ batchSize: config.batch_size, seed: config.seed, shuffle: config.data.shuffle }));
  }
}
