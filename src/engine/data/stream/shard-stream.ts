// The training split as an endless run of windows, a few shards each, fetched one window
// ahead so training overlaps the download. Shards come in a seeded order per epoch, as
// WebDataset shuffles shards; shuffling records inside a window is left to the consumer,
// which knows what a record is (shuffledIndices helps).

import { createRng, permutation } from '../../random';
import { recordBytes, type Manifest, type SplitEntry } from '../manifest';
import type { SplitName } from './shard-reader';

/** What the stream needs of a ShardReader (tests pass a fake). */
export interface ShardSource {
  readonly manifest: Manifest;
  readShard(split: SplitName, index: number): Promise<Uint8Array>;
}

export interface ShardStreamOptions {
  seed: number;
  /** Off: every epoch reads the shards in manifest order. Default on. */
  shuffle?: boolean;
  /** Shards per window; default 2. */
  windowShards?: number;
}

export interface ShardWindow {
  /** Whole records of consecutive shards of the epoch's order, concatenated. */
  bytes: Uint8Array;
  /** Records in `bytes` (images, or tokens for a token dataset). */
  records: number;
  epoch: number;
  firstInEpoch: boolean;
  /** Indices into the split's shards, in the order they were concatenated. */
  shards: readonly number[];
}

export const DEFAULT_WINDOW_SHARDS = 2;

/** A seeded Fisher-Yates permutation of 0..count-1. */
export function shuffledIndices(count: number, seed: number): Uint32Array {
  return permutation(count, createRng(seed));
}

/** The order an epoch reads the shards in: shuffled with createRng(seed + epoch), or as listed. */
export function epochShardOrder(shardCount: number, seed: number, epoch: number, shuffle = true): number[] {
  return shuffle ? [...shuffledIndices(shardCount, seed + epoch)] : Array.from({ length: shardCount }, (_, i) => i);
}

/** The order cut into windows of `windowShards`; the last may be smaller. */
export function epochWindows(order: readonly number[], windowShards: number): number[][] {
  const windows: number[][] = [];
  for (let start = 0; start < order.length; start += windowShards) windows.push(order.slice(start, start + windowShards));
  return windows;
}

interface Position {
  epoch: number;
  window: number;
}

interface Prefetch {
  position: Position;
  window: Promise<ShardWindow>;
}

export class ShardStream {
  readonly windowsPerEpoch: number;
  readonly recordsPerEpoch: number;
  private readonly shardCount: number;
  private readonly windowShards: number;
  private position: Position = { epoch: 0, window: 0 };
  private prefetched: Prefetch | undefined;
  /** next() calls run one after another, so two callers never take the same window. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: ShardSource,
    /** Usually 'train'; evaluation splits are read whole with ShardReader.readSplit. */
    private readonly split: SplitName,
    private readonly options: Readonly<ShardStreamOptions>,
  ) {
    this.windowShards = options.windowShards ?? DEFAULT_WINDOW_SHARDS;
    if (!Number.isInteger(this.windowShards) || this.windowShards < 1) {
      throw new RangeError(`windowShards must be a whole number >= 1, got ${this.windowShards}.`);
    }
    const entry = (source.manifest.splits as Partial<Record<SplitName, SplitEntry>>)[split];
    if (!entry) throw new RangeError(`The manifest has no "${split}" split to stream.`);
    this.shardCount = entry.shards.length;
    this.recordsPerEpoch = entry.records;
    this.windowsPerEpoch = Math.ceil(this.shardCount / this.windowShards);
  }

  /**
   * The current window; the following one starts downloading before this returns. A failed
   * download is thrown here and the same window is tried again on the next call; a failed
   * prefetch is retried once when its window is asked for.
   */
  next(): Promise<ShardWindow> {
    const result = this.queue.then(() => this.advance());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async advance(): Promise<ShardWindow> {
    const position = this.position;
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    let window: ShardWindow;
    if (prefetched && prefetched.position.epoch === position.epoch && prefetched.position.window === position.window) {
      window = await prefetched.window.catch(() => this.load(position));
    } else {
      window = await this.load(position);
    }
    this.position = this.following(position);
    this.prefetch(this.position);
    return window;
  }

  private prefetch(position: Position): void {
    const window = this.load(position);
    // Handled here so a failed prefetch is not an unhandled rejection; advance() sees it.
    window.catch(() => undefined);
    this.prefetched = { position, window };
  }

  private following({ epoch, window }: Position): Position {
    return window + 1 < this.windowsPerEpoch ? { epoch, window: window + 1 } : { epoch: epoch + 1, window: 0 };
  }

  private shardsOf({ epoch, window }: Position): number[] {
    const order = epochShardOrder(this.shardCount, this.options.seed, epoch, this.options.shuffle ?? true);
    return epochWindows(order, this.windowShards)[window];
  }

  private async load(position: Position): Promise<ShardWindow> {
    const shards = this.shardsOf(position);
    const parts = await Promise.all(shards.map((index) => this.source.readShard(this.split, index)));
    const bytes = parts.length === 1 ? parts[0] : concatenate(parts);
    return {
      bytes,
      records: bytes.length / recordBytes(this.source.manifest),
      epoch: position.epoch,
      firstInEpoch: position.window === 0,
      shards,
    };
  }
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
