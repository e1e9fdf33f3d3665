// CIFAR-10 and WikiText-2 read straight from the Hugging Face Hub's parquet files, over HTTP
// range requests (hyparquet fetches the footer, then one byte range per row group), so a
// page or a worker streams the data without a server of its own.
//
//   uoft-cs/cifar10, config plain_text: plain_text/{train,test}-00000-of-00001.parquet,
//     columns img = struct {bytes: PNG file, path: string} and label = class index 0..9
//   Salesforce/wikitext, config wikitext-2-raw-v1: wikitext-2-raw-v1/{train,validation,test}-00000-of-00001.parquet,
//     column text = one line of the raw file per row, with its "\n"; blank lines are rows of "\n" or ""
//
// A file is at <base>/datasets/<repo>/resolve/main/<path>.

import {
  asyncBufferFromUrl,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type ParquetRow,
  type SchemaTree,
} from 'hyparquet';
import { CIFAR10_CLASS_NAMES } from './cifar10';
import { DatasetError } from './dataset-error';
import { HF_DEFAULT_BASE_URL } from '../config/hf-hub';
import { IMAGE_BYTES, IMAGE_PLANE_BYTES, IMAGE_SIDE, type ImageSet } from './image-set';

export type HfCifar10Split = 'train' | 'test';
export type HfWikitextSplit = 'train' | 'validation' | 'test';

/** Rows read so far out of the rows to read; label names the file for a progress line. */
export type HfProgress = (label: string, loaded: number, total: number) => void;

export interface HfReadOptions {
  /** Where the Hub is; HF_DEFAULT_BASE_URL unless a mirror is used. */
  baseUrl?: string;
  /** The file's full URL, overriding baseUrl and split. */
  url?: string;
  onProgress?: HfProgress;
}

export interface HfCifar10Options extends HfReadOptions {
  /** Read only the first rowLimit images. */
  rowLimit?: number;
}

const CIFAR10_REPO = 'uoft-cs/cifar10';
const WIKITEXT_REPO = 'Salesforce/wikitext';

