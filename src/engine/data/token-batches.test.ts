import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { countEvaluationBatches, countEvaluationTargets, evaluationBatches, perplexity, TokenBatcher, type TokenBatch } from './token-batches';

const I = IGNORE_TARGET;

/** Tokens whose id is their index plus an offset, so a batch shows which positions it holds. */
function positions(count: number, offset = 0): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => i + offset);
}

function rows(values: Uint32Array, context: number): number[][] {
  return Array.from({ length: values.length / context }, (_, r) => Array.from(values.subarray(r * context, (r + 1) * context)));
}

function snapshot(batch: TokenBatch): { inputs: number[]; targets: number[]; size: number; tokens: number } {
  return { inputs: Array.from(batch.inputs), targets: Array.from(batch.targets), size: batch.size, tokens: batch.tokens };
}

function expectDatasetError(run: () => unknown, kind: string, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DatasetError);
  expect((caught as DatasetError).kind).toBe(kind);
  expect((caught as DatasetError).message).toMatch(message);
}

describe('TokenBatcher', () => {
  it('fills each row with T inputs and the T tokens after them, from a window at a random offset', () => {
    // Ids 1000 + position, in a Uint16Array: the window's start is inputs[0] - 1000.
    const tokens = Uint16Array.from({ length: 20 }, (_, i) => 1000 + i);
    const batcher = new TokenBatcher(tokens, { batchSize: 3, context: 5, seed: 4 });
    const starts = new Set<number>();
    for (let step = 0; step < 200; step++) {
      const batch = batcher.next();
      expect([batch.size, batch.tokens]).toEqual([3, 15]);
      const inputRows = rows(batch.inputs, 5);
      const targetRows = rows(batch.targets, 5);
      for (let r = 0; r < 3; r++) {
        const start = inputRows[r][0] - 1000;
        expect(inputRows[r]).toEqual([0, 1, 2, 3, 4].map((t) => 1000 + start + t));
        expect(targetRows[r]).toEqual([1, 2, 3, 4, 5].map((t) => 1000 + start + t));
        starts.add(start);
      }
    }
    // Every one of the n - T = 15 starts occurs, and none that would read past the end.
    expect([...starts].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('keeps 32-bit ids intact', () => {
    const tokens = Uint32Array.from([70_000, 4_000_000_000, 5, 123_456_789]);
    const batch = new TokenBatcher(tokens, { batchSize: 2, context: 3, seed: 1 }).next();
    expect(Array.from(batch.inputs)).toEqual([70_000, 4_000_000_000, 5, 70_000, 4_000_000_000, 5]);
    expect(Array.from(batch.targets)).toEqual([4_000_000_000, 5, 123_456_789, 4_000_000_000, 5, 123_456_789]);
  });

  it('counts floor((n - 1) / (B * T)) steps per epoch, at least one', () => {
    const stepsFor = (count: number, batchSize: number, context: number) => new TokenBatcher(positions(count), { batchSize, context, seed: 0 }).stepsPerEpoch;
    expect(stepsFor(100, 2, 8)).toBe(6);
    expect(stepsFor(97, 2, 8)).toBe(6);
    expect(stepsFor(96, 2, 8)).toBe(5);
    expect(stepsFor(10, 4, 9)).toBe(1);
    const batcher = new TokenBatcher(positions(33), { batchSize: 2, context: 4, seed: 0 });
    expect(batcher.stepsPerEpoch).toBe(4);
    const seen: [number, number][] = [];
    for (let i = 0; i < 9; i++) {
      seen.push([batcher.epoch, batcher.stepInEpoch]);
      batcher.next();
    }
    expect(seen).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 0],
    ]);
  });

  it('gives the same batches for the same seed and others for another seed', () => {
    const draw = (seed: number) => {
      const batcher = new TokenBatcher(positions(1000), { batchSize: 4, context: 16, seed });
      return Array.from({ length: 5 }, () => snapshot(batcher.next()));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(10)).not.toEqual(draw(9));
  });

  it('writes every batch into the same object and arrays', () => {
    const batcher = new TokenBatcher(positions(200), { batchSize: 4, context: 8, seed: 3 });
    const first = batcher.next();
    const { inputs, targets } = first;
    const firstInputs = Array.from(inputs);
    const second = batcher.next();
    expect(second).toBe(first);
    expect(second.inputs).toBe(inputs);
    expect(second.targets).toBe(targets);
    // Same buffers, new contents.
    expect(Array.from(second.inputs)).not.toEqual(firstInputs);
  });

  it('refuses a split shorter than one window of T + 1 tokens, and a bad shape', () => {
    expectDatasetError(
      () => new TokenBatcher(positions(8), { batchSize: 2, context: 8, seed: 0 }),
      'too-small',
      /training split has 8 tokens, fewer than the 9 .*lower the context length to at most 7/,
    );
    expectDatasetError(() => new TokenBatcher(positions(1), { batchSize: 2, context: 8, seed: 0 }), 'too-small', /has 1 tokens.*use a longer training split/);
    expectDatasetError(() => new TokenBatcher(new Uint16Array(0), { batchSize: 1, context: 1, seed: 0 }), 'too-small', /has 0 tokens, fewer than the 2 /);
    expect(new TokenBatcher(positions(9), { batchSize: 2, context: 8, seed: 0 }).next().targets[7]).toBe(8);
    expect(() => new TokenBatcher(positions(100), { batchSize: 0, context: 8, seed: 0 })).toThrow(/batch size must be a whole number > 0, got 0/);
    expect(() => new TokenBatcher(positions(100), { batchSize: 2, context: 2.5, seed: 0 })).toThrow(/context length must be a whole number > 0, got 2.5/);
  });
});

