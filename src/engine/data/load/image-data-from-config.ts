// An image classifier's training data as a run configuration's data section asks for it: the
// built-in shapes, CIFAR-10's official files, its shards streamed window by window, or its
// parquet files on the Hugging Face Hub.

import type { RunConfig } from '../../config/run-config';
import { defaultManifestUrl } from '../../config/run-config';
import { EvaluationBatcher, type BatcherOptions } from '../batches';
import { parseCifarBatch } from '../cifar10';
import { DatasetError } from '../dataset-error';
import { readHfCifar10 } from '../hf-parquet';
import { createImageTrainingData, imageBatches, leadingImages } from '../image-training-data';
import { ShardStream } from '../stream/shard-stream';
import { StreamingImageBatcher } from '../streaming-images';
import { generateSyntheticImages, SYNTHETIC_TEST_SEED_OFFSET } from '../synthetic-images';
import { checkEvaluationSize, mapIterable, type TrainingData } from '../training-data';
import { readDataFiles, type DataFile, type ProgressReporter } from './data-files';
import { readDroppedCifar } from './dropped-files';
import { openShards } from './open-shards';

function batcherOptions(config: RunConfig): BatcherOptions {
  const { data } = config;
  return { batchSize: config.batch_size, seed: config.seed, shuffle: data.shuffle, augment: data.augment, normalize: data.normalize };
}

function syntheticImages(config: RunConfig): TrainingData {
  const train = generateSyntheticImages(config.data.train_size, config.seed);
  const test = generateSyntheticImages(config.data.test_size, config.seed + SYNTHETIC_TEST_SEED_OFFSET);
  return createImageTrainingData(train, test, batcherOptions(config));
}

async function cifarFromFiles(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  if (files.length === 0) {
    throw new Error(
      'The config reads cifar10 from files but none were given: drop cifar-10-binary.tar.gz on the page, or pass --data with it or with a folder holding data_batch_1..5.bin and test_batch.bin.',
    );
  }
  const sets = await readDroppedCifar(await readDataFiles(files, report));
  return createImageTrainingData(sets.train, sets.test, batcherOptions(config));
}

/** CIFAR-10 from shards: the test split whole, the training split streamed window by window. */
async function cifarFromShards(config: RunConfig, report: ProgressReporter): Promise<TrainingData> {
  const manifestUrl = config.data.url ?? defaultManifestUrl('cifar10');
  const reader = await openShards(manifestUrl, report);
  const { manifest } = reader;
  if (manifest.kind !== 'images') {
    throw new DatasetError(
      'manifest',
      `${manifestUrl} describes a ${manifest.kind} dataset (${manifest.dataset}); image classification needs an image manifest such as the one \`npm run data -- cifar10\` writes.`,
      manifestUrl,
    );
  }
  const test = parseCifarBatch(await reader.readSplit('test'), `${manifestUrl} (test split)`);
  test.classNames = [...manifest.classes];
  const options = batcherOptions(config);
  const batcher = new StreamingImageBatcher(new ShardStream(reader, 'train', { seed: config.seed, shuffle: config.data.shuffle }), {
    ...options,
    trainRecords: manifest.splits.train.records,
    classNames: manifest.classes,
    sourceName: manifestUrl,
  });
  await batcher.prime();
  const evaluation = new EvaluationBatcher(test, { batchSize: options.batchSize, normalize: options.normalize });
  const trainView = imageBatches();
  const testView = imageBatches();
  return {
    task: 'image-classification',
    classes: manifest.classes.length,
    stepsPerEpoch: batcher.stepsPerEpoch,
    trainExamples: manifest.splits.train.records,
    nextBatch: async () => trainView(await batcher.next()),
    testBatches: () => mapIterable(evaluation.batches(), testView),
    // The first records of the split in the manifest's order, whatever order the stream reads the shards in.
    evaluationSet: async (count) => {
      checkEvaluationSize(count, manifest.splits.train.records, 'training images');
      const head = parseCifarBatch(await reader.readLeadingRecords('train', count), `${manifestUrl} (train split)`);
      head.classNames = [...manifest.classes];
      return leadingImages(head, count, options.normalize);
    },
  };
}

/** CIFAR-10 from the Hub's parquet files (or a mirror at data.url), read whole. */
async function cifarFromHub(config: RunConfig, report: ProgressReporter): Promise<TrainingData> {
  const options = { baseUrl: config.data.url, onProgress: report };
  const train = await readHfCifar10('train', options);
  const test = await readHfCifar10('test', options);
  return createImageTrainingData(train, test, batcherOptions(config));
}

export function imageDataFromConfig(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  const { data } = config;
  if (data.source === 'synthetic') return Promise.resolve(syntheticImages(config));
  switch (data.from) {
    case 'shards':
      return cifarFromShards(config, report);
    case 'huggingface':
      return cifarFromHub(config, report);
    case 'files':
      return cifarFromFiles(config, files, report);
  }
}
