import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/run-config';
import { cifarBatch } from '../../testing/data/file-fixtures';
import { CIFAR10_CLASS_NAMES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from '../cifar10';
import { IMAGE_BYTES } from '../image-set';
import type { Batch, TrainingData } from '../training-data';
import type { Vocabulary } from '../wikitext';
import type { DataFile } from './data-files';
import { loadTrainingData } from './training-data-from-config';

const runs = [{ name: 'sgd', optimizer: { type: 'sgd', lr: 0.1 } }];
const noProgress = () => undefined;
const asFile = (name: string, bytes: Uint8Array): DataFile => ({ name, bytes: bytes.slice().buffer });
const copy = (batch: Batch) => ({ inputs: Array.from(batch.inputs), targets: Array.from(batch.targets), size: batch.size });
const sizes = (batches: Iterable<Batch>) => Array.from(batches, (batch) => batch.size);

async function firstBatches(data: TrainingData, count: number) {
  const batches = [];
  for (let i = 0; i < count; i++) batches.push(copy(await data.nextBatch()));
  return batches;
}

describe('loadTrainingData', () => {
  it('builds seeded batches of the built-in images, testing on images the training set does not hold', async () => {
    const config = parseRunConfig({ batch_size: 8, steps: 1, seed: 4, data: { train_size: 40, test_size: 10, augment: 'none' }, runs });
    const data = await loadTrainingData(config, [], noProgress);
    expect(data).toMatchObject({ task: 'image-classification', classes: 10, stepsPerEpoch: 5 });
    expect(data.vocabulary).toBeUndefined();
    const [batch] = await firstBatches(data, 1);
    expect(batch.inputs).toHaveLength(8 * IMAGE_BYTES);
    expect(batch.targets).toHaveLength(8);
    expect(sizes(data.testBatches())).toEqual([8, 2]);
    const again = await loadTrainingData(config, [], noProgress);
    expect(await firstBatches(again, 2)).toEqual([batch, ...(await firstBatches(data, 1))]);
    const [test] = Array.from(again.testBatches(), copy);
    expect(test.inputs).not.toEqual(batch.inputs);
  });

  it('builds a word-level vocabulary from the built-in corpus and windows as long as the model’s context', async () => {
    const config = parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', batch_size: 2, steps: 1, data: { train_size: 200, test_size: 20 }, runs });
    const data = await loadTrainingData(config, [], noProgress);
    expect(data.task).toBe('language-modeling');
    const vocabulary = data.vocabulary as Vocabulary;
    expect(vocabulary.tokens.length).toBe(data.classes);
    expect(vocabulary.tokens[vocabulary.eos]).toBe('<eos>');
    const batch = await data.nextBatch();
    // gpt1-tiny reads 64 tokens.
    expect(batch.inputs).toHaveLength(2 * 64);
    expect(batch.targets).toHaveLength(2 * 64);
    expect(data.validationBatches).toBeDefined();
  });

  it('reads CIFAR-10’s batch files handed over as bytes', async () => {
    const labels = (first: number) => [first % 10, (first + 1) % 10];
    const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((name, i) =>
      asFile(
        name,
        cifarBatch(labels(2 * i), (record, index) => (record + index + i) & 0xff),
      ),
    );
    const config = parseRunConfig({ batch_size: 2, steps: 1, data: { source: 'cifar10', from: 'files', augment: 'none', shuffle: false }, runs });
    const data = await loadTrainingData(config, files, noProgress);
    expect(data).toMatchObject({ task: 'image-classification', classes: CIFAR10_CLASS_NAMES.length, stepsPerEpoch: 5 });
    expect(Array.from((await data.nextBatch()).targets)).toEqual([0, 1]);
    const tests = Array.from(data.testBatches(), copy);
    expect(tests.map((batch) => batch.targets)).toEqual([[0, 1]]);
  });

  it('reads WikiText-2’s token files handed over as bytes, with the vocabulary of the training split', async () => {
    const text = (lines: string) => new TextEncoder().encode(lines);
    // 72 training tokens: enough for one window of gpt1-tiny's context, 64.
    const files = [
      asFile('wiki.train.tokens', text(' the cat sat \n on the mat \n'.repeat(9))),
      asFile('wiki.valid.tokens', text(' the dog \n')),
      asFile('wiki.test.tokens', text(' a cat \n')),
    ];
    const config = parseRunConfig({
      task: 'language-modeling',
      model: 'gpt1-tiny',
      batch_size: 1,
      steps: 1,
      data: { source: 'wikitext2', from: 'files' },
      runs,
    });
    const data = await loadTrainingData(config, files, noProgress);
    expect(data.vocabulary?.tokens).toEqual(['the', 'cat', 'sat', '<eos>', 'on', 'mat', '<unk>']);
    expect(data.classes).toBe(7);
  });

  it('says which files to give when the config reads files but none were given', async () => {
    const images = parseRunConfig({ steps: 1, data: { source: 'cifar10', from: 'files' }, runs });
    await expect(loadTrainingData(images, [], noProgress)).rejects.toThrow('The config reads cifar10 from files but none were given');
    const text = parseRunConfig({ task: 'language-modeling', model: 'gpt1-tiny', steps: 1, data: { source: 'wikitext2', from: 'files' }, runs });
    await expect(loadTrainingData(text, [], noProgress)).rejects.toThrow('The config reads wikitext2 from files but none were given');
  });
});
