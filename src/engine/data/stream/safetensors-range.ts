// A few tensors out of a large safetensors file without reading the rest: the 8-byte header
// length and the JSON header first (one ranged GET, a second only for a header over 64 KiB),
// then only the wanted tensors' byte ranges, adjacent ones merged into one request. GPT-1's
// token and position embeddings are 125 MB of a file of about 470 MB. A dropped file or one given on
// the command line goes through the same steps, reading with Blob.slice instead of HTTP.
//
// Errors: what is wrong with the file (header, names, shapes, dtypes) is a CheckpointError;
// what goes wrong with the download (no range support, CORS, HTTP status, a cut body) is a
// DatasetError, as for shards.

import {
  CheckpointError,
  declaredHeaderLength,
  findExpectedTensors,
  parseSafetensorsHeader,
  SAFETENSORS_HEADER_LENGTH_BYTES,
  tensorFromBytes,
  type ExpectedTensor,
  type HeaderEntry,
  type ParsedHeader,
  type TensorEntry,
} from '../../checkpoint/safetensors';
import { HF_DEFAULT_BASE_URL } from '../../config/hf-hub';
import { DatasetError } from '../dataset-error';
import { readToEnd, StreamReadError } from '../read-stream';
import { openShardCache, type ShardCache } from './shard-cache';

/** GPT-1 as Hugging Face hosts it; its embeddings are what the paper's MiniGPT1 keeps frozen. */
export const GPT1_REPO = 'openai-community/openai-gpt';

/** Rows of the token and position tables and their width; a test passes a shrunken copy's. */
export interface EmbeddingShape {
  vocabulary: number;
  positions: number;
  width: number;
}

export const GPT1_EMBEDDING_SHAPE: EmbeddingShape = { vocabulary: 40478, positions: 512, width: 768 };

/** The tensors taken from GPT-1's file, under the names Hugging Face's conversion gives them. */
export function gpt1EmbeddingTensors(shape: EmbeddingShape = GPT1_EMBEDDING_SHAPE): ExpectedTensor[] {
  return [
    { name: 'tokens_embed.weight', dtype: 'F32', shape: [shape.vocabulary, shape.width] },
    { name: 'positions_embed.weight', dtype: 'F32', shape: [shape.positions, shape.width] },
  ];
}

/** Cache Storage name for downloaded tensor ranges, apart from the shards so each can be cleared alone. */
export const TENSOR_RANGE_CACHE_NAME = 'playground-tensor-ranges-v1';

/** Bytes asked for first: the length field and, for any ordinary file, the whole header (GPT-1's ~150 entries take a few tens of KB at most). */
export const HEADER_PREFETCH_BYTES = 64 * 1024;

export function gpt1SafetensorsUrl(base: string = HF_DEFAULT_BASE_URL): string {
  return `${base.replace(/\/+$/, '')}/${GPT1_REPO}/resolve/main/model.safetensors`;
}

/** [start, end) in bytes from the start of the file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Sorted ranges with overlapping or touching ones merged (and ones at most `maxGap` bytes
 * apart, the gap then read and thrown away): fewer requests for the same bytes.
 */
export function coalesceRanges(ranges: readonly ByteRange[], maxGap = 0): ByteRange[] {
  const sorted = ranges.filter((range) => range.end > range.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start - last.end <= maxGap) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

interface RangeRead {
  bytes: Uint8Array;
  /** The whole file's size, when the source tells it (Blob.size, an HTTP Content-Range). */
  fileBytes?: number;
  /** What identifies this version of the file (an HTTP ETag), for cache keys. */
  version?: string;
}

/** A file read in byte ranges. */
interface RangeSource {
  /** The URL or file name, for messages. */
  readonly name: string;
  /** Whether downloaded ranges are worth keeping between runs (a local file is not). */
  readonly cacheable: boolean;
  /** Bytes [start, end), fewer only where the file ends first; `onBytes` gets the running count. */
  read(start: number, end: number, onBytes?: (loaded: number) => void): Promise<RangeRead>;
}

export interface ReadTensorsOptions {
  /** Tensor bytes received out of the tensor bytes wanted; cached ranges count as received at once. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /**
   * Where downloaded ranges are kept between runs: Cache Storage under TENSOR_RANGE_CACHE_NAME
   * by default (memory where Cache Storage is missing); null keeps nothing.
   */
  cache?: ShardCache | null;
}

export type SafetensorsInput = string | Blob | ArrayBuffer | Uint8Array;

// ---------------------------------------------------------------------------------------------
// Sources

const LOCAL_FILE_ADVICE = 'download model.safetensors and give it as a file (--embeddings FILE on the command line, or drop it on the page)';

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

function statusAdvice(status: number): string {
  if (status === 404 || status === 410) return 'there is no file at that address; check the URL (a Hugging Face URL must use /resolve/, not /blob/)';
  if (status === 401 || status === 403)
    return 'the host refused access: the file may be gated or private, or a signed link may have expired; try again, or use a mirror';
  if (status === 416) {
    return 'the host says the range lies beyond the end of the file: the file is shorter than its header says, or it changed while being read; try again';
  }
  if (status >= 500) return 'the host failed; try again later, or use a mirror';
  return `check the URL, or ${LOCAL_FILE_ADVICE}`;
}

/** `bytes a-b/total` → [a, b, total]; total is undefined for `*`. */
function parseContentRange(header: string | null): [number, number, number | undefined] | undefined {
  const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), match[3] === '*' ? undefined : Number(match[3])];
}

