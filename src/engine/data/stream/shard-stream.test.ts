import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES } from '../cifar10';
import type { SplitName } from './shard-reader';
import { epochShardOrder, epochWindows, ShardStream, shuffledIndices, type ShardSource, type ShardWindow } from './shard-stream';
import { imageFixture, imageRecordId, imageRecords, type DatasetFixture } from '../../testing/data/shard-fixtures';

const sorted = (values: Iterable<number>) => [...values].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('shuffledIndices', () => {
  it('is a permutation of 0..count-1', () => {
    for (const count of [0, 1, 2, 37]) expect(sorted(shuffledIndices(count, 5))).toEqual(range(count));
  });

  it('depends on the seed and only on the seed', () => {
    expect([...shuffledIndices(40, 9)]).toEqual([...shuffledIndices(40, 9)]);
    expect([...shuffledIndices(40, 9)]).not.toEqual([...shuffledIndices(40, 10)]);
    expect([...shuffledIndices(40, 9)]).not.toEqual(range(40));
  });
});

describe('epoch shard order and windows', () => {
  it('reads every shard once per epoch, in an order set by seed + epoch', () => {
    const orders = range(4).map((epoch) => epochShardOrder(20, 3, epoch));
    for (const order of orders) expect(sorted(order)).toEqual(range(20));
    expect(new Set(orders.map((order) => order.join())).size).toBe(4);
    expect(epochShardOrder(20, 3, 2)).toEqual(orders[2]);
    expect(epochShardOrder(20, 3, 2)).toEqual([...shuffledIndices(20, 5)]);
  });

  it('keeps manifest order when shuffling is off', () => {
    expect(epochShardOrder(6, 3, 0, false)).toEqual(range(6));
    expect(epochShardOrder(6, 3, 7, false)).toEqual(range(6));
  });

  it('cuts the order into windows, the last one smaller', () => {
    expect(epochWindows([4, 0, 3, 1, 2], 2)).toEqual([[4, 0], [3, 1], [2]]);
    expect(epochWindows([4, 0, 3, 1, 2], 5)).toEqual([[4, 0, 3, 1, 2]]);
    expect(epochWindows([1, 0], 3)).toEqual([[1, 0]]);
  });
});

/** Five one-record-per-id shards served from memory, with every read logged and failures on demand. */
class FakeSource implements ShardSource {
  readonly reads: number[] = [];
  /** Shard index -> how many of its next reads fail. */
  readonly failures = new Map<number, number>();
  constructor(readonly fixture: DatasetFixture) {}
  get manifest() {
    return this.fixture.manifest;
  }
  async readShard(split: SplitName, index: number): Promise<Uint8Array> {
    expect(split).toBe('train');
    this.reads.push(index);
    const failing = this.failures.get(index) ?? 0;
    if (failing > 0) {
      this.failures.set(index, failing - 1);
      throw new Error(`shard ${index} failed`);
    }
    return this.fixture.files.get(this.fixture.manifest.splits.train.shards[index].file)!;
  }
}

function windowIds(window: ShardWindow): number[] {
  return range(window.records).map((record) => imageRecordId(window.bytes, record));
}

describe('ShardStream', () => {
  let fixture: DatasetFixture;
  beforeAll(async () => {
    // Shard s holds ids 10s and 10s + 1 (the last holds one record), so windows are easy to read back.
    const train = range(5).map((s) => imageRecords(s === 4 ? [40] : [10 * s, 10 * s + 1]));
    fixture = await imageFixture({ train, test: [imageRecords([99])] });
  });

  it('yields each epoch every record once, window by window in the seeded shard order', async () => {
    const source = new FakeSource(fixture);
    const stream = new ShardStream(source, 'train', { seed: 11 });
    expect(stream.windowsPerEpoch).toBe(3);
    expect(stream.recordsPerEpoch).toBe(9);
    for (let epoch = 0; epoch < 3; epoch++) {
      const order = epochShardOrder(5, 11, epoch);
      const ids: number[] = [];
      for (let w = 0; w < 3; w++) {
        const window = await stream.next();
        expect(window.epoch).toBe(epoch);
        expect(window.firstInEpoch).toBe(w === 0);
        expect(window.shards).toEqual(order.slice(2 * w, 2 * w + 2));
        expect(window.records).toBe(window.bytes.length / CIFAR10_RECORD_BYTES);
        const expected = window.shards.flatMap((s) => (s === 4 ? [40] : [10 * s, 10 * s + 1]));
        expect(windowIds(window)).toEqual(expected);
        ids.push(...windowIds(window));
      }
      expect(sorted(ids)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40]);
    }
  });

  it('reads in manifest order without shuffling, with the window size asked for', async () => {
    const stream = new ShardStream(new FakeSource(fixture), 'train', { seed: 11, shuffle: false, windowShards: 3 });
    const windows = [await stream.next(), await stream.next(), await stream.next()];
    expect(windows.map((w) => w.shards)).toEqual([
      [0, 1, 2],
      [3, 4],
      [0, 1, 2],
    ]);
    expect(windows.map((w) => w.records)).toEqual([6, 3, 6]);
    expect(windows.map((w) => w.epoch)).toEqual([0, 0, 1]);
  });

  it('starts fetching the following window before returning the current one', async () => {
    const source = new FakeSource(fixture);
    const stream = new ShardStream(source, 'train', { seed: 4, shuffle: false });
    await stream.next();
    expect(source.reads).toEqual([0, 1, 2, 3]);
    await stream.next();
    expect(source.reads).toEqual([0, 1, 2, 3, 4]);
    await stream.next();
    // Past the epoch's end the prefetch starts epoch 1.
    expect(source.reads).toEqual([0, 1, 2, 3, 4, 0, 1]);
  });

  it('throws a failed download from next() and tries the same window again on the next call', async () => {
    const source = new FakeSource(fixture);
    source.failures.set(0, 1);
    const stream = new ShardStream(source, 'train', { seed: 4, shuffle: false });
    await expect(stream.next()).rejects.toThrow('shard 0 failed');
    const window = await stream.next();
    expect(window.shards).toEqual([0, 1]);
    expect(window.epoch).toBe(0);
  });

  it('retries a failed prefetch once when its window is asked for, and throws if that fails too', async () => {
    const source = new FakeSource(fixture);
    source.failures.set(2, 1);
    source.failures.set(4, 2);
    const stream = new ShardStream(source, 'train', { seed: 4, shuffle: false });
    await stream.next();
    expect((await stream.next()).shards).toEqual([2, 3]);
    expect(source.reads.filter((s) => s === 2)).toHaveLength(2);
    await expect(stream.next()).rejects.toThrow('shard 4 failed');
    expect(source.reads.filter((s) => s === 4)).toHaveLength(2);
    expect((await stream.next()).shards).toEqual([4]);
  });

  it('hands overlapping next() calls consecutive windows', async () => {
    const stream = new ShardStream(new FakeSource(fixture), 'train', { seed: 4, shuffle: false });
    const windows = await Promise.all([stream.next(), stream.next(), stream.next()]);
    expect(windows.map((w) => w.shards)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('refuses a split the manifest does not have', () => {
    expect(() => new ShardStream(new FakeSource(fixture), 'validation', { seed: 1 })).toThrow('The manifest has no "validation" split to stream.');
  });

  it('refuses a window size that is not a whole number >= 1', () => {
    expect(() => new ShardStream(new FakeSource(fixture), 'train', { seed: 1, windowShards: 0 })).toThrow(/windowShards must be a whole number >= 1, got 0/);
  });
});
