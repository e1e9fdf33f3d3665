// Turns a run configuration's data section (and the files the page or command line handed
// over) into the batches the trainer consumes.

import { DEFAULT_HF_BASE_URL, defaultManifestUrl, type RunConfig } from '../engine/config/run-config';
import { EvaluationBatcher, type BatcherOptions } from '../engine/data/batches';
import { parseCifarBatch } from '../engine/data/cifar10';
import { DatasetError } from '../engine/data/dataset-error';
import { readHfCifar10, readHfWikitext } from '../engine/data/hf-parquet';
import type { TokenDtype } from '../engine/data/manifest';
import { syntheticTextSplits } from '../engine/data/synthetic-text';
import type { TokenIds } from '../engine/data/token-batches';
import { buildVocabulary, tokenizeLines } from '../engine/data/wikitext';
import { modelPreset } from '../engine/nn/presets';
import { createTextTrainingData, type TokenSplits } from '../engine/train/text-data';
import { fetchBytes } from '../engine/data/stream/fetch-bytes';
import { openShardCache } from '../engine/data/stream/shard-cache';
import { ShardReader } from '../engine/data/stream/shard-reader';
import { ShardStream } from '../engine/data/stream/shard-stream';
import { StreamingImageBatcher } from '../engine/data/streaming-images';
import type { ImageSet } from '../engine/data/image-set';
import { generateSyntheticImages } from '../engine/data/synthetic-images';
import { createImageTrainingData, imageBatches } from '../engine/train/image-data';
import { mapIterable, type TrainingData } from '../engine/train/training-data';
import { readDroppedCifar, readDroppedWikitext } from './inspect-data';
import type { DataFile } from './protocol';

/** Test images come from another stream of the same generator, never from the training images. */
const SYNTHETIC_TEST_SEED_OFFSET = 1_000_003;

export type ProgressReporter = (label: string, loaded: number, total: number) => void;

/** A file handed over as bytes, or fetched (with progress, and a DatasetError when the download fails). */
export async function fileBytes(file: DataFile, report: ProgressReporter): Promise<Uint8Array> {
  if ('bytes' in file) return new Uint8Array(file.bytes);
  return fetchBytes(file.url, { label: file.name, onProgress: (loaded, total) => report(file.name, loaded, total) });
}

/** The bytes of every file, by name. */
export async function readDataFiles(files: readonly DataFile[], report: ProgressReporter): Promise<Map<string, Uint8Array>> {
  const loaded = new Map<string, Uint8Array>();
  for (const file of files) loaded.set(file.name, await fileBytes(file, report));
  return loaded;
}

async function loadCifar(files: readonly DataFile[], report: ProgressReporter): Promise<{ train: ImageSet; test: ImageSet }> {
  if (files.length === 0) {
    throw new Error(
      'The config reads cifar10 from files but none were given: drop cifar-10-binary.tar.gz on the page, or pass --data with it or with a folder holding data_batch_1..5.bin and test_batch.bin.',
    );
  }
  return readDroppedCifar(await readDataFiles(files, report));
}

/** A shard manifest, read through the page's shard cache with download progress. */
async function openShards(manifestUrl: string, report: ProgressReporter): Promise<ShardReader> {
  return ShardReader.open(manifestUrl, { cache: await openShardCache(), onProgress: ({ label, loaded, total }) => report(label, loaded, total) });
}

/** CIFAR-10 from shards: the test split whole, the training split streamed window by window. */
async function streamCifar(config: RunConfig, report: ProgressReporter): Promise<TrainingData> {
  const manifestUrl = config.data.url ?? defaultManifestUrl('cifar10');
  const reader = await openShards(manifestUrl, report);
  const { manifest } = reader;
  if (manifest.kind !== 'images') {
    throw new DatasetError('manifest', `${manifestUrl} describes a ${manifest.kind} dataset (${manifest.dataset}); image classification needs an image manifest such as the one \`npm run data -- cifar10\` writes.`, manifestUrl);
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
    nextBatch: async () => trainView(await batcher.next()),
    testBatches: () => mapIterable(evaluation.batches(), testView),
  };
}

