import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, inject, it } from 'vitest';
import { faultServerClient } from '../testing/fault-server-client';
import { CIFAR10_CLASS_NAMES } from './cifar10';
import { DatasetError, type DatasetErrorKind } from './dataset-error';
import { hfCifar10Url, hfWikitextUrl, readHfCifar10, readHfWikitext } from './hf-parquet';
import { IMAGE_BYTES } from './image-set';
import { fixturePlanes, pngFromPlanes } from '../testing/data/png-fixture';

const server = faultServerClient(inject('faultServerUrl'));
const prefix = `hf-parquet-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
let uploads = 0;

/** Uploads under a fresh path and returns that path (relative to the server). */
async function upload(bytes: Uint8Array | string, name = 'file.parquet'): Promise<string> {
  const path = `${prefix}/${uploads++}/${name}`;
  await server.put(path, bytes);
  return path;
}

interface CifarRow {
  /** The PNG file, or null for a row without an image. */
  png: Uint8Array | null;
  label: number;
}

// The layout `datasets` writes for an Image feature and a ClassLabel: img = struct {bytes: binary, path: string}, label = int64.
function cifarParquet(rows: readonly CifarRow[], rowGroupSize: number): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'img', data: rows.map((row) => (row.png ? { bytes: row.png, path: null } : null)) },
      { name: 'label', data: rows.map((row) => BigInt(row.label)) },
    ],
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'img', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    rowGroupSize,
  });
  return new Uint8Array(buffer);
}

function wikitextParquet(lines: readonly (string | null)[], rowGroupSize: number, codec?: 'ZSTD'): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [{ name: 'text', data: lines as (string | null)[], type: 'STRING' }],
    rowGroupSize,
    // A stand-in compressor: the file only has to say ZSTD for the reader to refuse it.
    ...(codec ? { codec, compressors: { [codec]: (bytes: Uint8Array) => bytes } } : {}),
  });
  return new Uint8Array(buffer);
}

async function cifarRows(labels: readonly number[]): Promise<{ rows: CifarRow[]; planes: Uint8Array[] }> {
  const planes = labels.map((_, i) => fixturePlanes(i + 1));
  const rows = await Promise.all(labels.map(async (label, i) => ({ png: await pngFromPlanes(planes[i]), label })));
  return { rows, planes };
}

async function expectDatasetError(promise: Promise<unknown>, kind: DatasetErrorKind, ...parts: string[]): Promise<DatasetError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a DatasetError of kind ${kind}, but the read succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DatasetError);
  const datasetError = error as DatasetError;
  expect({ kind: datasetError.kind, message: datasetError.message }).toMatchObject({ kind });
  for (const part of parts) expect(datasetError.message).toContain(part);
  return datasetError;
}

const LABELS = [3, 0, 9, 5, 1, 7];

describe('readHfCifar10', () => {
  it('reads every PNG pixel and label exactly, one ranged GET per row group after the footer', async () => {
    const { rows, planes } = await cifarRows(LABELS);
    const path = await upload(cifarParquet(rows, 2));
    const progress: [string, number, number][] = [];
    const set = await readHfCifar10('train', { url: server.fileUrl(path), onProgress: (label, loaded, total) => progress.push([label, loaded, total]) });

    expect(Array.from(set.labels)).toEqual(LABELS);
    expect(set.classNames).toEqual([...CIFAR10_CLASS_NAMES]);
    expect(set.images.length).toBe(LABELS.length * IMAGE_BYTES);
    planes.forEach((expected, i) => expect(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)).toEqual(expected));
    expect(progress).toEqual([
      ['CIFAR-10 train (Hugging Face)', 0, 6],
      ['CIFAR-10 train (Hugging Face)', 2, 6],
      ['CIFAR-10 train (Hugging Face)', 4, 6],
      ['CIFAR-10 train (Hugging Face)', 6, 6],
    ]);
    // HEAD for the size (not counted), one GET for the footer, then one per row group: a
    // reader that fetched the whole file would have made a single GET.
    expect(await server.requestCount(path)).toBe(1 + 3);
  });

  it('decodes in a Web Worker, where there is no document', async () => {
    const { rows, planes } = await cifarRows([6, 2]);
    const url = server.fileUrl(await upload(cifarParquet(rows, 8)));
    const worker = new Worker(new URL('../testing/data/hf-parquet-reader-worker.ts', import.meta.url), { type: 'module' });
    try {
      const reply = await new Promise<{ labels?: Uint8Array; images?: Uint8Array; error?: { kind: string; message: string } }>((resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
        worker.postMessage({ url });
      });
      expect(reply.error).toBeUndefined();
      expect(Array.from(reply.labels ?? [])).toEqual([6, 2]);
      expect(reply.images).toEqual(Uint8Array.from([...planes[0], ...planes[1]]));
    } finally {
      worker.terminate();
    }
  });

  it('stops after rowLimit rows without fetching the row groups past it', async () => {
    const { rows, planes } = await cifarRows(LABELS);
    const path = await upload(cifarParquet(rows, 2));
    const progress: number[] = [];
    const set = await readHfCifar10('test', { url: server.fileUrl(path), rowLimit: 3, onProgress: (_, loaded, total) => progress.push(loaded, total) });

    expect(Array.from(set.labels)).toEqual(LABELS.slice(0, 3));
    expect(set.images).toEqual(Uint8Array.from([...planes[0], ...planes[1], ...planes[2]]));
    expect(progress).toEqual([0, 3, 2, 3, 3, 3]);
    expect(await server.requestCount(path)).toBe(1 + 2);
  });

  it('finds the split under baseUrl at the Hub path datasets/uoft-cs/cifar10/resolve/main/plain_text/', async () => {
    const { rows, planes } = await cifarRows([4, 8]);
    const base = `${server.url}/${prefix}/hub/`;
    const hubPath = hfCifar10Url('test', base).slice(server.url.length + 1);
    expect(hubPath).toBe(`${prefix}/hub/datasets/uoft-cs/cifar10/resolve/main/plain_text/test-00000-of-00001.parquet`);
    await server.put(hubPath, cifarParquet(rows, 8));
    const set = await readHfCifar10('test', { baseUrl: base });
    expect(Array.from(set.labels)).toEqual([4, 8]);
    expect(set.images.subarray(IMAGE_BYTES)).toEqual(planes[1]);
  });

  it('refuses a label outside 0..9, naming the row', async () => {
    const { rows } = await cifarRows([1, 2, 10]);
    const url = server.fileUrl(await upload(cifarParquet(rows, 8)));
    const error = await expectDatasetError(readHfCifar10('train', { url }), 'label', 'Row 2', 'label 10', '0 to 9', url);
    expect(error.fileName).toBe(url);
  });

  it('refuses an image that is not 32x32, naming the row and its size', async () => {
    const { rows } = await cifarRows([1, 2, 3]);
    rows[1].png = await pngFromPlanes(fixturePlanes(9, 16, 16), 16, 16);
    const url = server.fileUrl(await upload(cifarParquet(rows, 8)));
    await expectDatasetError(readHfCifar10('train', { url }), 'shape', 'Row 1', '16x16', '32x32');
  });

  it('refuses img.bytes that are not a PNG, and a row without an image', async () => {
    const { rows } = await cifarRows([1, 2]);
    rows[1].png = new TextEncoder().encode('not a png at all');
    const notPng = server.fileUrl(await upload(cifarParquet(rows, 8)));
    await expectDatasetError(readHfCifar10('train', { url: notPng }), 'corrupt', 'Row 1', 'not a PNG image');

    rows[1].png = null;
    const noImage = server.fileUrl(await upload(cifarParquet(rows, 8)));
    await expectDatasetError(readHfCifar10('train', { url: noImage }), 'corrupt', 'Row 1', 'no image bytes in img.bytes');
  });

  it('refuses a parquet file without img.bytes and label, listing the columns it has', async () => {
    const url = server.fileUrl(await upload(wikitextParquet(['a\n'], 8)));
    await expectDatasetError(readHfCifar10('train', { url }), 'parquet', 'no column img.bytes', 'its columns are text', 'uoft-cs/cifar10');
  });

  it('refuses a file with no rows', async () => {
    const url = server.fileUrl(await upload(cifarParquet([], 8)));
    await expectDatasetError(readHfCifar10('test', { url }), 'empty', 'no rows', url);
  });

  it('refuses a rowLimit that is not a positive whole number', async () => {
    await expect(readHfCifar10('train', { url: server.fileUrl('unused'), rowLimit: 0 })).rejects.toThrow(
      'rowLimit must be a whole number of rows above 0, got 0',
    );
  });
});

describe('readHfWikitext', () => {
  const LINES = [
    '',
    ' = Valkyria Chronicles III = \n',
    '',
    ' Senjō no Valkyria 3 : <unk> Chronicles\n',
    ' The game began development in 2010 .\n',
    '\n',
    'no newline',
  ];

  it('reads the lines without their newline, keeping blank ones as empty strings', async () => {
    const path = await upload(wikitextParquet(LINES, 3));
    const progress: [string, number, number][] = [];
    const lines = await readHfWikitext('validation', {
      url: server.fileUrl(path),
      onProgress: (label, loaded, total) => progress.push([label, loaded, total]),
    });
    expect(lines).toEqual([
      '',
      ' = Valkyria Chronicles III = ',
      '',
      ' Senjō no Valkyria 3 : <unk> Chronicles',
      ' The game began development in 2010 .',
      '',
      'no newline',
    ]);
    expect(progress.map(([, loaded, total]) => [loaded, total])).toEqual([
      [0, 7],
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
    expect(progress[0][0]).toBe('WikiText-2 validation (Hugging Face)');
    expect(await server.requestCount(path)).toBe(1 + 3);
  });

  it('finds the split under baseUrl at the Hub path datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/', async () => {
    const base = `${server.url}/${prefix}/hub`;
    const hubPath = hfWikitextUrl('test', base).slice(server.url.length + 1);
    expect(hubPath).toBe(`${prefix}/hub/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/test-00000-of-00001.parquet`);
    await server.put(hubPath, wikitextParquet(['a\n', '', 'b\n'], 8));
    expect(await readHfWikitext('test', { baseUrl: base })).toEqual(['a', '', 'b']);
  });

  it('refuses a file without a text column, listing the columns it has', async () => {
    const { rows } = await cifarRows([1]);
    const url = server.fileUrl(await upload(cifarParquet(rows, 8)));
    await expectDatasetError(readHfWikitext('train', { url }), 'parquet', 'no column text', 'its columns are img {bytes, path}, label', 'Salesforce/wikitext');
  });

  it('refuses a row whose text is null', async () => {
    const url = server.fileUrl(await upload(wikitextParquet(['a\n', null], 8)));
    await expectDatasetError(readHfWikitext('train', { url }), 'corrupt', 'Row 1', 'has no text');
  });

  it('says which rows it could not decode, e.g. a codec hyparquet lacks', async () => {
    const url = server.fileUrl(await upload(wikitextParquet(['a\n', 'b\n'], 8, 'ZSTD')));
    await expectDatasetError(readHfWikitext('train', { url }), 'parquet', 'Could not read rows 0 to 1', 'unsupported compression codec: ZSTD', 'snappy');
  });

  it('refuses a file with no rows', async () => {
    const url = server.fileUrl(await upload(wikitextParquet([], 8)));
    await expectDatasetError(readHfWikitext('train', { url }), 'empty', 'no rows');
  });
});

describe('hf-parquet faults', () => {
  it('turns a 404 (on the HEAD asking for the size) into an http error', async () => {
    const path = await upload(wikitextParquet(['a\n'], 8));
    await server.setFault(path, '404');
    const url = server.fileUrl(path);
    await expectDatasetError(readHfWikitext('train', { url }), 'http', 'HEAD', url, 'HTTP 404', 'no file at that address');
  });

  it('turns a 500 into an http error', async () => {
    const path = await upload(wikitextParquet(['a\n'], 8));
    await server.setFault(path, '500');
    await expectDatasetError(readHfCifar10('train', { url: server.fileUrl(path) }), 'http', 'HTTP 500', 'server failed');
  });

  it('refuses bytes that are not parquet, saying what was expected', async () => {
    const url = server.fileUrl(await upload('<!doctype html><html><body>a dataset page</body></html>', 'page.parquet'));
    const error = await expectDatasetError(
      readHfCifar10('train', { url }),
      'parquet',
      `${url} (55 bytes) is not a readable parquet file`,
      'footer != PAR1',
      'columns img {bytes, path}',
      '/resolve/',
    );
    expect(error.fileName).toBe(url);
    await expectDatasetError(readHfWikitext('test', { url }), 'parquet', 'not a readable parquet file', 'column text', hfWikitextUrl('test'));
  });

  it('explains CORS when the server sends no Access-Control-Allow-Origin', async () => {
    const path = await upload(wikitextParquet(['a\n'], 8));
    await server.setFault(path, 'no-cors');
    await expectDatasetError(
      readHfWikitext('train', { url: server.fileUrl(path) }),
      'network',
      'Could not fetch',
      'Access-Control-Allow-Origin',
      'network is down',
    );
  });

  it('reports a download that breaks off mid-range as truncated', async () => {
    const path = await upload(wikitextParquet(['a\n', 'b\n'], 8));
    await server.setFault(path, 'truncate');
    await expectDatasetError(readHfWikitext('train', { url: server.fileUrl(path) }), 'truncated', 'broke off', 'bytes=');
  });
});
