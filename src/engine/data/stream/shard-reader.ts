// Reads a dataset written by `npm run data` from any static host: the manifest first, then
// shards on demand. Every shard is checked against the manifest (size, whole records,
// SHA-256, labels or token ids) before anyone sees it, and only checked shards are cached.
//
// Shard and vocabulary files are relative to the manifest, so the same manifest works served
// by this site (/data/cifar10/manifest.json) or by another host that allows CORS.

import { DatasetError } from '../dataset-error';
import { parseManifest, recordBytes, type Manifest, type ShardEntry, type SplitEntry, type TokenManifest } from '../manifest';
import { fetchBytes, sha256Hex } from './fetch-bytes';
import { readVerified, shardCacheKey, type ShardCache } from './shard-cache';

export type SplitName = 'train' | 'validation' | 'test';

export interface ShardProgressEvent {
  /** What is downloading: "cifar10 train shard 2 of 10". */
  label: string;
  loaded: number;
  /** 0 while the size is unknown (a manifest sent without Content-Length). */
  total: number;
}

export interface ShardReaderOptions {
  /** Where checked shards are kept; without one every read downloads. */
  cache?: ShardCache;
  onProgress?: (event: ShardProgressEvent) => void;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** What a relative manifest URL is relative to; defaults to the page's or worker's address. */
  baseUrl?: string;
}

const REWRITE_ADVICE = 'run `npm run data` again';

/** An absolute manifest URL; a relative one is resolved against `baseUrl` (the page's address by default). */
export function resolveManifestUrl(manifestUrl: string, baseUrl: string | undefined = globalThis.location?.href): string {
  try {
    return new URL(manifestUrl, baseUrl).href;
  } catch {
    const why =
      baseUrl === undefined ? 'is not an absolute URL, and there is no page address to resolve it against' : `is not a valid URL (resolved against ${baseUrl})`;
    throw new DatasetError(
      'manifest',
      `The manifest URL "${manifestUrl}" ${why}; give a full URL such as https://example.org/data/cifar10/manifest.json.`,
      manifestUrl,
    );
  }
}

/** GPT-1's tokenizer files as a gpt1-bpe manifest lists them, checked against its sizes and hashes. */
export interface Gpt1TokenizerTexts {
  vocab: { url: string; text: string };
  merges: { url: string; text: string };
}

/** A file a manifest lists by name, size and SHA-256 (a vocabulary or a tokenizer file). */
interface ListedFile {
  file: string;
  bytes: number;
  sha256: string;
}

export class ShardReader {
  private vocabulary: Promise<string[]> | undefined;

  private constructor(
    readonly manifestUrl: string,
    readonly manifest: Manifest,
    private readonly options: ShardReaderOptions,
  ) {}

  /** Fetches and checks the manifest; no shard is fetched yet. */
  static async open(manifestUrl: string, options: ShardReaderOptions = {}): Promise<ShardReader> {
    const url = resolveManifestUrl(manifestUrl, options.baseUrl);
    const label = 'Shard manifest';
    const bytes = await fetchBytes(url, {
      label,
      // Always revalidate: a stale manifest would name the hashes of shards that are gone.
      init: { cache: 'no-cache' },
      signal: options.signal,
      fetchImpl: options.fetchImpl,
      onProgress: (loaded, total) => options.onProgress?.({ label, loaded, total }),
    });
    const manifest = parseManifest(new TextDecoder().decode(bytes), url);
    return new ShardReader(url, manifest, options);
  }

  /** Splits the manifest has, in its order. */
  get splitNames(): SplitName[] {
    return Object.keys(this.manifest.splits) as SplitName[];
  }

  split(split: SplitName): SplitEntry {
    const entry = (this.manifest.splits as Partial<Record<SplitName, SplitEntry>>)[split];
    if (!entry) {
      throw new DatasetError(
        'manifest',
        `${this.manifestUrl} has no "${split}" split (it has ${this.splitNames.join(', ')}); choose a dataset that has one, or one of those splits.`,
        this.manifestUrl,
      );
    }
    return entry;
  }

  fileUrl(file: string): string {
    return new URL(file, this.manifestUrl).href;
  }

  shardUrl(split: SplitName, index: number): string {
    return this.fileUrl(this.shardEntry(split, index).file);
  }

  shardLabel(split: SplitName, index: number): string {
    return `${this.manifest.dataset} ${split} shard ${index + 1} of ${this.split(split).shards.length}`;
  }

  /** One shard, checked; from the cache when it holds a copy that still hashes right. */
  async readShard(split: SplitName, index: number): Promise<Uint8Array> {
    const shard = this.shardEntry(split, index);
    const url = this.fileUrl(shard.file);
    const key = shardCacheKey(url, shard.sha256);
    const cached = await this.cacheGet(key, shard.sha256);
    if (cached) return cached;
    const label = this.shardLabel(split, index);
    const bytes = await this.download(url, label, shard.bytes);
    this.checkSize(bytes, shard, label, url);
    await this.checkHash(bytes, shard.sha256, label, url, 'the shard changed on the server or was corrupted');
    this.checkContent(bytes, label, url);
    await this.cachePut(key, bytes);
    return bytes;
  }