async function cifarFromHub(config: RunConfig, report: ProgressReporter): Promise<TrainingData> {
  const baseUrl = config.data.url ?? DEFAULT_HF_BASE_URL;
  const onProgress = report;
  const train = await readHfCifar10('train', { baseUrl, onProgress });
  const test = await readHfCifar10('test', { baseUrl, onProgress });
  return createImageTrainingData(train, test, batcherOptions(config));
}

function batcherOptions(config: RunConfig): BatcherOptions {
  const { data } = config;
  return { batchSize: config.batch_size, seed: config.seed, shuffle: data.shuffle, augment: data.augment, normalize: data.normalize };
}

function tokenIds(bytes: Uint8Array, dtype: TokenDtype): TokenIds {
  // A copy: the shard bytes may start at an offset a Uint16Array or Uint32Array cannot view.
  const aligned = bytes.slice().buffer;
  return dtype === 'uint16' ? new Uint16Array(aligned) : new Uint32Array(aligned);
}

/** WikiText-2 from shards: token ids as `npm run data -- wikitext2` wrote them, and their vocabulary. */
async function wikitextFromShards(config: RunConfig, report: ProgressReporter): Promise<{ splits: TokenSplits; vocabulary: readonly string[] }> {
  const manifestUrl = config.data.url ?? defaultManifestUrl('wikitext2');
  const reader = await openShards(manifestUrl, report);
  const { manifest } = reader;
  if (manifest.kind !== 'tokens') {
    throw new DatasetError('manifest', `${manifestUrl} describes an ${manifest.kind} dataset (${manifest.dataset}); language modelling needs a token manifest such as the one \`npm run data -- wikitext2\` writes.`, manifestUrl);
  }
  const vocabulary = await reader.readVocabulary();
  const split = async (name: 'train' | 'validation' | 'test') => tokenIds(await reader.readSplit(name), manifest.dtype);
  return { splits: { train: await split('train'), validation: await split('validation'), test: await split('test') }, vocabulary };
}

/** Lines of text -> the word-level vocabulary of the training lines and token ids of every split. */
function tokenizeSplits(lines: { train: readonly string[]; validation: readonly string[]; test: readonly string[] }): { splits: TokenSplits; vocabulary: readonly string[] } {
  const vocabulary = buildVocabulary(lines.train);
  return {
    splits: { train: tokenizeLines(lines.train, vocabulary), validation: tokenizeLines(lines.validation, vocabulary), test: tokenizeLines(lines.test, vocabulary) },
    vocabulary: vocabulary.tokens,
  };
}

async function loadText(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  const { data } = config;
  let text: { splits: TokenSplits; vocabulary: readonly string[] };
  if (data.source === 'synthetic') {
    text = tokenizeSplits(syntheticTextSplits(config.seed, { trainLines: data.train_size, validationLines: data.test_size, testLines: data.test_size }));
  } else if (data.from === 'shards') {
    text = await wikitextFromShards(config, report);
  } else if (data.from === 'huggingface') {
    const options = { baseUrl: data.url ?? DEFAULT_HF_BASE_URL, onProgress: report };
    text = tokenizeSplits({ train: await readHfWikitext('train', options), validation: await readHfWikitext('validation', options), test: await readHfWikitext('test', options) });
  } else {
    if (files.length === 0) {
      throw new Error('The config reads wikitext2 from files but none were given: drop wikitext-2-v1.zip on the page, or pass --data with it or with the folder of its wiki.*.tokens files.');
    }
    text = tokenizeSplits(readDroppedWikitext(await readDataFiles(files, report)));
  }
  const context = modelPreset(config.model, text.vocabulary.length).inputShape[0];
  return createTextTrainingData(text.splits, text.vocabulary, { batchSize: config.batch_size, context, seed: config.seed });
}

export async function loadTrainingData(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  const { data } = config;
  if (config.task === 'language-modeling') return loadText(config, files, report);
  if (data.source === 'synthetic') {
    const train = generateSyntheticImages(data.train_size, config.seed);
    const test = generateSyntheticImages(data.test_size, config.seed + SYNTHETIC_TEST_SEED_OFFSET);
    return createImageTrainingData(train, test, batcherOptions(config));
  }
  if (data.from === 'shards') return streamCifar(config, report);
  if (data.from === 'huggingface') return cifarFromHub(config, report);
  const sets = await loadCifar(files, report);
  return createImageTrainingData(sets.train, sets.test, batcherOptions(config));
}
