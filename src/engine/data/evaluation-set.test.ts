// The loss landscape's evaluation set for every kind of data: the first training examples in
// order, neither shuffled nor augmented, normalised as training normalises them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/run-config';
import { startFaultServer, type FaultServer } from '../testing/fault-server';
import { faultServerClient } from '../testing/fault-server-client';
import { cifarBatch } from '../testing/data/file-fixtures';
import { imageFixture, imageRecords, uploadFixture } from '../testing/data/shard-fixtures';
import { CIFAR10_MEAN, CIFAR10_STD, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar10';
import { IMAGE_BYTES, IMAGE_PLANE_BYTES, type ImageSet } from './image-set';
import { generateSyntheticImages } from './synthetic-images';
import { loadTrainingData } from './load/training-data-from-config';
import { createTextTrainingData } from './text-training-data';
import type { Batch } from './training-data';
import { buildVocabulary } from './wikitext';

const runs = [{ name: 'sgd', optimizer: { type: 'sgd', lr: 0.1 } }];
const noProgress = () => undefined;

/** (v / 255 - mean_c) / std_c, as ToTensor and Normalize compute it (float32 rounding aside). */
const normalised = (v: number, channel: number) => (v / 255 - CIFAR10_MEAN[channel]) / CIFAR10_STD[channel];

/** Every pixel of the batch is the normalised byte of the same pixel of `images` (not cropped, not flipped). */
function expectUnaugmented(batch: Batch, pixel: (row: number, index: number) => number): void {
  for (let row = 0; row < batch.size; row++) {
    for (let index = 0; index < IMAGE_BYTES; index++) {
      const expected = normalised(pixel(row, index), Math.floor(index / IMAGE_PLANE_BYTES));
      const actual = batch.inputs[row * IMAGE_BYTES + index];
      if (Math.abs(actual - expected) > 1e-6) throw new Error(`row ${row} byte ${index}: ${actual}, expected ${expected}`);
    }
  }
}

describe('evaluation set of image data', () => {
  it('is the first training images, unaugmented and normalised, and leaves the training batches alone', async () => {
    const config = parseRunConfig({ batch_size: 4, steps: 1, seed: 2, data: { train_size: 24, test_size: 4, augment: 'standard' }, runs });
    const train: ImageSet = generateSyntheticImages(24, 2);
    const data = await loadTrainingData(config, [], noProgress);
    const twin = await loadTrainingData(config, [], noProgress);
    const set = await data.evaluationSet(5);
    expect(set.size).toBe(5);
    expect(set.inputs).toHaveLength(5 * IMAGE_BYTES);
    expect(Array.from(set.targets)).toEqual(Array.from(train.labels.subarray(0, 5)));
    expectUnaugmented(set, (row, index) => train.images[row * IMAGE_BYTES + index]);
    // Its own buffers: a training batch drawn afterwards neither changes it nor differs from one drawn without it.
    const before = Array.from(set.inputs);
    expect(Array.from((await data.nextBatch()).inputs)).toEqual(Array.from((await twin.nextBatch()).inputs));
    expect(Array.from(set.inputs)).toEqual(before);
    expect((await data.evaluationSet(24)).size).toBe(24);
    await expect(data.evaluationSet(25)).rejects.toThrow('landscape.eval_size must be a whole number in 1..24 (the training images there are); got 25.');
  });

  it('from CIFAR-10 files is the start of data_batch_1, then data_batch_2', async () => {
    // Two records per file; byte i of record r of file f is (r + i + f) & 0xff.
    const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((name, f) => ({
      name,
      bytes: cifarBatch([(2 * f) % 10, (2 * f + 1) % 10], (record, index) => (record + index + f) & 0xff).slice().buffer,
    }));
    const config = parseRunConfig({ batch_size: 2, steps: 1, data: { source: 'cifar10', from: 'files', augment: 'standard' }, runs });
    const data = await loadTrainingData(config, files, noProgress);
    const set = await data.evaluationSet(3);
    expect(Array.from(set.targets)).toEqual([0, 1, 2]);
    expectUnaugmented(set, (row, index) => ((row % 2) + index + Math.floor(row / 2)) & 0xff);
    await expect(data.evaluationSet(11)).rejects.toThrow('landscape.eval_size must be a whole number in 1..10 (the training images there are); got 11.');
  });

  describe('from shards', () => {
    let server: FaultServer;
    beforeAll(async () => {
      server = await startFaultServer();
    });
    afterAll(() => server.close());

    it('reads the first records in the manifest’s shard order, whatever order training streams them in', async () => {
      // Ids 0..11 in shards of 4; record id has label id % 10 and pixel 0 = id.
      const url = await uploadFixture(faultServerClient(server.url), 'data/evaluation/', await imageFixture());
      const config = parseRunConfig({ batch_size: 2, steps: 1, seed: 9, data: { source: 'cifar10', from: 'shards', url, augment: 'standard' }, runs });
      const data = await loadTrainingData(config, [], noProgress);
      const set = await data.evaluationSet(6);
      expect(Array.from(set.targets)).toEqual([0, 1, 2, 3, 4, 5]);
      const records = imageRecords([0, 1, 2, 3, 4, 5]);
      expectUnaugmented(set, (row, index) => records[row * (IMAGE_BYTES + 1) + 1 + index]);
      expect((await data.evaluationSet(12)).size).toBe(12);
      await expect(data.evaluationSet(13)).rejects.toThrow('landscape.eval_size must be a whole number in 1..12 (the training images there are); got 13.');
    });
  });
});

describe('evaluation set of text data', () => {
  const vocabulary = buildVocabulary(['a b c']);

  it('is the first sequences of the context laid end to end, each token followed by its target', async () => {
    // 130 tokens hold 16 windows of 8 inputs and 8 targets (the last target is token 128).
    const train = Uint32Array.from({ length: 130 }, (_, i) => (i * 7) % 1000);
    const data = createTextTrainingData({ train, validation: train, test: train }, vocabulary, { batchSize: 2, context: 8, seed: 1 });
    const set = await data.evaluationSet(3);
    expect(set.size).toBe(3);
    expect(Array.from(set.inputs)).toEqual(Array.from(train.subarray(0, 24)));
    expect(Array.from(set.targets)).toEqual(Array.from(train.subarray(1, 25)));
    const all = await data.evaluationSet(16);
    expect(all.targets.at(-1)).toBe(train[128]);
    await expect(data.evaluationSet(17)).rejects.toThrow(
      'landscape.eval_size must be a whole number in 1..16 (the training sequences of 8 tokens there are); got 17.',
    );
  });

  it("uses the model's context when loaded from a config", async () => {
    const config = parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', batch_size: 2, steps: 1, data: { train_size: 200, test_size: 20 }, runs });
    const data = await loadTrainingData(config, [], noProgress);
    const set = await data.evaluationSet(2);
    // gpt1-tiny reads 64 tokens; targets are the inputs shifted by one.
    expect(set.inputs).toHaveLength(128);
    expect(Array.from(set.targets.subarray(0, 127))).toEqual(Array.from(set.inputs.subarray(1, 128)));
  });
});