function hubFileUrl(base: string, repo: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/datasets/${repo}/resolve/main/${path}`;
}

export function hfCifar10Url(split: HfCifar10Split, base: string = HF_DEFAULT_BASE_URL): string {
  return hubFileUrl(base, CIFAR10_REPO, `plain_text/${split}-00000-of-00001.parquet`);
}

export function hfWikitextUrl(split: HfWikitextSplit, base: string = HF_DEFAULT_BASE_URL): string {
  return hubFileUrl(base, WIKITEXT_REPO, `wikitext-2-raw-v1/${split}-00000-of-00001.parquet`);
}

/** What the file should be, for messages: the dataset, its columns and the URL it normally has. */
interface Expected {
  what: string;
  columns: string;
  exampleUrl: string;
}

const URL_ADVICE = 'a Hugging Face URL must use /resolve/ (a /blob/ URL returns a web page)';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeStatus(status: number): string {
  if (status === 404) return 'there is no file at that address: check the base URL, the repository and the split';
  if (status === 401 || status === 403) return 'the server refused access: the dataset may be gated or private, or the mirror may need a login';
  if (status === 416) return 'the server could not serve a byte range of the file: it may have changed while being read; try again';
  if (status >= 500) return 'the server failed; try again later, or use a mirror through the base URL';
  return 'check the URL, or use a mirror through the base URL';
}

function httpError(url: string, response: Response, method: string): DatasetError {
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new DatasetError('http', `${method} ${url} answered HTTP ${status}: ${describeStatus(response.status)}.`, url);
}

function networkError(url: string, error: unknown): DatasetError {
  return new DatasetError(
    'network',
    `Could not fetch ${url} (${errorText(error)}): no HTTP answer came back. Either the network is down (check the connection), ` +
      'or the server does not let this page read the file: a file on another host must be served with an ' +
      '`Access-Control-Allow-Origin` header (huggingface.co sends one; a mirror or a local server may need it turned on), ' +
      'or be served from the same origin as this page.',
    url,
  );
}

/**
 * fetch for hyparquet that turns failures into DatasetErrors naming the URL. A 206 body is
 * read here, so a connection that drops mid-range says so instead of surfacing later as a
 * bare TypeError. HEAD answering 403 is passed on: hyparquet then asks for the length with a
 * ranged GET, as signed storage URLs require.
 */
function datasetFetch(url: string): typeof globalThis.fetch {
  return async (input, init) => {
    const method = init?.method ?? 'GET';
    let response: Response;
    try {
      response = await globalThis.fetch(input, init);
    } catch (error) {
      throw networkError(url, error);
    }
    if (!response.ok && !(method === 'HEAD' && response.status === 403)) throw httpError(url, response, method);
    if (response.status !== 206) return response;
    const range = new Headers(init?.headers).get('Range') ?? 'a byte range';
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (error) {
      throw new DatasetError('truncated', `The download of ${range} of ${url} broke off (${errorText(error)}); check the connection and try again.`, url);
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

interface OpenFile {
  file: AsyncBuffer;
  metadata: FileMetaData;
  schema: SchemaTree;
}

async function openParquet(url: string, expected: Expected): Promise<OpenFile> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromUrl({ url, fetch: datasetFetch(url) });
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(
      'http',
      `Could not learn the size of ${url} (${errorText(error)}): the server must answer HEAD with a Content-Length, or a ranged GET with a Content-Range. ` +
        `Serve the file from a server that supports HTTP range requests, or use ${expected.exampleUrl}.`,
      url,
    );
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(
      'parquet',
      `${url} (${file.byteLength} bytes) is not a readable parquet file: ${errorText(error)}; a parquet file ends in the 4 bytes "PAR1". ` +
        `Expected ${expected.what} with ${expected.columns}. Point the URL at that file, e.g. ${expected.exampleUrl}; ${URL_ADVICE}.`,
      url,
    );
  }
  return { file, metadata, schema: parquetSchema(metadata) };
}

function describeColumns(schema: SchemaTree): string {
  const describe = (node: SchemaTree): string =>
    node.children.length ? `${node.element.name} {${node.children.map(describe).join(', ')}}` : node.element.name;
  return schema.children.length ? schema.children.map(describe).join(', ') : 'no columns';
}

/** Refuses a file without the columns at `paths`, e.g. ['img', 'bytes'], listing the columns it has. */
function requireColumns(url: string, schema: SchemaTree, paths: readonly (readonly string[])[], expected: Expected): void {
  for (const path of paths) {
    let node: SchemaTree | undefined = schema;
    for (const name of path) node = node?.children.find((child) => child.element.name === name);
    if (!node) {
      throw new DatasetError(
        'parquet',
        `${url} has no column ${path.join('.')}: its columns are ${describeColumns(schema)}, but ${expected.what} has ${expected.columns}. ` +
          `Point the URL at that file, e.g. ${expected.exampleUrl}.`,
        url,
      );
    }
  }
}

/** [start, end) row ranges, one per row group, covering the first `limit` rows. */
function rowGroupRanges(metadata: FileMetaData, limit: number): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    if (start >= limit) break;
    const end = Math.min(start + Number(group.num_rows), limit);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * Reads `columns` one row group at a time, fetching the next group while `consume` handles the
 * current one, and reports rows done after each.
 */
async function forEachRowGroup(
  url: string,
  open: OpenFile,
  total: number,
  read: { columns: string[]; utf8: boolean },
  consume: (rows: ParquetRow[], start: number) => Promise<void> | void,
  progress: (loaded: number) => void,
): Promise<void> {
  const fetchRows = async ([rowStart, rowEnd]: [number, number]): Promise<ParquetRow[]> => {
    try {
      return await parquetReadObjects({ file: open.file, metadata: open.metadata, columns: read.columns, utf8: read.utf8, rowStart, rowEnd });
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      throw new DatasetError(
        'parquet',
        `Could not read rows ${rowStart} to ${rowEnd - 1} of ${url}: ${errorText(error)}. The file may be damaged or use a feature this reader lacks ` +
          '(only uncompressed and snappy-compressed parquet can be read); download it again, or re-save it with snappy compression.',
        url,
      );
    }
  };
  const ranges = rowGroupRanges(open.metadata, total);
  progress(0);
  let next = ranges.length ? fetchRows(ranges[0]) : undefined;
  for (let index = 0; index < ranges.length && next; index++) {
    const rows = await next;
    next = index + 1 < ranges.length ? fetchRows(ranges[index + 1]) : undefined;
    // The prefetch's failure, if any, is reported when it is awaited; until then it must not count as unhandled.
    next?.catch(() => undefined);
    await consume(rows, ranges[index][0]);
    progress(ranges[index][1]);
  }
}

function requireRows(url: string, count: number, expected: Expected): void {
  if (count === 0) {
    throw new DatasetError(
      'empty',
      `${url} is a parquet file with no rows, but ${expected.what} has many; point the URL at that file, e.g. ${expected.exampleUrl}.`,
      url,
    );
  }
}

function cifarExpected(split: HfCifar10Split, baseUrl: string | undefined): Expected {
  return {
    what: `the CIFAR-10 ${split} file of ${CIFAR10_REPO}`,
    columns: 'columns img {bytes, path} (a 32x32 PNG per row) and label (0 to 9)',
    exampleUrl: hfCifar10Url(split, baseUrl),
  };
}

/** One canvas per reader; drawn with "copy" so no earlier image shows through. */
function imageReader(): (bitmap: ImageBitmap) => Uint8ClampedArray {
  const canvas = new OffscreenCanvas(IMAGE_SIDE, IMAGE_SIDE);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('OffscreenCanvas has no 2D context here, so PNG images cannot be decoded.');
  context.globalCompositeOperation = 'copy';
  return (bitmap) => {
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, IMAGE_SIDE, IMAGE_SIDE).data;
  };
}

function pngBytes(row: ParquetRow, index: number, url: string, expected: Expected): Uint8Array {
  const image = row.img as { bytes?: unknown } | null | undefined;
  const bytes = image?.bytes;
  if (bytes instanceof Uint8Array && bytes.length > 0) return bytes;
  throw new DatasetError(
    'corrupt',
    `Row ${index} of ${url} has no image bytes in img.bytes (got ${bytes === undefined || bytes === null ? 'nothing' : typeof bytes}); ` +
      `every CIFAR-10 row holds a PNG file there. Download the file again, e.g. from ${expected.exampleUrl}.`,
    url,
  );
}

function labelOf(row: ParquetRow, index: number, url: string, expected: Expected): number {
  const value: unknown = row.label;
  const label = typeof value === 'bigint' ? Number(value) : value;
  if (typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < CIFAR10_CLASS_NAMES.length) return label;
  throw new DatasetError(
    'label',
    `Row ${index} of ${url} has label ${String(value)}, but CIFAR-10 labels are 0 to ${CIFAR10_CLASS_NAMES.length - 1}; ` +
      `this is not the CIFAR-10 file (CIFAR-100's fine labels go to 99). Point the URL at ${expected.exampleUrl}.`,
    url,
  );
}

