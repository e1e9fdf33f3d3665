import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES } from './cifar10';
import { DatasetError } from './dataset-error';
import { StreamingImageBatcher, type RecordWindow, type RecordWindowSource } from './streaming-images';
import { cifarBatch } from '../testing/data/file-fixtures';

// Record r of the split has label r % 10 and pixel bytes r, so a batch's pixels name its records.
const RECORDS = 23;
const split = cifarBatch(
  Array.from({ length: RECORDS }, (_, r) => r % 10),
  (r) => r,
);
const recordOf = (images: Float32Array, slot: number) => Math.round(images[slot * 3072] * 255);

/** Windows of `perWindow` records in file order, epoch after epoch; `failAt` window calls throw once. */
function windows(perWindow: number, failAt: ReadonlySet<number> = new Set()): RecordWindowSource & { calls: number } {
  let epoch = 0;
  let start = 0;
  const failed = new Set<number>();
  const source = {
    calls: 0,
    next(): Promise<RecordWindow> {
      const call = source.calls++;
      if (failAt.has(call) && !failed.has(call)) {
        failed.add(call);
        source.calls--;
        return Promise.reject(new DatasetError('network', 'shard unreachable'));
      }
      const records = Math.min(perWindow, RECORDS - start);
      const window = { bytes: split.subarray(start * 3073, (start + records) * 3073), records, epoch, firstInEpoch: start === 0 };
      start += records;
      if (start === RECORDS) {
        start = 0;
        epoch++;
      }
      return Promise.resolve(window);
    },
  };
  return source;
}

const options = { seed: 3, augment: 'none' as const, normalize: false, trainRecords: RECORDS, classNames: CIFAR10_CLASS_NAMES, sourceName: 'fixture' };

describe('StreamingImageBatcher', () => {
  it('in file order without shuffling, batches run across windows and drop each epoch’s remainder', async () => {
    const batcher = new StreamingImageBatcher(windows(5), { ...options, batchSize: 4, shuffle: false });
    expect(batcher.stepsPerEpoch).toBe(5);
    const seen: number[][] = [];
    for (let step = 0; step < 10; step++) {
      const batch = await batcher.next();
      const records = [0, 1, 2, 3].map((slot) => recordOf(batch.images, slot));
      expect(Array.from(batch.labels)).toEqual(records.map((r) => r % 10));
      seen.push(records);
    }
    // Epoch 1: records 0..19 (20..22 dropped); epoch 2 starts again at 0.
    expect(seen.slice(0, 5).flat()).toEqual(Array.from({ length: 20 }, (_, r) => r));
    expect(seen.slice(5).flat()).toEqual(Array.from({ length: 20 }, (_, r) => r));
  });

  it('shuffles within windows with a seed: each epoch draws distinct records, and the same seed gives the same batches', async () => {
    const draw = async (seed: number) => {
      const batcher = new StreamingImageBatcher(windows(8), { ...options, seed, batchSize: 5, shuffle: true });
      const epochs: number[][] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        const records: number[] = [];
        for (let step = 0; step < batcher.stepsPerEpoch; step++) {
          const batch = await batcher.next();
          for (let slot = 0; slot < 5; slot++) records.push(recordOf(batch.images, slot));
        }
        epochs.push(records);
      }
      return epochs;
    };
    const [first, second] = await draw(3);
    for (const epoch of [first, second]) {
      expect(epoch).toHaveLength(20);
      expect(new Set(epoch).size).toBe(20);
    }
    expect(first).not.toEqual(Array.from({ length: 20 }, (_, r) => r));
    expect(first).not.toEqual(second);
    expect(await draw(3)).toEqual([first, second]);
    expect(await draw(4)).not.toEqual([first, second]);
  });

  it('a failed window fetch throws, and the retry carries on from the same place', async () => {
    const source = windows(3, new Set([1]));
    const batcher = new StreamingImageBatcher(source, { ...options, batchSize: 4, shuffle: false });
    await expect(batcher.next()).rejects.toThrow('shard unreachable');
    const batch = await batcher.next();
    expect([0, 1, 2, 3].map((slot) => recordOf(batch.images, slot))).toEqual([0, 1, 2, 3]);
    const next = await batcher.next();
    expect([0, 1, 2, 3].map((slot) => recordOf(next.images, slot))).toEqual([4, 5, 6, 7]);
  });

  it('refuses a split smaller than one batch', () => {
    expect(() => new StreamingImageBatcher(windows(5), { ...options, trainRecords: 3, batchSize: 4, shuffle: false })).toThrow(/fewer than one batch of 4/);
  });
});
