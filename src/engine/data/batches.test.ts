import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { EvaluationBatcher, ImageBatcher, type BatcherOptions } from './batches';
import { CIFAR10_MEAN, CIFAR10_STD } from './cifar10';
import { DatasetError } from './dataset-error';
import type { ImageSet } from './image-set';

/**
 * n images whose label is their index (with n class names), so a batch's labels show which
 * examples it holds; pixel (c, y, x) of image i is pixel(i, c, y, x).
 */
function indexedSet(count: number, pixel: (image: number, channel: number, y: number, x: number) => number): ImageSet {
  const images = new Uint8Array(count * 3072);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) images[i * 3072 + c * 1024 + y * 32 + x] = pixel(i, c, y, x);
  }
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i), classNames: Array.from({ length: count }, (_, i) => `example ${i}`) };
}

const plain: Omit<BatcherOptions, 'batchSize'> = { seed: 1, shuffle: false, augment: 'none', normalize: false };

describe('ImageBatcher', () => {
  it('gives batches in file order with shuffle off and no augmentation, dropping the last partial batch', () => {
    const set = indexedSet(10, (i, c, y, x) => (i * 13 + c * 50 + y * 3 + x) & 0xff);
    const batcher = new ImageBatcher(set, { ...plain, batchSize: 4 });
    expect(batcher.stepsPerEpoch).toBe(2);
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let step = 0; step < 2; step++) {
        expect([batcher.epoch, batcher.stepInEpoch]).toEqual([epoch, step]);
        const batch = batcher.next();
        expect(batch.size).toBe(4);
        expect(Array.from(batch.labels)).toEqual([0, 1, 2, 3].map((k) => 4 * step + k));
        for (let k = 0; k < 4; k++) {
          for (let i = 0; i < 3072; i += 97) expect(batch.images[k * 3072 + i]).toBe(Math.fround(set.images[(4 * step + k) * 3072 + i] / 255));
        }
      }
    }
    expect(batcher.epoch).toBe(3);
  });

  it('draws a fresh permutation each epoch, covering every kept example once', () => {
    const set = indexedSet(12, () => 0);
    const epochOrder = (batcher: ImageBatcher) => Array.from({ length: batcher.stepsPerEpoch }, () => Array.from(batcher.next().labels)).flat();
    const batcher = new ImageBatcher(set, { ...plain, shuffle: true, batchSize: 3 });
    const orders = Array.from({ length: 4 }, () => epochOrder(batcher));
    for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(new Set(orders.map((order) => order.join(','))).size).toBe(4);
    expect(orders[0]).not.toEqual(Array.from({ length: 12 }, (_, i) => i));

    const again = new ImageBatcher(set, { ...plain, shuffle: true, batchSize: 3 });
    expect(epochOrder(again)).toEqual(orders[0]);
    const otherSeed = new ImageBatcher(set, { ...plain, shuffle: true, batchSize: 3, seed: 2 });
    expect(epochOrder(otherSeed)).not.toEqual(orders[0]);
  });

  it('draws every permutation about equally often (an unbiased Fisher-Yates)', () => {
    const batcher = new ImageBatcher(
      indexedSet(4, () => 0),
      { ...plain, shuffle: true, batchSize: 4 },
    );
    const counts = new Map<string, number>();
    const epochs = 2400;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const key = batcher.next().labels.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // 24 permutations, 100 expected each (standard deviation about 10).
    expect(counts.size).toBe(24);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(55);
      expect(count).toBeLessThan(145);
    }
  });

  it('drops different examples each epoch when shuffling a set that does not divide evenly', () => {
    const batcher = new ImageBatcher(
      indexedSet(10, () => 0),
      { ...plain, shuffle: true, batchSize: 4 },
    );
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 20; epoch++) {
      const order = [...batcher.next().labels, ...batcher.next().labels];
      expect(new Set(order).size).toBe(8);
      order.forEach((label) => seen.add(label));
    }
    expect(seen.size).toBe(10);
  });

  it('keeps the example order when augmentation is switched on', () => {
    const set = indexedSet(16, (i) => i);
    const order = (augment: 'none' | 'standard') => {
      const batcher = new ImageBatcher(set, { ...plain, shuffle: true, augment, batchSize: 4 });
      return Array.from({ length: 8 }, () => Array.from(batcher.next().labels)).flat();
    };
    expect(order('standard')).toEqual(order('none'));
  });

  it("normalises with CIFAR-10's per-channel mean and std", () => {
    // Red 255, green 0, blue 128 everywhere.
    const set = indexedSet(1, (_, c) => [255, 0, 128][c]);
    const batch = new ImageBatcher(set, { ...plain, normalize: true, batchSize: 1 }).next();
    const expected = [255, 0, 128].map((v, c) => (v / 255 - CIFAR10_MEAN[c]) / CIFAR10_STD[c]);
    expect(expected[0]).toBeCloseTo(2.0591, 4);
    expect(expected[1]).toBeCloseTo(-1.9803, 4);
    for (let c = 0; c < 3; c++) {
      for (const pixel of [0, 511, 1023]) expect(batch.images[c * 1024 + pixel]).toBeCloseTo(expected[c], 6);
    }
  });

  it('moves a single bright pixel as a crop from the zero-padded image and a horizontal flip', () => {
    // One pixel of 255 in the green plane at row 10, column 5; everything else 0.
    const set = indexedSet(1, (_, c, y, x) => (c === 1 && y === 10 && x === 5 ? 255 : 0));
    const batcher = new ImageBatcher(set, { ...plain, augment: 'standard', batchSize: 1, seed: 3 });
    const shiftsY = new Set<number>();
    const shiftsX = new Set<number>();
    let flips = 0;
    const draws = 900;
    for (let n = 0; n < draws; n++) {
      const { images } = batcher.next();
      const bright = images.findIndex((value) => value !== 0);
      expect(images.filter((value) => value !== 0).length).toBe(1);
      expect(images[bright]).toBe(1);
      const [channel, y, x] = [Math.floor(bright / 1024), Math.floor(bright / 32) % 32, bright % 32];
      expect(channel).toBe(1);
      // out(y, x) = padded(y + top, x + left) = image(y + top - 4, x + left - 4), top and left in 0..8.
      shiftsY.add(y - 10);
      const flipped = x >= 16;
      if (flipped) flips++;
      shiftsX.add((flipped ? 31 - x : x) - 5);
    }
    const allShifts = [-4, -3, -2, -1, 0, 1, 2, 3, 4];
    expect([...shiftsY].sort((a, b) => a - b)).toEqual(allShifts);
    expect([...shiftsX].sort((a, b) => a - b)).toEqual(allShifts);
    expect(flips / draws).toBeGreaterThan(0.43);
    expect(flips / draws).toBeLessThan(0.57);
  });

  it('crops with zero padding applied before normalisation and flips, matching a direct implementation', () => {
    const rng = createRng(9);
    const set = indexedSet(3, () => 1 + rng.int(255));
    const pad = [0, 1, 2].map((c) => Math.fround(Math.fround(0 - Math.fround(CIFAR10_MEAN[c])) / Math.fround(CIFAR10_STD[c])));
    const normalised = (v: number, c: number) => Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(CIFAR10_MEAN[c])) / Math.fround(CIFAR10_STD[c]));
    // Every (top, left, flip) torchvision could draw, built from an explicitly padded 40x40 image.
    const candidates = (image: number) => {
      const results: Float32Array[] = [];
      for (let top = 0; top <= 8; top++) {
        for (let left = 0; left <= 8; left++) {
          for (const flip of [false, true]) {
            const out = new Float32Array(3072);
            for (let c = 0; c < 3; c++) {
              const padded = new Float32Array(40 * 40).fill(pad[c]);
              for (let y = 0; y < 32; y++)
                for (let x = 0; x < 32; x++) padded[(y + 4) * 40 + x + 4] = normalised(set.images[image * 3072 + c * 1024 + y * 32 + x], c);
              for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[c * 1024 + y * 32 + (flip ? 31 - x : x)] = padded[(y + top) * 40 + x + left];
            }
            results.push(out);
          }
        }
      }
      return results;
    };
    const byImage = [0, 1, 2].map(candidates);
    const batcher = new ImageBatcher(set, { batchSize: 3, seed: 4, shuffle: true, augment: 'standard', normalize: true });
    const used = new Set<number>();
    for (let step = 0; step < 20; step++) {
      const batch = batcher.next();
      for (let slot = 0; slot < 3; slot++) {
        const got = batch.images.subarray(slot * 3072, (slot + 1) * 3072);
        const matches = byImage[batch.labels[slot]].flatMap((candidate, k) => (candidate.every((value, i) => value === got[i]) ? [k] : []));
        expect(matches.length).toBe(1);
        used.add(matches[0]);
      }
    }
    expect(used.size).toBeGreaterThan(30);
  });

  it('reuses its buffers for every batch, across epochs', () => {
    const batcher = new ImageBatcher(
      indexedSet(6, (i) => i),
      { ...plain, shuffle: true, augment: 'standard', batchSize: 2 },
    );
    const first = batcher.next();
    const { images, labels } = first;
    for (let n = 0; n < 10; n++) {
      const batch = batcher.next();
      expect(batch).toBe(first);
      expect(batch.images).toBe(images);
      expect(batch.labels).toBe(labels);
    }
    expect(images.length).toBe(2 * 3 * 32 * 32);
  });

  it('refuses a set smaller than one batch, and malformed options or sets', () => {
    const set = indexedSet(5, () => 0);
    expect(() => new ImageBatcher(set, { ...plain, batchSize: 8 })).toThrow(DatasetError);
    expect(() => new ImageBatcher(set, { ...plain, batchSize: 8 })).toThrow(
      'The training set has 5 images, fewer than one batch of 8; lower the batch size to at most 5',
    );
    expect(() => new ImageBatcher(set, { ...plain, batchSize: 0 })).toThrow(RangeError);
    expect(() => new ImageBatcher({ ...set, images: set.images.subarray(1) }, { ...plain, batchSize: 2 })).toThrow('5 labels but 15359 pixel bytes');
    expect(() => new ImageBatcher({ ...set, classNames: ['a', 'b'] }, { ...plain, batchSize: 2 })).toThrow(
      'Image 2 has label 2, but the set has only 2 classes',
    );
  });
});

