import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, CIFAR10_MEAN, CIFAR10_RECORD_BYTES, CIFAR10_STD, parseCifarBatch, readCifarArchive, readCifarFiles } from './cifar10';
import { DatasetError, type DatasetErrorKind } from './dataset-error';
import { cifarBatch, gzip, writeTar, type TarFixtureEntry } from '../testing/data/file-fixtures';

// Pixel byte i of record r in the fixtures: distinct across records, and across the three planes.
const pixelOf = (record: number, index: number) => (record * 31 + index * 7 + (index >> 10) * 50) & 0xff;

function expectDatasetError(run: () => unknown, kind: DatasetErrorKind, ...fragments: string[]): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DatasetError);
  const error = caught as DatasetError;
  expect(error.kind).toBe(kind);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

async function expectDatasetRejection(promise: Promise<unknown>, kind: DatasetErrorKind, ...fragments: string[]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DatasetError);
  expect((error as DatasetError).kind).toBe(kind);
  for (const fragment of fragments) expect((error as DatasetError).message).toContain(fragment);
}

const BATCH_NAMES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** Batch file k (0..5) holds two records labelled k and 9 - k, so the order of files shows in the labels. */
function batchFile(k: number): Uint8Array {
  return cifarBatch([k, 9 - k], (record, index) => pixelOf(10 * k + record, index));
}

describe('CIFAR-10 constants', () => {
  it('lists the classes in the official order and the training-set statistics', () => {
    expect(CIFAR10_CLASS_NAMES).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(CIFAR10_MEAN).toEqual([0.4914, 0.4822, 0.4465]);
    expect(CIFAR10_STD).toEqual([0.247, 0.2435, 0.2616]);
    expect(CIFAR10_RECORD_BYTES).toBe(3073);
  });
});

describe('parseCifarBatch', () => {
  it('splits records into labels and channel-major pixels', () => {
    const labels = [3, 0, 9];
    const set = parseCifarBatch(cifarBatch(labels, pixelOf), 'data_batch_1.bin');
    expect(Array.from(set.labels)).toEqual(labels);
    expect(set.images.length).toBe(3 * 3072);
    expect(set.classNames).toEqual(CIFAR10_CLASS_NAMES);
    for (let record = 0; record < 3; record++) {
      for (const index of [0, 1, 31, 32, 1023, 1024, 2047, 2048, 3071]) {
        expect(set.images[record * 3072 + index]).toBe(pixelOf(record, index));
      }
    }
  });

  it('reads the R plane, then G, then B, each row-major', () => {
    // Record 0: red 10 everywhere but 200 at (row 1, column 2); green 20; blue 30.
    const bytes = cifarBatch([1], (_, index) => (index === 1 * 32 + 2 ? 200 : 10 * (1 + (index >> 10))));
    const set = parseCifarBatch(bytes, 'test_batch.bin');
    expect(bytes[1 + 34]).toBe(200);
    expect(set.images[34]).toBe(200);
    expect(set.images[1024]).toBe(20);
    expect(set.images[2048 + 34]).toBe(30);
  });

  it('refuses an empty file', () => {
    expectDatasetError(
      () => parseCifarBatch(new Uint8Array(), 'data_batch_2.bin'),
      'empty',
      'data_batch_2.bin is empty',
      '3073 bytes',
      'cifar-10-binary.tar.gz',
    );
  });

  it('refuses a size that is not a whole number of records, saying how much is left over', () => {
    const cut = cifarBatch([1, 2, 3], pixelOf).subarray(0, 2 * 3073 + 100);
    expectDatasetError(
      () => parseCifarBatch(cut, 'data_batch_3.bin'),
      'truncated',
      'data_batch_3.bin is 6246 bytes',
      '2 whole records and 100 bytes left over',
      'looks truncated',
      'download',
    );
    expectDatasetError(() => parseCifarBatch(new Uint8Array(3072), 'test_batch.bin'), 'truncated', '0 whole records and 3072 bytes left over');
  });

  it('refuses a label of 10 or more, naming the record and the value', () => {
    const bytes = cifarBatch([4, 10, 2], pixelOf);
    expectDatasetError(() => parseCifarBatch(bytes, 'data_batch_4.bin'), 'label', 'data_batch_4.bin: record 1 has label 10', '0 to 9');
    const last = cifarBatch([0, 1, 255], pixelOf);
    expectDatasetError(() => parseCifarBatch(last, 'x.bin'), 'label', 'record 2 has label 255');
  });
});