  /** Every shard of a split, concatenated in order (for evaluation splits). */
  async readSplit(split: SplitName, onShard?: (done: number, count: number) => void): Promise<Uint8Array> {
    const { shards } = this.split(split);
    const out = new Uint8Array(shards.reduce((sum, shard) => sum + shard.bytes, 0));
    let offset = 0;
    for (let i = 0; i < shards.length; i++) {
      const bytes = await this.readShard(split, i);
      out.set(bytes, offset);
      offset += bytes.length;
      onShard?.(i + 1, shards.length);
    }
    return out;
  }

  /**
   * The first `records` records of a split in the manifest's order, reading only the shards that
   * hold them (the loss landscape's evaluation set comes from the start of the training split).
   */
  async readLeadingRecords(split: SplitName, records: number): Promise<Uint8Array> {
    const entry = this.split(split);
    if (!Number.isInteger(records) || records < 1 || records > entry.records) {
      throw new RangeError(`The ${split} split has ${entry.records} records; cannot read the first ${records}.`);
    }
    const size = recordBytes(this.manifest);
    const out = new Uint8Array(records * size);
    let offset = 0;
    for (let i = 0; offset < out.length; i++) {
      const bytes = await this.readShard(split, i);
      const take = Math.min(bytes.length, out.length - offset);
      out.set(bytes.subarray(0, take), offset);
      offset += take;
    }
    return out;
  }

  /** The token strings of a token dataset, id = position (vocab.txt, one token per line). */
  readVocabulary(): Promise<string[]> {
    const manifest = this.manifest;
    if (manifest.kind !== 'tokens') {
      return Promise.reject(
        new DatasetError(
          'manifest',
          `${this.manifestUrl} is an image dataset; it has no vocabulary. Choose a token dataset for a language model.`,
          this.manifestUrl,
        ),
      );
    }
    if (manifest.tokenizer === 'gpt1-bpe') {
      return Promise.reject(
        new DatasetError(
          'manifest',
          `${this.manifestUrl} holds GPT-1 BPE token ids; its vocabulary is ${manifest.vocabulary.file} with ${manifest.merges.file}, read by the GPT-1 tokenizer, not a word list.`,
          this.manifestUrl,
        ),
      );
    }
    this.vocabulary ??= this.fetchVocabulary(manifest).catch((error: unknown) => {
      this.vocabulary = undefined;
      throw error;
    });
    return this.vocabulary;
  }

  /**
   * vocab.json and merges.txt of a GPT-1 BPE dataset, fetched next to the manifest (or from the
   * cache), each checked against the size and SHA-256 the manifest gives before it is decoded.
   */
  async readGpt1TokenizerFiles(): Promise<Gpt1TokenizerTexts> {
    const manifest = this.manifest;
    if (manifest.kind !== 'tokens' || manifest.tokenizer !== 'gpt1-bpe') {
      throw new DatasetError(
        'manifest',
        `${this.manifestUrl} does not hold GPT-1 BPE token ids, so it lists no vocab.json and merges.txt; write such a dataset with \`npm run data -- wikitext2 --tokenizer gpt1\`.`,
        this.manifestUrl,
      );
    }
    const read = async (entry: ListedFile, what: string) => {
      const url = this.fileUrl(entry.file);
      const label = `${manifest.dataset} ${what}`;
      const bytes = await this.readListedFile(entry, label, `${entry.file} changed on the server or belongs to another dataset`);
      return { url, text: this.utf8Text(bytes, `${label} (${url})`, url) };
    };
    return { vocab: await read(manifest.vocabulary, 'GPT-1 vocabulary'), merges: await read(manifest.merges, 'GPT-1 merges') };
  }

  private async fetchVocabulary(manifest: TokenManifest): Promise<string[]> {
    const entry = manifest.vocabulary;
    const url = this.fileUrl(entry.file);
    const label = `${manifest.dataset} vocabulary`;
    const bytes = await this.readListedFile(entry, label, 'the vocabulary changed on the server or was corrupted');
    const text = new TextDecoder().decode(bytes);
    const tokens = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
    const problems: string[] = [];
    if (tokens.length !== entry.size) problems.push(`it has ${tokens.length} lines but the manifest's vocabulary.size is ${entry.size}`);
    for (const special of [entry.unk, entry.eos]) {
      if (!tokens.includes(special)) problems.push(`it lacks the token "${special}" the manifest names`);
    }
    if (problems.length > 0) {
      throw new DatasetError(
        'manifest',
        `${label} (${url}) does not match the manifest: ${problems.join('; ')}. The dataset was written wrongly; ${REWRITE_ADVICE}.`,
        url,
      );
    }
    return tokens;
  }

