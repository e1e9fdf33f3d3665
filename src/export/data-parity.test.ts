// The exported project's data.py against the engine's batchers, value for value: the same
// shards, CIFAR-10 files and token shards give the same training batches (order, crops, flips,
// normalisation, epochs) and the same evaluation batches.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvaluationBatcher } from '../engine/data/batches';
import { CIFAR10_CLASS_NAMES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, parseCifarBatch, readCifarFiles } from '../engine/data/cifar10';
import { createImageTrainingData } from '../engine/data/image-training-data';
import { IrisTrainingData } from '../engine/data/iris-training-data';
import { ShardStream, type ShardSource } from '../engine/data/stream/shard-stream';
import { StreamingImageBatcher } from '../engine/data/streaming-images';
import { createPaperWindowTrainingData, createTextTrainingData } from '../engine/data/text-training-data';
import type { Batch, TrainingData } from '../engine/data/training-data';
import { vocabularyOf } from '../engine/data/wikitext';
import { cifarBatch, gzip, writeTar } from '../engine/testing/data/file-fixtures';
import {
  FIXTURE_VOCABULARY,
  gpt1BpeFixture,
  imageFixture,
  imageRecords,
  tokenFixture,
  uint16Tokens,
  type DatasetFixture,
} from '../engine/testing/data/shard-fixtures';
import { pythonJson } from './testing/python';

interface Plain {
  inputs: number[];
  targets: number[];
  size: number;
}

interface Dumped {
  steps: number;
  train: Plain[];
  test: Plain[];
  validation?: Plain[];
}

const plain = (batch: Batch): Plain => ({ inputs: Array.from(batch.inputs), targets: Array.from(batch.targets), size: batch.size });

const DUMP = `
import json, sys, data
config = json.loads(sys.argv[1])
d = data.load_training_data(config, sys.argv[2], int(sys.argv[3]))
plain = lambda b: {"inputs": b.inputs.ravel().tolist(), "targets": b.targets.ravel().tolist(), "size": b.size}
out = {"steps": d.steps_per_epoch, "train": [plain(d.next_batch()) for _ in range(int(sys.argv[4]))], "test": [plain(b) for b in d.test_batches()]}
if d.validation_batches:
    out["validation"] = [plain(b) for b in d.validation_batches()]
print(json.dumps(out))
`;

/** data.py's first `steps` training batches and every evaluation batch, for a config reading `dataDir`. */
function pythonBatches(config: object, dataDir: string, steps: number, context = 0): Dumped {
  return pythonJson<Dumped>(DUMP, [JSON.stringify(config), dataDir, String(context), String(steps)]);
}

/** The engine's batches, copied out of its reused buffers. */
async function engineBatches(data: TrainingData, steps: number): Promise<Dumped> {
  const train = [];
  for (let i = 0; i < steps; i++) train.push(plain(await data.nextBatch()));
  const dumped: Dumped = { steps: data.stepsPerEpoch, train, test: Array.from(data.testBatches(), plain) };
  if (data.validationBatches) dumped.validation = Array.from(data.validationBatches(), plain);
  return dumped;
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'export-data-'));
}

function writeFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  for (const [file, bytes] of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), bytes);
  }
}

function shardSource(fixture: DatasetFixture): ShardSource {
  const splits = fixture.manifest.splits as Record<string, { shards: { file: string }[] }>;
  return { manifest: fixture.manifest, readShard: (split, index) => Promise.resolve(fixture.files.get(splits[split].shards[index].file)!) };
}

function tokens(bytes: Uint8Array): Uint16Array {
  return new Uint16Array(bytes.slice().buffer);
}

function splitTokens(fixture: DatasetFixture, split: string): Uint16Array {
  const entry = (fixture.manifest.splits as Record<string, { shards: { file: string }[] }>)[split];
  const parts = entry.shards.map((shard) => fixture.files.get(shard.file)!);
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return tokens(all);
}

const data = (fields: object) => ({ source: 'cifar10', from: 'shards', shuffle: true, augment: 'standard', normalize: true, ...fields });