async function decodePng(bytes: Uint8Array, index: number, url: string, expected: Expected): Promise<ImageBitmap> {
  try {
    // No colour management and no premultiplication, so the pixels are the file's bytes.
    return await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (error) {
    throw new DatasetError(
      'corrupt',
      `Row ${index} of ${url}: img.bytes is not a PNG image that can be decoded (${errorText(error)}); download the file again, e.g. from ${expected.exampleUrl}.`,
      url,
    );
  }
}

/** PNGs decoded at once: enough to keep the browser's decoders busy, few enough to bound memory when a row group is large. */
const DECODE_WINDOW = 256;

/** Decodes the PNGs of rows first.. into `images` as planar RGB, checking each is 32x32. */
async function decodeImages(
  pngs: readonly Uint8Array[],
  first: number,
  images: Uint8Array,
  readPixels: (bitmap: ImageBitmap) => Uint8ClampedArray,
  url: string,
  expected: Expected,
): Promise<void> {
  for (let from = 0; from < pngs.length; from += DECODE_WINDOW) {
    const window = pngs.slice(from, from + DECODE_WINDOW);
    const settled = await Promise.allSettled(window.map((png, i) => decodePng(png, first + from + i, url, expected)));
    try {
      settled.forEach((result, i) => {
        const index = first + from + i;
        if (result.status === 'rejected') throw result.reason;
        const bitmap = result.value;
        if (bitmap.width !== IMAGE_SIDE || bitmap.height !== IMAGE_SIDE) {
          throw new DatasetError(
            'shape',
            `Row ${index} of ${url} is a ${bitmap.width}x${bitmap.height} image, but CIFAR-10 images are ${IMAGE_SIDE}x${IMAGE_SIDE}; ` +
              `this is not the CIFAR-10 file. Point the URL at ${expected.exampleUrl}.`,
            url,
          );
        }
        const rgba = readPixels(bitmap);
        const out = index * IMAGE_BYTES;
        for (let p = 0; p < IMAGE_PLANE_BYTES; p++) {
          images[out + p] = rgba[4 * p];
          images[out + IMAGE_PLANE_BYTES + p] = rgba[4 * p + 1];
          images[out + 2 * IMAGE_PLANE_BYTES + p] = rgba[4 * p + 2];
        }
      });
    } finally {
      for (const result of settled) if (result.status === 'fulfilled') result.value.close();
    }
  }
}

/** The CIFAR-10 split as an ImageSet, decoded PNG by PNG; the first rowLimit rows when given. */
export async function readHfCifar10(split: HfCifar10Split, options: HfCifar10Options = {}): Promise<ImageSet> {
  const { rowLimit, onProgress } = options;
  if (rowLimit !== undefined && !(Number.isInteger(rowLimit) && rowLimit > 0)) {
    throw new RangeError(`rowLimit must be a whole number of rows above 0, got ${rowLimit}.`);
  }
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new Error(
      'Reading CIFAR-10 from Hugging Face decodes PNG images with createImageBitmap and OffscreenCanvas, which only a browser page or worker has; in Node, use the shard files from `npm run data`.',
    );
  }
  const url = options.url ?? hfCifar10Url(split, options.baseUrl);
  const expected = cifarExpected(split, options.baseUrl);
  const open = await openParquet(url, expected);
  requireColumns(url, open.schema, [['img', 'bytes'], ['label']], expected);
  const fileRows = Number(open.metadata.num_rows);
  requireRows(url, fileRows, expected);
  const total = Math.min(fileRows, rowLimit ?? Infinity);
  const images = new Uint8Array(total * IMAGE_BYTES);
  const labels = new Uint8Array(total);
  const readPixels = imageReader();
  const label = `CIFAR-10 ${split} (Hugging Face)`;

  await forEachRowGroup(
    url,
    open,
    total,
    { columns: ['img', 'label'], utf8: false },
    async (rows, start) => {
      rows.forEach((row, i) => (labels[start + i] = labelOf(row, start + i, url, expected)));
      const pngs = rows.map((row, i) => pngBytes(row, start + i, url, expected));
      await decodeImages(pngs, start, images, readPixels, url, expected);
    },
    (loaded) => onProgress?.(label, loaded, total),
  );
  return { images, labels, classNames: [...CIFAR10_CLASS_NAMES] };
}