describe('evaluationBatches', () => {
  it('strides windows by T and moves the last one back, ignoring the targets it repeats (n = 11, B = 2, T = 4)', () => {
    const tokens = Uint16Array.from({ length: 11 }, (_, i) => 100 + i);
    const batches = Array.from(evaluationBatches(tokens, { batchSize: 2, context: 4 }), snapshot);
    expect(batches).toEqual([
      { inputs: [100, 101, 102, 103, 104, 105, 106, 107], targets: [101, 102, 103, 104, 105, 106, 107, 108], size: 2, tokens: 8 },
      // Window 3 would start at 108; it starts at 106 so it ends at the last token, and 107, 108 were already predicted.
      { inputs: [106, 107, 108, 109, 0, 0, 0, 0], targets: [I, I, 109, 110, I, I, I, I], size: 1, tokens: 2 },
    ]);
    expect(countEvaluationBatches(11, { batchSize: 2, context: 4 })).toBe(2);
  });

  it('needs no shifted window when T divides n - 1 (n = 9, B = 3, T = 4)', () => {
    const batches = Array.from(evaluationBatches(positions(9), { batchSize: 3, context: 4 }), snapshot);
    expect(batches).toEqual([{ inputs: [0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0], targets: [1, 2, 3, 4, 5, 6, 7, 8, I, I, I, I], size: 2, tokens: 8 }]);
  });

  it('predicts every token after the first exactly once, for many n, B and T', () => {
    const cases = [
      [5, 1, 4],
      [6, 1, 4],
      [9, 2, 4],
      [10, 2, 4],
      [11, 4, 4],
      [17, 2, 4],
      [18, 2, 4],
      [20, 8, 4],
      [33, 4, 8],
      [34, 4, 8],
      [35, 3, 8],
      [100, 5, 7],
      [64, 16, 3],
      [2, 3, 1],
      [7, 2, 1],
      [301, 4, 32],
    ];
    for (const [count, batchSize, context] of cases) {
      const label = `n=${count} B=${batchSize} T=${context}`;
      const predicted = new Uint32Array(count);
      let batchCount = 0;
      let totalTokens = 0;
      let lastSize = batchSize;
      let same: TokenBatch | undefined;
      for (const batch of evaluationBatches(positions(count), { batchSize, context })) {
        same ??= batch;
        expect(batch, label).toBe(same);
        expect(lastSize, `${label}: only the last batch may be short`).toBe(batchSize);
        lastSize = batch.size;
        batchCount++;
        let tokens = 0;
        for (let r = 0; r < batchSize; r++) {
          const inputs = Array.from(batch.inputs.subarray(r * context, (r + 1) * context));
          const targets = Array.from(batch.targets.subarray(r * context, (r + 1) * context));
          if (r >= batch.size) {
            expect(targets, `${label}: padding row ${r}`).toEqual(new Array(context).fill(I));
            continue;
          }
          // A real row is a contiguous window; its ignored targets, if any, come first.
          expect(inputs, label).toEqual(inputs.map((_, t) => inputs[0] + t));
          const kept = targets.findIndex((target) => target !== I);
          expect(targets.slice(0, kept).every((target) => target === I) && kept >= 0, label).toBe(true);
          targets.slice(kept).forEach((target, t) => {
            expect(target, label).toBe(inputs[kept + t] + 1);
            predicted[target]++;
          });
          tokens += context - kept;
        }
        expect(batch.tokens, label).toBe(tokens);
        totalTokens += tokens;
      }
      expect(predicted[0], label).toBe(0);
      expect(
        Array.from(predicted.subarray(1)).every((times) => times === 1),
        `${label}: ${Array.from(predicted)}`,
      ).toBe(true);
      expect(totalTokens, label).toBe(countEvaluationTargets(count));
      expect(batchCount, label).toBe(countEvaluationBatches(count, { batchSize, context }));
    }
  });

  it('refuses a split shorter than T + 1 tokens, naming it', () => {
    expectDatasetError(
      () => Array.from(evaluationBatches(positions(4), { batchSize: 2, context: 4, split: 'validation' })),
      'too-small',
      /validation split has 4 tokens, fewer than the 5 .*at most 3/,
    );
    expectDatasetError(() => evaluationBatches(positions(0), { batchSize: 2, context: 4 }).next(), 'too-small', /evaluation split has 0 tokens/);
    expect(() => evaluationBatches(positions(10), { batchSize: -1, context: 4 }).next()).toThrow(/batch size must be a whole number > 0, got -1/);
  });
});

describe('countEvaluationTargets and perplexity', () => {
  it('counts n - 1 targets', () => {
    expect([countEvaluationTargets(0), countEvaluationTargets(1), countEvaluationTargets(2), countEvaluationTargets(1000)]).toEqual([0, 0, 1, 999]);
  });

  it('is exp of the mean negative log-likelihood', () => {
    expect(perplexity(0, 5)).toBe(1);
    // A uniform guess over V words costs ln V per token and has perplexity V.
    expect(perplexity(50 * Math.log(283), 50)).toBeCloseTo(283, 9);
    expect(perplexity(3, 2)).toBeCloseTo(Math.exp(1.5), 12);
    expect(() => perplexity(0, 0)).toThrow(/at least one predicted token, got 0/);
  });
});