describe('data.py', { timeout: 30_000 }, () => {
  it('streams image shards as the engine does: shard order, window permutations, crops, flips, skipped tails', async () => {
    const fixture = await imageFixture({
      train: [imageRecords([0, 1, 2, 3]), imageRecords([4, 5, 6, 7, 8]), imageRecords([9, 10, 11]), imageRecords([12, 13, 14, 15])],
      test: [imageRecords([20, 21, 22])],
    });
    const dir = folder();
    writeFiles(join(dir, 'cifar10'), fixture.files);
    const test = parseCifarBatch(fixture.files.get('test-00000.bin')!, 'test');
    test.classNames = [...CIFAR10_CLASS_NAMES];
    for (const [shuffle, augment] of [
      [true, 'standard'],
      [false, 'none'],
    ] as const) {
      const options = { batchSize: 5, seed: 7, shuffle, augment, normalize: true };
      const batcher = new StreamingImageBatcher(new ShardStream(shardSource(fixture), 'train', { seed: 7, shuffle }), {
        ...options,
        trainRecords: 16,
        classNames: [...CIFAR10_CLASS_NAMES],
        sourceName: 'fixture',
      });
      const train: Plain[] = [];
      // Three epochs of 3 batches: each drops one record and reads the shards in a fresh order.
      for (let i = 0; i < 9; i++) {
        const batch = await batcher.next();
        train.push({ inputs: Array.from(batch.images), targets: Array.from(batch.labels), size: batch.size });
      }
      const evaluation = Array.from(new EvaluationBatcher(test, { batchSize: 5, normalize: true }).batches(), (batch) => ({
        inputs: Array.from(batch.images),
        targets: Array.from(batch.labels),
        size: batch.size,
      }));
      const python = pythonBatches({ task: 'image-classification', batch_size: 5, seed: 7, data: data({ shuffle, augment }) }, dir, 9);
      expect(python.steps).toBe(batcher.stepsPerEpoch);
      expect(python.train).toEqual(train);
      expect(python.test).toEqual(evaluation);
    }
  });

  it('reads CIFAR-10’s batch files, loose or in the .tar.gz, into the engine’s batches', async () => {
    const files = new Map(
      [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((name, i): [string, Uint8Array] => [
        name,
        cifarBatch([i, (i + 3) % 10, (i + 5) % 10], (record, index) => (record * 37 + index * (i + 1)) & 0xff),
      ]),
    );
    const sets = readCifarFiles(files);
    const loose = folder();
    writeFiles(loose, files);
    const archived = folder();
    writeFileSync(
      join(archived, 'cifar-10-binary.tar.gz'),
      await gzip(writeTar([...files].map(([name, bytes]) => ({ name: `cifar-10-batches-bin/${name}`, data: bytes })))),
    );
    const options = { batchSize: 4, seed: 11, shuffle: true, augment: 'standard' as const, normalize: true };
    const engine = await engineBatches(createImageTrainingData(sets.train, sets.test, options), 8);
    const config = { task: 'image-classification', batch_size: 4, seed: 11, data: data({ from: 'files' }) };
    expect(pythonBatches(config, loose, 8)).toEqual(engine);
    expect(pythonBatches(config, archived, 8)).toEqual(engine);
  });

  it('draws word-level token windows and evaluates every token once, as the engine does', async () => {
    const fixture = await tokenFixture({
      train: [uint16Tokens([2, 3, 4, 5, 2, 6, 1, 2, 3, 4]), uint16Tokens([5, 6, 1, 2, 6, 4, 1, 0, 3])],
      validation: [uint16Tokens([2, 3, 1, 4, 5, 6, 1, 2])],
      test: [uint16Tokens([0, 4, 5, 6, 1, 3, 2, 2, 4, 1, 6])],
    });
    const dir = folder();
    writeFiles(join(dir, 'wikitext2'), fixture.files);
    const splits = { train: splitTokens(fixture, 'train'), validation: splitTokens(fixture, 'validation'), test: splitTokens(fixture, 'test') };
    const engine = await engineBatches(
      createTextTrainingData(splits, vocabularyOf(FIXTURE_VOCABULARY, '<unk>', '<eos>'), { batchSize: 2, context: 3, seed: 5 }),
      6,
    );
    const config = { task: 'language-modeling', batch_size: 2, seed: 5, data: { source: 'wikitext2', from: 'shards', shuffle: true } };
    expect(pythonBatches(config, dir, 6, 3)).toEqual(engine);
  });

  it('cuts GPT-1 BPE shards into the paper’s windows, shuffled per epoch, as the engine does', async () => {
    const fixture = await gpt1BpeFixture({
      train: 'The lower cat, the newest 1999 cat! '.repeat(6),
      validation: 'the cat was lower.',
      test: 'the newest cat. '.repeat(3),
    });
    const dir = folder();
    writeFiles(join(dir, 'wikitext2'), fixture.files);
    const splits = { train: splitTokens(fixture, 'train'), validation: splitTokens(fixture, 'validation'), test: splitTokens(fixture, 'test') };
    const engine = await engineBatches(createPaperWindowTrainingData(splits, fixture.tokenizer, { batchSize: 3, context: 8, seed: 2 }), 7);
    const config = { task: 'language-modeling', batch_size: 3, seed: 2, data: { source: 'wikitext2', from: 'shards', shuffle: true } };
    expect(pythonBatches(config, dir, 7, 8)).toEqual(engine);
  });

  it('computes Iris and shuffles it per epoch as the engine does', async () => {
    const engine = await engineBatches(new IrisTrainingData({ batchSize: 40, seed: 3, shuffle: true }), 5);
    const python = pythonBatches({ task: 'tabular-classification', batch_size: 40, seed: 3, data: { source: 'iris', shuffle: true } }, folder(), 5);
    expect(python).toEqual(engine);
  });

  it('names the missing or truncated file and what to do', async () => {
    const fixture = await imageFixture();
    const dir = folder();
    writeFiles(join(dir, 'cifar10'), fixture.files);
    writeFileSync(join(dir, 'cifar10', 'train-00001.bin'), fixture.files.get('train-00001.bin')!.subarray(0, 100));
    const config = { task: 'image-classification', batch_size: 2, seed: 0, data: data({}) };
    expect(() => pythonBatches(config, dir, 3)).toThrow(/train-00001\.bin is 100 bytes but .*manifest\.json lists 12292: the file is truncated/);
    expect(() => pythonBatches(config, folder(), 1)).toThrow(/No shard manifest for cifar10: looked for .*npm run data -- cifar10/);
    expect(() => pythonBatches({ ...config, data: data({ from: 'files' }) }, folder(), 1)).toThrow(/CIFAR-10 is incomplete: data_batch_1\.bin/);
  });
});
