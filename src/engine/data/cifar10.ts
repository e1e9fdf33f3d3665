// CIFAR-10 in its official binary format (https://www.cs.toronto.edu/~kriz/cifar.html): each
// batch file is a run of 3073-byte records, one label byte then 3072 pixel bytes (the R, G and
// B planes, each 32x32 row-major), which is already ImageSet's pixel layout.

import { gunzip, readTar } from './archive';
import { DatasetError } from './dataset-error';
import { IMAGE_BYTES, type ImageSet } from './image-set';

export const CIFAR10_CLASS_NAMES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Per-channel mean and standard deviation of the 50,000 training images, pixels scaled to [0, 1]. */
export const CIFAR10_MEAN: readonly [number, number, number] = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD: readonly [number, number, number] = [0.247, 0.2435, 0.2616];

export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;
export const CIFAR10_TRAIN_FILES: readonly string[] = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
/** Where the archive is published, and the page that describes it. */
export const CIFAR10_ARCHIVE_URL = `https://www.cs.toronto.edu/~kriz/${CIFAR10_ARCHIVE_NAME}`;
const CIFAR10_PAGE_URL = 'https://www.cs.toronto.edu/~kriz/cifar.html';

const DOWNLOAD_ADVICE = `download the binary version, ${CIFAR10_ARCHIVE_NAME}, from ${CIFAR10_PAGE_URL}`;

export interface CifarSplits {
  train: ImageSet;
  test: ImageSet;
}

interface BatchFile {
  bytes: Uint8Array;
  fileName: string;
}

function checkBatch({ bytes, fileName }: BatchFile): number {
  if (bytes.length === 0) {
    throw new DatasetError(
      'empty',
      `${fileName} is empty (0 bytes), but a CIFAR-10 batch holds records of ${CIFAR10_RECORD_BYTES} bytes; ${DOWNLOAD_ADVICE}.`,
      fileName,
    );
  }
  const records = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
  const leftOver = bytes.length - records * CIFAR10_RECORD_BYTES;
  if (leftOver !== 0) {
    throw new DatasetError(
      'truncated',
      `${fileName} is ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records: ` +
        `${records} whole records and ${leftOver} bytes left over. The file looks truncated; ${DOWNLOAD_ADVICE}.`,
      fileName,
    );
  }
  for (let record = 0; record < records; record++) {
    const label = bytes[record * CIFAR10_RECORD_BYTES];
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw new DatasetError(
        'label',
        `${fileName}: record ${record} has label ${label}, but CIFAR-10 labels are 0 to 9, so this is not a CIFAR-10 binary batch ` +
          `(CIFAR-100's records, for one, start with two label bytes); ${DOWNLOAD_ADVICE}.`,
        fileName,
      );
    }
  }
  return records;
}

/** Several batch files as one set, in the order given; every file is checked before any copying. */
function parseBatches(files: readonly BatchFile[]): ImageSet {
  const counts = files.map(checkBatch);
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Uint8Array(total);
  let image = 0;
  files.forEach(({ bytes }, file) => {
    for (let record = 0; record < counts[file]; record++, image++) {
      const start = record * CIFAR10_RECORD_BYTES;
      labels[image] = bytes[start];
      images.set(bytes.subarray(start + 1, start + CIFAR10_RECORD_BYTES), image * IMAGE_BYTES);
    }
  });
  return { images, labels, classNames: [...CIFAR10_CLASS_NAMES] };
}

/** One batch file (data_batch_N.bin or test_batch.bin); fileName is only used in messages. */
export function parseCifarBatch(bytes: Uint8Array, fileName: string): ImageSet {
  return parseBatches([{ bytes, fileName }]);
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function describeList(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Picks the six batch files out of (path, bytes) pairs by base name and reads them. */
function readSplits(entries: Iterable<[string, Uint8Array]>, source: string): CifarSplits {
  const byName = new Map<string, BatchFile>();
  const wanted = new Set([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]);
  const seen = new Set<string>();
  for (const [path, bytes] of entries) {
    const name = baseName(path);
    seen.add(name);
    if (!wanted.has(name)) continue;
    const earlier = byName.get(name);
    if (earlier) {
      throw new DatasetError(
        'ambiguous-files',
        `${name} appears twice in ${source}, as "${earlier.fileName}" and "${path}"; keep one copy of each CIFAR-10 batch file.`,
      );
    }
    byName.set(name, { bytes, fileName: path });
  }
  const needed = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const found = needed.map((name) => byName.get(name)).filter((file): file is BatchFile => file !== undefined);
  if (found.length < needed.length) {
    const missing = needed.filter((name) => !byName.has(name));
    // The Python version names its batches data_batch_1 ... test_batch, without ".bin".
    const pythonVersion = seen.has('data_batch_1') || seen.has('test_batch');
    const hint = pythonVersion
      ? 'This looks like the Python version of CIFAR-10 (cifar-10-python.tar.gz), whose files are pickles; '
      : `CIFAR-10 needs ${describeList(CIFAR10_TRAIN_FILES)} for training and ${CIFAR10_TEST_FILE} for testing; `;
    throw new DatasetError(
      'missing-files',
      `${describeList(missing)} ${missing.length === 1 ? 'is' : 'are'} missing from ${source}. ${hint}${DOWNLOAD_ADVICE}.`,
    );
  }
  return { train: parseBatches(found.slice(0, CIFAR10_TRAIN_FILES.length)), test: parseBatches(found.slice(CIFAR10_TRAIN_FILES.length)) };
}

/** cifar-10-binary.tar.gz as downloaded: the five training batches in order, and the test batch. */
export async function readCifarArchive(bytes: Uint8Array, fileName: string = CIFAR10_ARCHIVE_NAME): Promise<CifarSplits> {
  const tar = await gunzip(bytes, fileName);
  const entries = readTar(tar, fileName);
  return readSplits(
    entries.map((entry): [string, Uint8Array] => [entry.path, entry.data]),
    fileName,
  );
}

/** The loose batch files, keyed by name or path (matched by base name), e.g. from a folder the user picked. */
export function readCifarFiles(files: ReadonlyMap<string, Uint8Array>): CifarSplits {
  return readSplits(files.entries(), 'the chosen files');
}

/** The records again as the batch files hold them: label byte, then the 3072 pixel bytes. */
export function cifarRecordStream(set: ImageSet): Uint8Array {
  const stream = new Uint8Array(set.labels.length * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < set.labels.length; i++) {
    stream[i * CIFAR10_RECORD_BYTES] = set.labels[i];
    stream.set(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), i * CIFAR10_RECORD_BYTES + 1);
  }
  return stream;
}
