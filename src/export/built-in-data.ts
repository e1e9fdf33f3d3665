// The data a config builds in (synthetic images, synthetic text, Iris) written out as files the
// exported project reads: the shard folders `npm run data` writes (manifest.json, shards,
// vocab.txt) for the synthetic sets, and a CSV of the 150 flowers for Iris. The records are
// the ones the trainer generates for the same config, in the same order.

import type { RunConfig } from '../engine/config/run-config';
import { cifarRecordStream, CIFAR10_RECORD_BYTES } from '../engine/data/cifar10';
import { channelMeanStd } from '../engine/data/image-stats';
import { irisSet, IRIS_EXAMPLES, IRIS_FEATURES, IRIS_SPECIES } from '../engine/data/iris';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  TOKEN_DTYPE_BYTES,
  tokenBytes,
  tokenDtypeFor,
  type ImageManifest,
  type SplitEntry,
  type TokenManifest,
} from '../engine/data/manifest';
import { sha256Hex } from '../engine/data/stream/fetch-bytes';
import { generateSyntheticImages, SYNTHETIC_TEST_SEED_OFFSET } from '../engine/data/synthetic-images';
import { syntheticTextSplits } from '../engine/data/synthetic-text';
import { buildVocabulary, DEFAULT_EOS, DEFAULT_UNK, tokenizeLines, vocabularyText, WIKITEXT_SPLITS } from '../engine/data/wikitext';

/** The files, and the config's data section as the project reads it. */
export interface BuiltInData {
  /** Paths relative to the project folder. */
  readonly files: Map<string, Uint8Array | string>;
  /** data.url in the exported config.yaml: the project-relative file data.py opens. */
  readonly url: string;
  /** A language model's vocabulary size (the model's output width). */
  readonly vocabulary?: number;
}

/** Records per shard, as `npm run data` cuts CIFAR-10 and WikiText-2. */
const IMAGE_SHARD_RECORDS = 5000;
const TOKEN_SHARD_RECORDS = 524_288;

export const SYNTHETIC_IMAGES_DIR = 'data/synthetic-images';
export const SYNTHETIC_TEXT_DIR = 'data/synthetic-text';
export const IRIS_CSV = 'data/iris/iris.csv';

/** A split's record stream cut into shards `<split>-00000.bin`, ... into `files` under `dir`. */
async function shards(
  files: Map<string, Uint8Array | string>,
  dir: string,
  split: string,
  stream: Uint8Array,
  recordBytes: number,
  perShard: number,
): Promise<SplitEntry> {
  const records = stream.length / recordBytes;
  const entries: SplitEntry['shards'] = [];
  for (let index = 0, first = 0; first < records; index++, first += perShard) {
    const count = Math.min(perShard, records - first);
    const bytes = stream.slice(first * recordBytes, (first + count) * recordBytes);
    const file = `${split}-${String(index).padStart(5, '0')}.bin`;
    files.set(`${dir}/${file}`, bytes);
    entries.push({ file, records: count, bytes: bytes.length, sha256: await sha256Hex(bytes) });
  }
  return { records, shards: entries };
}

async function syntheticImageShards(config: RunConfig): Promise<BuiltInData> {
  const train = generateSyntheticImages(config.data.train_size, config.seed);
  const test = generateSyntheticImages(config.data.test_size, config.seed + SYNTHETIC_TEST_SEED_OFFSET);
  const files = new Map<string, Uint8Array | string>();
  const { mean, std } = channelMeanStd(train.images);
  const manifest: ImageManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'images',
    dataset: 'synthetic',
    record: { layout: 'cifar10-binary', bytes: CIFAR10_RECORD_BYTES },
    classes: [...train.classNames],
    mean,
    std,
    splits: {
      train: await shards(files, SYNTHETIC_IMAGES_DIR, 'train', cifarRecordStream(train), CIFAR10_RECORD_BYTES, IMAGE_SHARD_RECORDS),
      test: await shards(files, SYNTHETIC_IMAGES_DIR, 'test', cifarRecordStream(test), CIFAR10_RECORD_BYTES, IMAGE_SHARD_RECORDS),
    },
    source: { origin: `the playground's synthetic images, seed ${config.seed} (test: seed ${config.seed + SYNTHETIC_TEST_SEED_OFFSET})` },
  };
  files.set(`${SYNTHETIC_IMAGES_DIR}/${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, url: `${SYNTHETIC_IMAGES_DIR}/${MANIFEST_FILE}` };
}

async function syntheticTextShards(config: RunConfig): Promise<BuiltInData> {
  const { data } = config;
  // The trainer's corpus (text-data-from-config.ts): the same splits, tokenized with the training split's words.
  const lines = syntheticTextSplits(config.seed, { trainLines: data.train_size, validationLines: data.test_size, testLines: data.test_size });
  const vocabulary = buildVocabulary(lines.train, { unk: DEFAULT_UNK, eos: DEFAULT_EOS });
  const dtype = tokenDtypeFor(vocabulary.tokens.length);
  const files = new Map<string, Uint8Array | string>();
  const vocabularyBytes = new TextEncoder().encode(vocabularyText(vocabulary));
  files.set(`${SYNTHETIC_TEXT_DIR}/vocab.txt`, vocabularyBytes);
  const splits = {} as TokenManifest['splits'];
  for (const split of WIKITEXT_SPLITS) {
    splits[split] = await shards(
      files,
      SYNTHETIC_TEXT_DIR,
      split,
      tokenBytes(tokenizeLines(lines[split], vocabulary), dtype),
      TOKEN_DTYPE_BYTES[dtype],
      TOKEN_SHARD_RECORDS,
    );
  }
  const manifest: TokenManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    kind: 'tokens',
    dataset: 'synthetic',
    dtype,
    vocabulary: {
      file: 'vocab.txt',
      size: vocabulary.tokens.length,
      bytes: vocabularyBytes.length,
      sha256: await sha256Hex(vocabularyBytes),
      unk: DEFAULT_UNK,
      eos: DEFAULT_EOS,
    },
    splits,
    source: { origin: `the playground's synthetic text, seed ${config.seed}` },
  };
  files.set(`${SYNTHETIC_TEXT_DIR}/${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, url: `${SYNTHETIC_TEXT_DIR}/${MANIFEST_FILE}`, vocabulary: vocabulary.tokens.length };
}

/**
 * The 150 flowers as the trainer feeds them: the two standardised principal components (float32
 * values, printed so that they read back exactly) and the species index, in the data's order.
 */
function irisCsv(): BuiltInData {
  const set = irisSet();
  const rows = [`${Array.from({ length: IRIS_FEATURES }, (_, i) => `pc${i + 1}`).join(',')},species`];
  for (let i = 0; i < IRIS_EXAMPLES; i++) {
    const features = Array.from(set.inputs.subarray(i * IRIS_FEATURES, (i + 1) * IRIS_FEATURES), String);
    rows.push(`${features.join(',')},${set.labels[i]}`);
  }
  const header = `# Iris (${IRIS_SPECIES.join(', ')} = 0, 1, 2): PCA to two components, standardised, float32\n`;
  return { files: new Map([[IRIS_CSV, `${header}${rows.join('\n')}\n`]]), url: IRIS_CSV };
}

/** The built-in data of a config, or null when it reads a real dataset (CIFAR-10, WikiText-2). */
export function builtInData(config: RunConfig): Promise<BuiltInData> | null {
  if (config.data.source === 'iris') return Promise.resolve(irisCsv());
  if (config.data.source !== 'synthetic') return null;
  return config.task === 'language-modeling' ? syntheticTextShards(config) : syntheticImageShards(config);
}
