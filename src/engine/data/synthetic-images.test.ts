import { describe, expect, it } from 'vitest';
import type { ImageSet } from './image-set';
import { generateSyntheticImages, SYNTHETIC_CLASS_NAMES } from './synthetic-images';

const CLASS_COUNT = 10;

function image(set: ImageSet, index: number): Uint8Array {
  return set.images.subarray(index * 3072, (index + 1) * 3072);
}

/** -1 when equal; toEqual on 600,000-element arrays takes seconds. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((value, i) => value !== b[i]);
}

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(CLASS_COUNT).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/** Accuracy of assigning each test vector to the class whose mean training vector is nearest. */
function nearestClassMeanAccuracy(
  train: readonly number[][],
  trainLabels: Uint8Array,
  test: readonly number[][],
  testLabels: Uint8Array,
): { accuracy: number; means: number[][] } {
  const width = train[0].length;
  const means = Array.from({ length: CLASS_COUNT }, () => new Array<number>(width).fill(0));
  const counts = classCounts(trainLabels);
  train.forEach((vector, i) => vector.forEach((value, k) => (means[trainLabels[i]][k] += value / counts[trainLabels[i]])));
  let correct = 0;
  test.forEach((vector, i) => {
    let best = -1;
    let bestDistance = Infinity;
    means.forEach((mean, c) => {
      const distance = mean.reduce((sum, value, k) => sum + (value - vector[k]) ** 2, 0);
      if (distance < bestDistance) [best, bestDistance] = [c, distance];
    });
    if (best === testLabels[i]) correct++;
  });
  return { accuracy: correct / test.length, means };
}

interface SimpleFeatures {
  /** Mean colour of the foreground pixels divided by its sum: (r, g, b) / (r + g + b). */
  chromaticity: number[];
  /** Colour-blind shape measures of the foreground mask, scaled to similar ranges. */
  shape: number[];
  rowTransitions: number;
  columnTransitions: number;
}

// Foreground: pixels more than 60 (of 255, RGB distance) from the mean of the border pixels.
function simpleFeatures(pixels: Uint8Array): SimpleFeatures {
  const background = [0, 0, 0];
  let borderCount = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (y !== 0 && y !== 31 && x !== 0 && x !== 31) continue;
      for (let c = 0; c < 3; c++) background[c] += pixels[c * 1024 + y * 32 + x];
      borderCount++;
    }
  }
  for (let c = 0; c < 3; c++) background[c] /= borderCount;
  const inMask = (x: number, y: number) => {
    const p = y * 32 + x;
    return Math.hypot(pixels[p] - background[0], pixels[1024 + p] - background[1], pixels[2048 + p] - background[2]) > 60;
  };
  const colour = [0, 0, 0];
  let count = 0;
  let [left, right, top, bottom] = [32, -1, 32, -1];
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (!inMask(x, y)) continue;
      for (let c = 0; c < 3; c++) colour[c] += pixels[c * 1024 + y * 32 + x];
      count++;
      [left, right, top, bottom] = [Math.min(left, x), Math.max(right, x), Math.min(top, y), Math.max(bottom, y)];
    }
  }
  if (count === 0) return { chromaticity: [1 / 3, 1 / 3, 1 / 3], shape: [0, 0, 0, 0], rowTransitions: 0, columnTransitions: 0 };
  const total = colour[0] + colour[1] + colour[2];
  const width = right - left + 1;
  const height = bottom - top + 1;
  let rowTransitions = 0;
  let columnTransitions = 0;
  for (let y = top; y <= bottom; y++) for (let x = left + 1; x <= right; x++) if (inMask(x, y) !== inMask(x - 1, y)) rowTransitions++;
  for (let x = left; x <= right; x++) for (let y = top + 1; y <= bottom; y++) if (inMask(x, y) !== inMask(x, y - 1)) columnTransitions++;
  rowTransitions /= height;
  columnTransitions /= width;
  const hole = inMask(Math.round((left + right) / 2), Math.round((top + bottom) / 2)) ? 0 : 1;
  return {
    chromaticity: colour.map((value) => value / total),
    shape: [(4 * count) / (width * height), rowTransitions, columnTransitions, 2 * hole],
    rowTransitions,
    columnTransitions,
  };
}