function httpSource(url: string, fetchImpl: typeof fetch, signal: AbortSignal | undefined): RangeSource {
  return {
    name: url,
    cacheable: true,
    async read(start, end, onBytes) {
      const range = `bytes=${start}-${end - 1}`;
      let response: Response;
      try {
        response = await fetchImpl(url, { headers: { Range: range }, signal });
      } catch (error) {
        if (isAbort(error, signal)) throw error;
        // A page cannot tell a CORS refusal from a host that is down: both reject with a bare TypeError.
        throw new DatasetError(
          'network',
          `No HTTP answer came back for ${url} (${reasonOf(error)}). In a page this is most often CORS: the host must send ` +
            '`Access-Control-Allow-Origin` and expose `Content-Range` (huggingface.co does; a mirror may not), so check its CORS settings. ' +
            `Otherwise the network is down or the host unreachable. Or ${LOCAL_FILE_ADVICE}.`,
          url,
        );
      }
      if (response.status === 200) {
        // A 200 to a ranged GET is the whole file on its way: stop it rather than download hundreds of MB.
        await response.body?.cancel().catch(() => undefined);
        const size = response.headers.get('content-length');
        throw new DatasetError(
          'no-range',
          `${url} answered a request for ${range} with the whole file (HTTP 200${size ? `, ${size} bytes` : ''}): the host does not support ` +
            `HTTP range requests, so the tensors cannot be read alone. Use a host or mirror that does (huggingface.co does), or ${LOCAL_FILE_ADVICE}.`,
          url,
        );
      }
      if (response.status !== 206) {
        await response.body?.cancel().catch(() => undefined);
        const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        throw new DatasetError('http', `${url} answered ${status} to a request for ${range}: ${statusAdvice(response.status)}.`, url);
      }
      const contentRange = parseContentRange(response.headers.get('content-range'));
      if (contentRange && contentRange[0] !== start) {
        await response.body?.cancel().catch(() => undefined);
        throw new DatasetError(
          'http',
          `${url} answered a request for ${range} with bytes ${contentRange[0]}-${contentRange[1]}: the host does not serve ranges correctly. Use another host, or ${LOCAL_FILE_ADVICE}.`,
          url,
        );
      }
      // A host that does not expose Content-Range (CORS) leaves only the length asked for.
      const expected = contentRange ? contentRange[1] + 1 - start : end - start;
      let bytes: Uint8Array;
      try {
        bytes = response.body ? await readToEnd(response.body.getReader(), expected, onBytes) : new Uint8Array(0);
      } catch (error) {
        const cause = error instanceof StreamReadError ? error.cause : error;
        if (isAbort(cause, signal)) throw cause;
        const loaded = error instanceof StreamReadError ? error.loaded : 0;
        throw new DatasetError(
          'truncated',
          `The download of ${range} of ${url} broke off after ${loaded} of ${expected} bytes (${reasonOf(cause)}); check the connection and try again.`,
          url,
        );
      }
      if (bytes.length < expected) {
        throw new DatasetError('truncated', `${url} sent ${bytes.length} of the ${expected} bytes of ${range}; the body was cut short, try again.`, url);
      }
      const etag = response.headers.get('etag') ?? undefined;
      return { bytes: bytes.length === bytes.buffer.byteLength ? bytes : bytes.slice(), fileBytes: contentRange?.[2], version: etag };
    },
  };
}

function blobSource(blob: Blob, name: string): RangeSource {
  return {
    name,
    cacheable: false,
    async read(start, end, onBytes) {
      const bytes = new Uint8Array(await blob.slice(start, end).arrayBuffer());
      onBytes?.(bytes.length);
      return { bytes, fileBytes: blob.size };
    },
  };
}

