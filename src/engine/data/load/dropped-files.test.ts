import { describe, expect, it } from 'vitest';
import { rejectedDatasetError } from '../../testing/data/dataset-errors';
import { cifarBatch, gzip, writeTar } from '../../testing/data/file-fixtures';
import { CIFAR10_ARCHIVE_NAME, CIFAR10_CLASS_NAMES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from '../cifar10';
import { inspectDataFiles, looksLikeCifar, looksLikeWikitext } from './dropped-files';

const batch = (records: number) =>
  cifarBatch(
    Array.from({ length: records }, (_, i) => i % 10),
    (record, index) => (record * 7 + index) & 0xff,
  );

describe('dropped files', () => {
  it('are told apart by their names, all of them at once', () => {
    expect(looksLikeCifar(['cifar-10-binary.tar.gz'])).toBe(true);
    expect(looksLikeCifar(['data_batch_1.bin', 'test_batch.bin'])).toBe(true);
    expect(looksLikeCifar(['data_batch_1.bin', 'wiki.train.tokens'])).toBe(false);
    expect(looksLikeWikitext(['wikitext-2-v1.zip'])).toBe(true);
    expect(looksLikeWikitext(['wiki.train.raw', 'wiki.valid.raw', 'wiki.test.raw'])).toBe(true);
    expect(looksLikeCifar([])).toBe(false);
    expect(looksLikeWikitext([])).toBe(false);
  });

  it('summarise CIFAR-10, as batch files or as the archive', async () => {
    const files = new Map([...CIFAR10_TRAIN_FILES.map((name): [string, Uint8Array] => [name, batch(3)]), [CIFAR10_TEST_FILE, batch(2)]]);
    const summary = { dataset: 'cifar10', train: 15, test: 2, classes: CIFAR10_CLASS_NAMES };
    expect(await inspectDataFiles(files)).toEqual(summary);
    const archive = await gzip(writeTar([...files].map(([name, data]) => ({ name: `cifar-10-batches-bin/${name}`, data }))));
    expect(await inspectDataFiles(new Map([[CIFAR10_ARCHIVE_NAME, archive]]))).toEqual(summary);
  });

  it('summarise WikiText-2 by its vocabulary and the tokens of each split', async () => {
    const text = (lines: string) => new TextEncoder().encode(lines);
    const files = new Map([
      ['wiki.train.tokens', text(' the cat sat \n on the mat \n')],
      ['wiki.valid.tokens', text(' the dog \n')],
      ['wiki.test.tokens', text(' a cat \n\n')],
    ]);
    // the cat sat on mat <eos> <unk>; each line's words and its <eos>.
    expect(await inspectDataFiles(files)).toEqual({ dataset: 'wikitext2', vocabulary: 7, train: 8, validation: 3, test: 4 });
  });

  it('name both datasets’ files when they are neither', async () => {
    const error = await rejectedDatasetError(inspectDataFiles(new Map([['photo.png', new Uint8Array(4)]])));
    expect(error.kind).toBe('missing-files');
    expect(error.message).toContain('Cannot tell which dataset photo.png is.');
    expect(error.message).toContain('cifar-10-binary.tar.gz');
    expect(error.message).toContain('wikitext-2-v1.zip');
  });
});