describe('generateSyntheticImages', () => {
  it('returns CIFAR-10-shaped arrays with ten named classes', () => {
    const set = generateSyntheticImages(25, 3);
    expect(set.images).toBeInstanceOf(Uint8Array);
    expect(set.images.length).toBe(25 * 3072);
    expect(set.labels.length).toBe(25);
    expect(set.classNames).toEqual(SYNTHETIC_CLASS_NAMES);
    expect(new Set(set.classNames).size).toBe(10);
    expect(Math.max(...set.labels)).toBeLessThan(10);
    expect(generateSyntheticImages(0, 3).images.length).toBe(0);
    expect(() => generateSyntheticImages(2.5, 3)).toThrow(RangeError);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateSyntheticImages(200, 7);
    const b = generateSyntheticImages(200, 7);
    expect(firstDifference(a.images, b.images)).toBe(-1);
    expect(firstDifference(a.labels, b.labels)).toBe(-1);
    const c = generateSyntheticImages(200, 8);
    let differentBytes = 0;
    for (let i = 0; i < a.images.length; i++) if (a.images[i] !== c.images[i]) differentBytes++;
    expect(differentBytes / a.images.length).toBeGreaterThan(0.9);
    expect(firstDifference(a.labels, c.labels)).not.toBe(-1);
  });

  it('makes a smaller set a prefix of a larger one with the same seed', () => {
    const small = generateSyntheticImages(37, 5);
    const large = generateSyntheticImages(120, 5);
    expect(firstDifference(large.images.subarray(0, small.images.length), small.images)).toBe(-1);
    expect(firstDifference(large.labels.subarray(0, 37), small.labels)).toBe(-1);
  });

  it('balances the classes and shuffles their order', () => {
    expect(classCounts(generateSyntheticImages(1000, 1).labels)).toEqual(new Array(10).fill(100));
    const uneven = classCounts(generateSyntheticImages(1005, 1).labels);
    expect(uneven.every((n) => n === 100 || n === 101)).toBe(true);
    const labels = Array.from(generateSyntheticImages(100, 2).labels);
    expect(labels).not.toEqual(labels.map((_, i) => i % 10));
  });

  it('generates 5,000 images in well under two seconds of CPU time', () => {
    const start = process.cpuUsage();
    generateSyntheticImages(5000, 0);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  describe('learnability', () => {
    const train = generateSyntheticImages(2000, 11);
    const test = generateSyntheticImages(1000, 12);
    const trainFeatures = Array.from({ length: 2000 }, (_, i) => simpleFeatures(image(train, i)));
    const testFeatures = Array.from({ length: 1000 }, (_, i) => simpleFeatures(image(test, i)));

    it('gives every class a clearly different foreground colour', () => {
      const { accuracy, means } = nearestClassMeanAccuracy(
        trainFeatures.map((f) => f.chromaticity),
        train.labels,
        testFeatures.map((f) => f.chromaticity),
        test.labels,
      );
      expect(accuracy).toBeGreaterThan(0.7);
      for (let a = 0; a < CLASS_COUNT; a++) {
        for (let b = a + 1; b < CLASS_COUNT; b++) {
          expect(Math.hypot(...means[a].map((value, k) => value - means[b][k])), `classes ${a} and ${b}`).toBeGreaterThan(0.05);
        }
      }
    });

    it('gives the classes different shapes, visible without colour', () => {
      const { accuracy } = nearestClassMeanAccuracy(
        trainFeatures.map((f) => f.shape),
        train.labels,
        testFeatures.map((f) => f.shape),
        test.labels,
      );
      expect(accuracy).toBeGreaterThan(0.25);
      const meanOf = (label: number, pick: (f: SimpleFeatures) => number) => {
        const values = trainFeatures.filter((_, i) => train.labels[i] === label).map(pick);
        return values.reduce((a, b) => a + b, 0) / values.length;
      };
      const horizontal = SYNTHETIC_CLASS_NAMES.indexOf('cyan horizontal stripes');
      const vertical = SYNTHETIC_CLASS_NAMES.indexOf('azure vertical stripes');
      // Horizontal stripes alternate down each column; vertical stripes along each row.
      expect(meanOf(horizontal, (f) => f.columnTransitions)).toBeGreaterThan(1.5 * meanOf(horizontal, (f) => f.rowTransitions));
      expect(meanOf(vertical, (f) => f.rowTransitions)).toBeGreaterThan(1.5 * meanOf(vertical, (f) => f.columnTransitions));
    });

    it('is learnable from raw pixels but far from trivially so', () => {
      const pixels = (set: ImageSet, n: number) => Array.from({ length: n }, (_, i) => Array.from(image(set, i)));
      const { accuracy } = nearestClassMeanAccuracy(pixels(train, 2000), train.labels, pixels(test, 1000), test.labels);
      // Chance is 0.10 (standard error about 0.01 on 1,000 images); a template-like set would score near 1.
      expect(accuracy).toBeGreaterThan(0.15);
      expect(accuracy).toBeLessThan(0.5);
    });

    it('varies the images within a class', () => {
      const disc = SYNTHETIC_CLASS_NAMES.indexOf('red disc');
      const discs = Array.from(train.labels.keys())
        .filter((i) => train.labels[i] === disc)
        .slice(0, 20);
      for (let k = 1; k < discs.length; k++) {
        const [a, b] = [image(train, discs[k - 1]), image(train, discs[k])];
        let absoluteDifference = 0;
        for (let i = 0; i < 3072; i++) absoluteDifference += Math.abs(a[i] - b[i]);
        expect(absoluteDifference / 3072).toBeGreaterThan(10);
      }
      const brightness = discs.map((i) => image(train, i).reduce((sum, value) => sum + value, 0) / 3072);
      expect(Math.max(...brightness) - Math.min(...brightness)).toBeGreaterThan(60);
    });
  });
});
