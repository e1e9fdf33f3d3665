// A run configuration's data section (with the files the page or the command line handed over)
// -> the batches the trainer consumes, for either task.

import type { RunConfig } from '../../config/run-config';
import type { TrainingData } from '../training-data';
import type { DataFile, ProgressReporter } from './data-files';
import { imageDataFromConfig } from './image-data-from-config';
import { textDataFromConfig } from './text-data-from-config';

export function loadTrainingData(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  return config.task === 'language-modeling' ? textDataFromConfig(config, files, report) : imageDataFromConfig(config, files, report);
}