describe('EvaluationBatcher', () => {
  it('covers every example once, in order, with a smaller last batch', () => {
    const set = indexedSet(10, (i, c, y, x) => (i * 7 + c + y + x) & 0xff);
    const evaluation = new EvaluationBatcher(set, { batchSize: 4, normalize: true });
    expect(evaluation.batchCount).toBe(3);
    for (let pass = 0; pass < 2; pass++) {
      const seen: { size: number; labels: number[] }[] = [];
      let shared: unknown;
      for (const batch of evaluation.batches()) {
        shared ??= batch;
        expect(batch).toBe(shared);
        seen.push({ size: batch.size, labels: Array.from(batch.labels.subarray(0, batch.size)) });
        for (let k = 0; k < batch.size; k++) {
          const c = 2;
          const value = set.images[batch.labels[k] * 3072 + c * 1024 + 33];
          expect(batch.images[k * 3072 + c * 1024 + 33]).toBeCloseTo((value / 255 - CIFAR10_MEAN[c]) / CIFAR10_STD[c], 6);
        }
        if (batch.size < 4) {
          expect(batch.images.subarray(batch.size * 3072).every((value) => value === 0)).toBe(true);
          expect(Array.from(batch.labels.subarray(batch.size))).toEqual([0, 0]);
        }
      }
      expect(seen).toEqual([
        { size: 4, labels: [0, 1, 2, 3] },
        { size: 4, labels: [4, 5, 6, 7] },
        { size: 2, labels: [8, 9] },
      ]);
    }
  });

  it('gives a single, smaller batch when the batch size exceeds the set', () => {
    const evaluation = new EvaluationBatcher(
      indexedSet(3, () => 255),
      { batchSize: 8, normalize: false },
    );
    const sizes = [...evaluation.batches()].map((batch) => batch.size);
    expect(sizes).toEqual([3]);
  });
});