describe('readCifarFiles', () => {
  const allFiles = () => new Map(BATCH_NAMES.map((name, k) => [`cifar-10-batches-bin/${name}`, batchFile(k)]));

  it('joins the five training batches in order and keeps the test batch apart', () => {
    // Insertion order scrambled: the result must not depend on it.
    const files = new Map([...allFiles()].reverse());
    const { train, test } = readCifarFiles(files);
    expect(Array.from(train.labels)).toEqual([0, 9, 1, 8, 2, 7, 3, 6, 4, 5]);
    expect(Array.from(test.labels)).toEqual([5, 4]);
    expect(train.images.length).toBe(10 * 3072);
    expect(train.images[3 * 3072 + 5]).toBe(pixelOf(11, 5));
    expect(test.images[3072 + 2000]).toBe(pixelOf(51, 2000));
  });

  it('matches files by base name, with or without folders', () => {
    const files = new Map(BATCH_NAMES.map((name, k) => [k % 2 === 0 ? name : `C:\\data\\${name}`, batchFile(k)]));
    expect(readCifarFiles(files).train.labels.length).toBe(10);
  });

  it('names every missing file', () => {
    const files = allFiles();
    files.delete('cifar-10-batches-bin/data_batch_3.bin');
    files.delete('cifar-10-batches-bin/test_batch.bin');
    expectDatasetError(
      () => readCifarFiles(files),
      'missing-files',
      'data_batch_3.bin and test_batch.bin are missing from the chosen files',
      'data_batch_1.bin',
    );
  });

  it('recognises the Python version', () => {
    const files = new Map(['data_batch_1', 'data_batch_2', 'test_batch', 'batches.meta'].map((name) => [name, new Uint8Array(10)]));
    expectDatasetError(() => readCifarFiles(files), 'missing-files', 'Python version', 'cifar-10-binary.tar.gz');
  });

  it('refuses two copies of a batch', () => {
    const files = allFiles();
    files.set('copy/data_batch_2.bin', batchFile(1));
    expectDatasetError(
      () => readCifarFiles(files),
      'ambiguous-files',
      'data_batch_2.bin appears twice',
      'cifar-10-batches-bin/data_batch_2.bin',
      'copy/data_batch_2.bin',
    );
  });

  it('names the damaged file by its path', () => {
    const files = allFiles();
    files.set('cifar-10-batches-bin/data_batch_5.bin', batchFile(4).subarray(0, 3073 + 7));
    expectDatasetError(() => readCifarFiles(files), 'truncated', 'cifar-10-batches-bin/data_batch_5.bin is 3080 bytes', '7 bytes left over');
  });
});

describe('readCifarArchive', () => {
  const archiveEntries = (): TarFixtureEntry[] => [
    { name: 'cifar-10-batches-bin/', typeflag: '5' },
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: new TextEncoder().encode(`${CIFAR10_CLASS_NAMES.join('\n')}\n`) },
    // Not in numeric order, as tar lists files in directory order.
    ...[2, 0, 4, 5, 1, 3].map((k) => ({ name: `cifar-10-batches-bin/${BATCH_NAMES[k]}`, data: batchFile(k) })),
    { name: 'cifar-10-batches-bin/readme.html', data: new TextEncoder().encode('<html></html>') },
  ];

  it('reads cifar-10-binary.tar.gz', async () => {
    const { train, test } = await readCifarArchive(await gzip(writeTar(archiveEntries())));
    expect(Array.from(train.labels)).toEqual([0, 9, 1, 8, 2, 7, 3, 6, 4, 5]);
    expect(Array.from(test.labels)).toEqual([5, 4]);
    expect(train.images[9 * 3072 + 3071]).toBe(pixelOf(41, 3071));
    expect(train.classNames).toEqual(CIFAR10_CLASS_NAMES);
  });

  it('refuses a file that is not gzip', async () => {
    const tar = writeTar(archiveEntries());
    await expectDatasetRejection(readCifarArchive(tar, 'cifar-10-binary.tar'), 'not-gzip', 'cifar-10-binary.tar is not a gzip file', '1f 8b');
    await expectDatasetRejection(readCifarArchive(new Uint8Array()), 'not-gzip', 'cifar-10-binary.tar.gz is not a gzip file');
  });

  it('refuses gzip that does not hold a tar archive', async () => {
    const text = await gzip(new TextEncoder().encode('airplane\n'.repeat(100)));
    await expectDatasetRejection(readCifarArchive(text, 'notes.gz'), 'not-tar', 'notes.gz does not contain a tar archive');
  });

  it('refuses a damaged gzip stream', async () => {
    const archive = await gzip(writeTar(archiveEntries()));
    await expectDatasetRejection(readCifarArchive(archive.subarray(0, archive.length >> 1)), 'corrupt', 'could not be decompressed', 'cut short');
  });

  it('names the files an archive lacks', async () => {
    const entries = archiveEntries().filter((entry) => !entry.name.endsWith('test_batch.bin') && !entry.name.endsWith('data_batch_1.bin'));
    await expectDatasetRejection(
      readCifarArchive(await gzip(writeTar(entries))),
      'missing-files',
      'data_batch_1.bin and test_batch.bin are missing from cifar-10-binary.tar.gz',
    );
  });

  it('refuses an archive whose tar stream is cut inside a file', async () => {
    const tar = writeTar(archiveEntries());
    await expectDatasetRejection(
      readCifarArchive(await gzip(tar.subarray(0, 512 * 6 + 1000))),
      'truncated',
      'cifar-10-binary.tar.gz is cut short',
      '"cifar-10-batches-bin/data_batch_3.bin" needs 6146 bytes',
    );
  });

  it('refuses a damaged tar header', async () => {
    const tar = writeTar(archiveEntries());
    // Headers: directory at 0, batches.meta.txt at 512 (data at 1024), data_batch_3.bin at 1536.
    tar[1536 + 5] ^= 0x01;
    await expectDatasetRejection(readCifarArchive(await gzip(tar)), 'not-tar', 'damaged tar header at byte 1536');
  });

  it('refuses a bad batch inside the archive, naming it', async () => {
    const entries = archiveEntries().map((entry) => (entry.name.endsWith('test_batch.bin') ? { ...entry, data: cifarBatch([1, 12], pixelOf) } : entry));
    await expectDatasetRejection(readCifarArchive(await gzip(writeTar(entries))), 'label', 'cifar-10-batches-bin/test_batch.bin: record 1 has label 12');
  });
});
