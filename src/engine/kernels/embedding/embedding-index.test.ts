import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { createEmbeddingIndex, embeddingBackwardIndex, type EmbeddingIndex } from './embedding-index';
import { embeddingBackward } from './embedding.ref';

/** Checks every property the GPU's dWte relies on, and that the index describes exactly `tokens`. */
function expectValidIndex(index: EmbeddingIndex, tokens: Uint32Array, U: number): void {
  const n = tokens.length;
  expect(index.count[0]).toBe(U);
  expect(index.offsets[0]).toBe(0);
  expect(index.offsets[U]).toBe(n);
  const seen = new Uint8Array(n);
  for (let u = 0; u < U; u++) {
    if (u > 0) expect(index.uniqueTokens[u], 'distinct tokens ascend').toBeGreaterThan(index.uniqueTokens[u - 1]);
    const [start, end] = [index.offsets[u], index.offsets[u + 1]];
    expect(end, 'every distinct token occurs').toBeGreaterThan(start);
    for (let k = start; k < end; k++) {
      const position = index.positions[k];
      expect(tokens[position]).toBe(index.uniqueTokens[u]);
      if (k > start) expect(position, 'positions ascend within a token (stable)').toBeGreaterThan(index.positions[k - 1]);
      seen[position]++;
    }
  }
  expect(Array.from(seen), 'each position listed exactly once').toEqual(new Array(n).fill(1));
  expect(
    index.scratch.every((value) => value === 0),
    'scratch is clean',
  ).toBe(true);
}

/** The GPU's dWte algorithm on the CPU: per distinct token, sum dOut over its positions, add once. */
function gatherDWte(dWte: Float64Array, dOut: Float64Array, index: EmbeddingIndex, C: number): void {
  for (let u = 0; u < index.count[0]; u++) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let k = index.offsets[u]; k < index.offsets[u + 1]; k++) sum += dOut[index.positions[k] * C + c];
      dWte[index.uniqueTokens[u] * C + c] += sum;
    }
  }
}

describe('embedding backward index', () => {
  it('groups positions by token, by hand', () => {
    const index = createEmbeddingIndex(8, 5);
    const tokens = Uint32Array.of(3, 1, 3, 0, 1, 3);
    expect(embeddingBackwardIndex(tokens, index)).toBe(3);
    expect(Array.from(index.uniqueTokens.subarray(0, 3))).toEqual([0, 1, 3]);
    expect(Array.from(index.offsets.subarray(0, 4))).toEqual([0, 1, 3, 6]);
    // Token 0 at 3; token 1 at 1 and 4; token 3 at 0, 2 and 5.
    expect(Array.from(index.positions.subarray(0, 6))).toEqual([3, 1, 4, 0, 2, 5]);
    expect(index.count[0]).toBe(3);
    expectValidIndex(index, tokens, 3);
  });

  it('is sorted and stable on a large random batch with heavy repeats', () => {
    const rng = createRng(11);
    const V = 1000;
    const tokens = Uint32Array.from({ length: 4096 }, () => (rng.next() < 0.5 ? rng.int(8) : rng.int(V)));
    const index = createEmbeddingIndex(4096, V);
    const U = embeddingBackwardIndex(tokens, index);
    expect(U).toBe(new Set(tokens).size);
    expectValidIndex(index, tokens, U);
  });

  it('reuses its arrays across batches of different sizes and token sets', () => {
    const index = createEmbeddingIndex(10, 50);
    const arrays = [index.uniqueTokens, index.offsets, index.positions, index.count, index.scratch];
    const first = Uint32Array.of(49, 7, 7, 0, 49, 49, 7, 12, 3, 3);
    expectValidIndex(index, first, embeddingBackwardIndex(first, index));
    const second = Uint32Array.of(5, 5, 48, 5);
    expect(embeddingBackwardIndex(second, index)).toBe(2);
    expectValidIndex(index, second, 2);
    expect(Array.from(index.offsets.subarray(0, 3))).toEqual([0, 3, 4]);
    expect(Array.from(index.positions.subarray(0, 4))).toEqual([0, 1, 3, 2]);
    const after = [index.uniqueTokens, index.offsets, index.positions, index.count, index.scratch];
    after.forEach((array, i) => expect(array, 'the same array object').toBe(arrays[i]));
    const empty = new Uint32Array(0);
    expect(embeddingBackwardIndex(empty, index)).toBe(0);
    expectValidIndex(index, empty, 0);
  });

  it('lets the GPU-style gather reproduce the reference dWte', () => {
    const rng = createRng(5);
    const [B, T, C, V] = [3, 7, 5, 11];
    const tokens = Uint32Array.from({ length: B * T }, () => rng.int(4) * 3);
    const dOut = randomArray(rng, B * T * C);
    const previous = randomArray(rng, V * C);
    const expected = previous.slice();
    embeddingBackward(expected, null, dOut, tokens, B, T, C, V, T, ACCUMULATE_ALL);
    const index = createEmbeddingIndex(B * T, V);
    embeddingBackwardIndex(tokens, index);
    const got = previous.slice();
    gatherDWte(got, dOut, index, C);
    const result = compareArrays(got, expected, { atol: 1e-12, rtol: 1e-12 }, 'dWte');
    expect(result.ok, result.report).toBe(true);
  });

  it('rejects bad tokens and too many positions without touching the index', () => {
    const index = createEmbeddingIndex(4, 5);
    const good = Uint32Array.of(4, 4, 1);
    embeddingBackwardIndex(good, index);
    expect(() => embeddingBackwardIndex(Uint32Array.of(1, 2, 9, 0), index)).toThrow(
      'embeddingBackwardIndex: token 9 at position 2 is outside the vocabulary [0, 5)',
    );
    expect(() => embeddingBackwardIndex(new Uint32Array(5), index)).toThrow("embeddingBackwardIndex: 5 tokens exceed the index's capacity of 4 positions");
    expectValidIndex(index, good, 2);
    expect(() => createEmbeddingIndex(0, 5)).toThrow('createEmbeddingIndex: maxPositions must be a positive integer, got 0');
    expect(() => createEmbeddingIndex(4, 2.5)).toThrow('createEmbeddingIndex: V must be a positive integer, got 2.5');
  });
});