function sourceOf(input: SafetensorsInput, options: ReadTensorsOptions): RangeSource {
  if (typeof input === 'string') return httpSource(input, options.fetchImpl ?? globalThis.fetch.bind(globalThis), options.signal);
  if (input instanceof Blob) return blobSource(input, 'name' in input && typeof input.name === 'string' ? input.name : 'the safetensors file');
  // An in-memory file is a Blob without the copy that `new Blob([bytes])` makes.
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  return {
    name: 'the safetensors file',
    cacheable: false,
    async read(start, end, onBytes) {
      const part = bytes.subarray(start, Math.min(end, bytes.length));
      onBytes?.(part.length);
      return { bytes: part, fileBytes: bytes.length };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

interface OpenedFile {
  header: ParsedHeader;
  fileBytes?: number;
  version?: string;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** The header, from the first HEADER_PREFETCH_BYTES and, when it is longer, one more range. */
async function readHeaderOf(source: RangeSource): Promise<OpenedFile> {
  const first = await source.read(0, HEADER_PREFETCH_BYTES);
  const headerEnd = SAFETENSORS_HEADER_LENGTH_BYTES + declaredHeaderLength(first.bytes);
  let prefix = first.bytes;
  if (prefix.length < headerEnd && (first.fileBytes === undefined || first.fileBytes > prefix.length)) {
    const rest = await source.read(prefix.length, headerEnd);
    prefix = concat(prefix, rest.bytes);
  }
  if (prefix.length < headerEnd) {
    throw new CheckpointError(
      'header-length',
      `${source.name}: the header length field says ${headerEnd - SAFETENSORS_HEADER_LENGTH_BYTES} bytes but only ` +
        `${prefix.length - SAFETENSORS_HEADER_LENGTH_BYTES} bytes follow it: the file is truncated or not a safetensors file. Download it again.`,
    );
  }
  const header = parseSafetensorsHeader(prefix.subarray(SAFETENSORS_HEADER_LENGTH_BYTES, headerEnd), first.fileBytes);
  return { header, fileBytes: first.fileBytes, version: first.version };
}

/** Names the file version too, so a file replaced on the host (new ETag or size) is never served from an old entry. */
export function tensorRangeCacheKey(url: string, range: ByteRange, version: string | undefined, fileBytes: number | undefined): string {
  return `${url}#version=${version ?? ''}&size=${fileBytes ?? ''}&bytes=${range.start}-${range.end}`;
}

async function cacheFor(source: RangeSource, option: ShardCache | null | undefined): Promise<ShardCache | null> {
  if (!source.cacheable || option === null) return null;
  return option ?? (await openShardCache(TENSOR_RANGE_CACHE_NAME));
}

/**
 * Reads the expected tensors (exact names, shapes and dtypes; other tensors may be in the file)
 * from a URL by range requests, or from a File, Blob or in-memory file, and returns them by name.
 */
export async function readSafetensorsTensors(
  input: SafetensorsInput,
  expected: readonly ExpectedTensor[],
  options: ReadTensorsOptions = {},
): Promise<Record<string, TensorEntry>> {
  const source = sourceOf(input, options);
  const { header, fileBytes, version } = await readHeaderOf(source);
  const entries = findExpectedTensors(header, expected, source.name);
  const absolute = (entry: HeaderEntry): ByteRange => ({ start: header.dataStart + entry.begin, end: header.dataStart + entry.end });
  const ranges = coalesceRanges(entries.map(absolute));
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
  const cache = await cacheFor(source, options.cache);

  let done = 0;
  options.onProgress?.(0, total);
  const tensors: Record<string, TensorEntry> = {};
  for (const range of ranges) {
    const length = range.end - range.start;
    const key = tensorRangeCacheKey(source.name, range, version, fileBytes);
    let bytes = await cache?.get(key);
    if (bytes?.length !== length) {
      const read = await source.read(range.start, range.end, (loaded) => options.onProgress?.(done + loaded, total));
      bytes = read.bytes;
      if (bytes.length < length) {
        throw new DatasetError(
          'truncated',
          `${source.name}: bytes ${range.start}-${range.end - 1} came back ${bytes.length} of ${length} bytes long: the file is shorter than its header says, ` +
            'or it changed while being read. Try again, or download it again.',
          source.name,
        );
      }
      if (read.version !== version) {
        throw new DatasetError(
          'corrupt',
          `${source.name} changed while being read (its ETag went from ${version ?? 'none'} to ${read.version ?? 'none'}); try again.`,
          source.name,
        );
      }
      await cache?.put(key, bytes);
    }
    done += length;
    options.onProgress?.(done, total);
    for (const entry of entries) {
      const { start, end } = absolute(entry);
      if (start >= range.start && end <= range.end) tensors[entry.name] = tensorFromBytes(entry, bytes.subarray(start - range.start, end - range.start));
    }
  }
  return tensors;
}

export interface Gpt1Embeddings {
  /** [vocabulary, width] ([40478, 768]), row-major. */
  tokens: Float32Array;
  /** [positions, width] ([512, 768]), row-major. */
  positions: Float32Array;
}

/** GPT-1's token and position embeddings, from the Hub (by default), a mirror's URL, or a local file. */
export async function readGpt1Embeddings(
  input: SafetensorsInput = gpt1SafetensorsUrl(),
  options: ReadTensorsOptions & { shape?: EmbeddingShape } = {},
): Promise<Gpt1Embeddings> {
  const tensors = await readSafetensorsTensors(input, gpt1EmbeddingTensors(options.shape), options);
  return { tokens: tensors['tokens_embed.weight'].data as Float32Array, positions: tensors['positions_embed.weight'].data as Float32Array };
}
