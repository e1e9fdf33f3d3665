// Turns a run configuration's data section (and the files the page or command line handed
// over) into the batches the trainer consumes.

import type { RunConfig } from '../engine/config/run-config';
import { readCifarArchive, readCifarFiles } from '../engine/data/cifar10';
import type { ImageSet } from '../engine/data/image-set';
import { generateSyntheticImages } from '../engine/data/synthetic-images';
import { createImageTrainingData } from '../engine/train/image-data';
import type { TrainingData } from '../engine/train/training-data';
import type { DataFile } from './protocol';

/** Test images come from another stream of the same generator, never from the training images. */
const SYNTHETIC_TEST_SEED_OFFSET = 1_000_003;

export type ProgressReporter = (label: string, loaded: number, total: number) => void;

export async function fileBytes(file: DataFile, report: ProgressReporter): Promise<Uint8Array> {
  if ('bytes' in file) return new Uint8Array(file.bytes);
  const response = await fetch(file.url).catch((error: unknown) => {
    throw new Error(`Could not fetch ${file.name} (${file.url}): ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!response.ok) throw new Error(`Could not fetch ${file.name}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('Content-Length') ?? 0);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    report(file.name, loaded, total);
  }
  if (total && loaded !== total) throw new Error(`${file.name} is cut short: received ${loaded} of ${total} bytes. Download it again.`);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function loadCifar(files: readonly DataFile[], report: ProgressReporter): Promise<{ train: ImageSet; test: ImageSet }> {
  if (files.length === 0) {
    throw new Error('The config asks for cifar10 but no files were given: pass --data with cifar-10-binary.tar.gz or a folder holding data_batch_1..5.bin and test_batch.bin.');
  }
  const loaded = new Map<string, Uint8Array>();
  for (const file of files) loaded.set(file.name, await fileBytes(file, report));
  const archive = [...loaded.keys()].find((name) => /\.(tar\.gz|tgz)$/i.test(name));
  if (archive) return readCifarArchive(loaded.get(archive)!);
  return readCifarFiles(loaded);
}

export async function loadTrainingData(config: RunConfig, files: readonly DataFile[], report: ProgressReporter): Promise<TrainingData> {
  const { data } = config;
  const sets =
    data.source === 'synthetic'
      ? { train: generateSyntheticImages(data.train_size, config.seed), test: generateSyntheticImages(data.test_size, config.seed + SYNTHETIC_TEST_SEED_OFFSET) }
      : await loadCifar(files, report);
  return createImageTrainingData(sets.train, sets.test, {
    batchSize: config.batch_size,
    seed: config.seed,
    shuffle: data.shuffle,
    augment: data.augment,
    normalize: data.normalize,
  });
}