  /** A file the manifest lists, from the cache or downloaded; its SHA-256 must be the manifest's, whatever its size. */
  private async readListedFile(entry: ListedFile, label: string, why: string): Promise<Uint8Array> {
    const url = this.fileUrl(entry.file);
    const key = shardCacheKey(url, entry.sha256);
    const cached = await this.cacheGet(key, entry.sha256);
    if (cached) return cached;
    const bytes = await this.download(url, label, entry.bytes);
    const size = bytes.length === entry.bytes ? '' : ` (it is ${bytes.length} bytes, the manifest says ${entry.bytes})`;
    await this.checkHash(bytes, entry.sha256, label, url, `${why}${size}`);
    await this.cachePut(key, bytes);
    return bytes;
  }

  private utf8Text(bytes: Uint8Array, label: string, url: string): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new DatasetError('manifest', `${label} is not UTF-8 text, so it is not the file the manifest describes; ${REWRITE_ADVICE}.`, url);
    }
  }

  private shardEntry(split: SplitName, index: number): ShardEntry {
    const { shards } = this.split(split);
    if (!Number.isInteger(index) || index < 0 || index >= shards.length) {
      throw new RangeError(`Shard index ${index} is out of range: the ${split} split of ${this.manifestUrl} has ${shards.length} shards.`);
    }
    return shards[index];
  }

  private download(url: string, label: string, expectedBytes: number): Promise<Uint8Array> {
    const { onProgress, signal, fetchImpl } = this.options;
    return fetchBytes(url, { label, expectedBytes, signal, fetchImpl, onProgress: (loaded, total) => onProgress?.({ label, loaded, total }) });
  }

  // A cache that fails (quota, storage cleared underneath) costs a download, never a run.
  private async cacheGet(key: string, sha256: string): Promise<Uint8Array | undefined> {
    if (!this.options.cache) return undefined;
    try {
      return await readVerified(this.options.cache, key, sha256);
    } catch {
      return undefined;
    }
  }

  private async cachePut(key: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.options.cache?.put(key, bytes);
    } catch {
      // See cacheGet.
    }
  }

  private checkSize(bytes: Uint8Array, shard: ShardEntry, label: string, url: string): void {
    const size = recordBytes(this.manifest);
    const whole = Math.floor(bytes.length / size);
    const leftOver = bytes.length - whole * size;
    if (leftOver !== 0) {
      throw new DatasetError(
        'record-size',
        `${label} (${url}) is ${bytes.length} bytes, not a whole number of ${size}-byte records: ${whole} whole records and ${leftOver} bytes left over. ` +
          `The shard does not belong to this manifest; ${REWRITE_ADVICE}.`,
        url,
      );
    }
    // Fewer bytes than the manifest says was already refused by fetchBytes as a truncated download.
    if (bytes.length !== shard.bytes) {
      throw new DatasetError(
        'record-size',
        `${label} (${url}) is ${bytes.length} bytes (${whole} records), but the manifest says ${shard.bytes} bytes (${shard.records} records). ` +
          `The shard changed on the server after the manifest was written; ${REWRITE_ADVICE}.`,
        url,
      );
    }
  }

  private async checkHash(bytes: Uint8Array, expected: string, label: string, url: string, why: string): Promise<void> {
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      throw new DatasetError('hash', `${label} (${url}): SHA-256 is ${actual}, but the manifest says ${expected}: ${why}; ${REWRITE_ADVICE}.`, url);
    }
  }

  /** A hash only proves the bytes are the ones written; this proves the writer wrote sense. */
  private checkContent(bytes: Uint8Array, label: string, url: string): void {
    const manifest = this.manifest;
    if (manifest.kind === 'images') {
      const size = manifest.record.bytes;
      const classes = manifest.classes.length;
      for (let record = 0, offset = 0; offset < bytes.length; record++, offset += size) {
        if (bytes[offset] >= classes) {
          throw new DatasetError(
            'label',
            `${label} (${url}): record ${record} has label ${bytes[offset]}, but the manifest lists ${classes} classes (labels 0 to ${classes - 1}). ` +
              `The shard was written for another dataset or by a faulty writer; ${REWRITE_ADVICE}.`,
            url,
          );
        }
      }
      return;
    }
    const vocabulary = manifest.vocabulary.size;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const wide = manifest.dtype === 'uint32';
    const count = bytes.length / (wide ? 4 : 2);
    for (let token = 0; token < count; token++) {
      const id = wide ? view.getUint32(token * 4, true) : view.getUint16(token * 2, true);
      if (id >= vocabulary) {
        throw new DatasetError(
          'label',
          `${label} (${url}): token ${token} is id ${id}, but the vocabulary has ${vocabulary} entries (ids 0 to ${vocabulary - 1}). ` +
            `The shard was written with another vocabulary or by a faulty writer; ${REWRITE_ADVICE}.`,
          url,
        );
      }
    }
  }
}
