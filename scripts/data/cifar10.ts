// CIFAR-10 as shards of its official 3073-byte records, with the training pixels' statistics.

import { isGzip } from '../../src/engine/data/archive';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  cifarRecordStream,
  readCifarArchive,
  readCifarFiles,
  type CifarSplits,
} from '../../src/engine/data/cifar10';
import { DatasetError } from '../../src/engine/data/dataset-error';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type ImageManifest } from '../../src/engine/data/manifest';
import { describeContent } from '../../src/engine/data/zip';
import { channelMeanStd } from '../../src/engine/data/image-stats';
import type { DatasetInput } from './inputs';
import { writeShards, type WriteStats } from './out-dir';

const BATCH_FILES = new Set([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]);

export function isCifarBatchFile(name: string): boolean {
  return BATCH_FILES.has(name);
}

export async function readCifarInput(input: DatasetInput): Promise<CifarSplits> {
  if (input.kind === 'files') return readCifarFiles(input.files);
  if (!isGzip(input.bytes)) {
    throw new DatasetError(
      'not-gzip',
      `${input.name} is not a gzip file: it is ${describeContent(input.bytes)}. CIFAR-10 comes as cifar-10-binary.tar.gz; give that file exactly as downloaded, or the folder of .bin files inside it.`,
      input.name,
    );
  }
  return readCifarArchive(input.bytes, input.name);
}

export async function writeCifarShards(
  dir: string,
  splits: CifarSplits,
  shardRecords: number,
  stats: WriteStats,
  source: ImageManifest['source'],
): Promise<ImageManifest> {
  const { mean, std } = channelMeanStd(splits.train.images);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'images',
    dataset: 'cifar10',
    record: { layout: 'cifar10-binary', bytes: CIFAR10_RECORD_BYTES },
    classes: [...CIFAR10_CLASS_NAMES],
    mean,
    std,
    splits: {
      train: await writeShards(dir, 'train', cifarRecordStream(splits.train), CIFAR10_RECORD_BYTES, shardRecords, stats),
      test: await writeShards(dir, 'test', cifarRecordStream(splits.test), CIFAR10_RECORD_BYTES, shardRecords, stats),
    },
    source,
  };
}