/** The WikiText-2 (raw) split as its lines, without their "\n"; blank lines stay as ''. */
export async function readHfWikitext(split: HfWikitextSplit, options: HfReadOptions = {}): Promise<string[]> {
  const url = options.url ?? hfWikitextUrl(split, options.baseUrl);
  const expected: Expected = {
    what: `the WikiText-2 (raw) ${split} file of ${WIKITEXT_REPO}`,
    columns: 'column text (one line per row)',
    exampleUrl: hfWikitextUrl(split, options.baseUrl),
  };
  const open = await openParquet(url, expected);
  requireColumns(url, open.schema, [['text']], expected);
  const total = Number(open.metadata.num_rows);
  requireRows(url, total, expected);
  const lines = new Array<string>(total);
  const label = `WikiText-2 ${split} (Hugging Face)`;
  await forEachRowGroup(
    url,
    open,
    total,
    { columns: ['text'], utf8: true },
    (rows, start) => {
      rows.forEach((row, i) => {
        const text: unknown = row.text;
        if (typeof text !== 'string') {
          throw new DatasetError(
            'corrupt',
            `Row ${start + i} of ${url} has no text (got ${text === null || text === undefined ? 'nothing' : typeof text}); WikiText rows are strings, "" for a blank line. Download the file again, e.g. from ${expected.exampleUrl}.`,
            url,
          );
        }
        lines[start + i] = text.endsWith('\n') ? text.slice(0, -1) : text;
      });
    },
    (loaded) => options.onProgress?.(label, loaded, total),
  );
  return lines;
}
