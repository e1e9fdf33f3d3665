import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { fullPaperWindows, PaperWindowBatcher, paperEvaluationBatches } from './paper-window-batches';
import { paperWindows } from './paper-windows';
import type { TokenBatch } from './token-batches';

const I = IGNORE_TARGET;
/** A stream whose ids (100, 101, ...) differ from the padding id 0. */
const stream = (n: number) => Uint32Array.from({ length: n }, (_, i) => 100 + i);
const rows = (values: Uint32Array, context: number, size = values.length / context) =>
  Array.from({ length: size }, (_, r) => [...values.subarray(r * context, (r + 1) * context)]);
const copy = (batch: TokenBatch) => ({ inputs: rows(batch.inputs, 4), targets: rows(batch.targets, 4), size: batch.size, tokens: batch.tokens });

describe('PaperWindowBatcher', () => {
  // 23 ids at context 4: full windows at 0, 4, 8, 12, 16, then the padded [21, 22].
  const ids = stream(23);

  it('draws every full window once per epoch in a seeded order, never the padded final one', () => {
    expect(fullPaperWindows(23, 4)).toBe(5);
    const batcher = new PaperWindowBatcher(ids, { batchSize: 2, context: 4, seed: 3 });
    expect(batcher.stepsPerEpoch).toBe(2);
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 6; epoch++) {
      const starts: number[] = [];
      for (let step = 0; step < batcher.stepsPerEpoch; step++) {
        expect(batcher.epoch).toBe(epoch);
        const batch = batcher.next();
        expect(batch.size).toBe(2);
        for (let row = 0; row < 2; row++) {
          const inputs = [...batch.inputs.subarray(row * 4, row * 4 + 4)];
          const targets = [...batch.targets.subarray(row * 4, row * 4 + 4)];
          const start = inputs[0] - 100;
          // A window of T + 1 ids from a multiple of T: source the first T, target the last T.
          expect(start % 4).toBe(0);
          expect(inputs).toEqual([0, 1, 2, 3].map((t) => 100 + start + t));
          expect(targets).toEqual([1, 2, 3, 4].map((t) => 100 + start + t));
          starts.push(start);
        }
      }
      // Four of the five windows, none twice (the fifth falls in the dropped short batch).
      expect(new Set(starts).size).toBe(4);
      starts.forEach((start) => seen.add(start));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 4, 8, 12, 16]);
  });

  it('repeats its sequence for a seed and changes it with the seed', () => {
    const draw = (seed: number) => {
      const batcher = new PaperWindowBatcher(ids, { batchSize: 2, context: 4, seed });
      return Array.from({ length: 6 }, () => [...batcher.next().inputs]);
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('refuses a training split with fewer full windows than the batch size', () => {
    const error = thrownDatasetError(() => new PaperWindowBatcher(ids, { batchSize: 6, context: 4, seed: 0 }));
    expect(error.kind).toBe('too-small');
    expect(error.message).toContain('5 full windows of 5 (context 4), fewer than the batch size 6; lower batch_size to at most 5');
    expect(thrownDatasetError(() => new PaperWindowBatcher(stream(4), { batchSize: 1, context: 4, seed: 0 })).message).toContain(
      '0 full windows of 5 (context 4), fewer than the batch size 1; use a longer training split',
    );
  });
});

describe('paperEvaluationBatches', () => {
  it('reads every window once in order, the final one masked, padding rows of the last batch all ignored', () => {
    const windows = paperWindows(stream(23), 4);
    const batches = Array.from(paperEvaluationBatches(windows, 4, 'validation'), copy);
    expect(batches.map((batch) => batch.size)).toEqual([4, 2]);
    expect(batches[0].inputs.map((row) => row[0])).toEqual([100, 104, 108, 112]);
    expect(batches[1]).toEqual({
      inputs: [
        [116, 117, 118, 119],
        [121, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      targets: [
        [117, 118, 119, 120],
        [122, I, I, I],
        [I, I, I, I],
        [I, I, I, I],
      ],
      size: 2,
      tokens: 5,
    });
    // Every id is a target but the first and the one after the last full window (id 121).
    expect(batches.reduce((sum, batch) => sum + batch.tokens, 0)).toBe(windows.tokens);
    expect(windows.tokens).toBe(23 - 2);
  });

  it('counts the scored targets of a split at the paper context', () => {
    const windows = paperWindows(stream(1000));
    const batches = Array.from(paperEvaluationBatches(windows, 3), (batch) => ({ size: batch.size, tokens: batch.tokens }));
    // Three full windows of 256 targets, then ids 769..999: 230 targets.
    expect(batches).toEqual([
      { size: 3, tokens: 768 },
      { size: 1, tokens: 230 },
    ]);
  });

  it('refuses a split with nothing to predict', () => {
    const error = thrownDatasetError(() => paperEvaluationBatches(paperWindows(stream(1), 4), 2, 'test').next());
    expect(error.kind).toBe('too-small');
    expect(error.message).toContain('The test split has no token to predict');
  });
});
