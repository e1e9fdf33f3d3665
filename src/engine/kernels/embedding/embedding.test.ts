import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { embeddingBackward, embeddingForward } from './embedding.ref';

// B=2, T=2, C=2, V=3, Tmax=3, worked out by hand below.
const wte = Float64Array.of(1, 2, 10, 20, 100, 200);
const wpe = Float64Array.of(0.5, -0.5, 0.25, 0.75, 9, 9);
const tokens = Uint32Array.of(2, 0, 2, 2);
const dOut = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);

/** Tokens drawn from a few ids of the vocabulary, so most repeat and some ids never occur. */
function repetitiveTokens(seed: number, count: number, V: number): Uint32Array {
  const rng = createRng(seed);
  const pool = Array.from({ length: Math.max(1, Math.ceil(V / 2)) }, () => rng.int(V));
  return Uint32Array.from({ length: count }, () => pool[rng.int(pool.length)]);
}

describe('embedding reference', () => {
  it('forward adds the token row and the position row', () => {
    const out = new Float64Array(8);
    embeddingForward(out, tokens, wte, wpe, 2, 2, 2, 3, 3);
    // (b0,t0) = wte[2] + wpe[0]; (b0,t1) = wte[0] + wpe[1]; (b1,t0) = wte[2] + wpe[0]; (b1,t1) = wte[2] + wpe[1].
    expect(Array.from(out)).toEqual([100.5, 199.5, 1.25, 2.75, 100.5, 199.5, 100.25, 200.75]);
  });

  it('backward scatters dOut into the token rows and sums it over the batch for the position rows', () => {
    const dWte = new Float64Array(6);
    const dWpe = new Float64Array(6);
    embeddingBackward(dWte, dWpe, dOut, tokens, 2, 2, 2, 3, 3, OVERWRITE_ALL);
    // Token 0 occurs at position 1; token 1 nowhere; token 2 at positions 0, 2 and 3.
    expect(Array.from(dWte)).toEqual([3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8]);
    // t=0 collects positions 0 and 2, t=1 positions 1 and 3; row t=2 >= T stays 0.
    expect(Array.from(dWpe)).toEqual([1 + 5, 2 + 6, 3 + 7, 4 + 8, 0, 0]);
  });

  it('backward accumulates into existing gradients and skips a null one', () => {
    const dWte = new Float64Array(6).fill(1);
    const dWpe = new Float64Array(6).fill(-1);
    embeddingBackward(dWte, dWpe, dOut, tokens, 2, 2, 2, 3, 3, ACCUMULATE_ALL);
    expect(Array.from(dWte)).toEqual([4, 5, 1, 1, 14, 17]);
    expect(Array.from(dWpe)).toEqual([5, 7, 9, 11, -1, -1]);
    embeddingBackward(null, dWpe, dOut, tokens, 2, 2, 2, 3, 3, ACCUMULATE_ALL);
    expect(Array.from(dWpe)).toEqual([11, 15, 19, 23, -1, -1]);
    embeddingBackward(dWte, null, dOut, tokens, 2, 2, 2, 3, 3, ACCUMULATE_ALL);
    expect(Array.from(dWte)).toEqual([7, 9, 1, 1, 27, 33]);
  });

  // [B, T, C, V, Tmax]: a single element, T < Tmax, T = Tmax, and a vocabulary larger than the batch.
  for (const [B, T, C, V, Tmax] of [
    [1, 1, 1, 1, 1],
    [2, 3, 4, 3, 5],
    [3, 4, 2, 6, 4],
    [2, 5, 3, 20, 7],
  ]) {
    it(`backward matches central finite differences with repeated tokens, B=${B} T=${T} C=${C} V=${V} Tmax=${Tmax}`, () => {
      const rng = createRng(B * 1000 + T * 100 + C * 10 + V);
      const tok = repetitiveTokens(V + T, B * T, V);
      const w = randomArray(rng, V * C);
      const p = randomArray(rng, Tmax * C);
      const d = randomArray(rng, B * T * C);
      const dWte = new Float64Array(V * C);
      const dWpe = new Float64Array(Tmax * C);
      embeddingBackward(dWte, dWpe, d, tok, B, T, C, V, Tmax, OVERWRITE_ALL);
      const out = new Float64Array(B * T * C);
      const loss = () => (embeddingForward(out, tok, w, p, B, T, C, V, Tmax), weightedSum(out, d));
      for (const result of [checkGradient('dWte', dWte, loss, w), checkGradient('dWpe', dWpe, loss, p)]) {
        expect(result.ok, result.report).toBe(true);
      }
    });
  }

  it('rejects a token outside the vocabulary and T above Tmax', () => {
    const out = new Float64Array(8);
    expect(() => embeddingForward(out, Uint32Array.of(2, 0, 3, 2), wte, wpe, 2, 2, 2, 3, 3)).toThrow(
      'embeddingForward: token 3 at position 2 is outside the vocabulary [0, 3)',
    );
    expect(() => embeddingBackward(new Float64Array(6), null, dOut, Uint32Array.of(0, 7, 0, 0), 2, 2, 2, 3, 3, OVERWRITE_ALL)).toThrow(
      'embeddingBackward: token 7 at position 1 is outside the vocabulary [0, 3)',
    );
    expect(() => embeddingForward(new Float64Array(8), Uint32Array.of(0, 0, 0, 0), wte, wpe, 1, 4, 2, 3, 3)).toThrow(
      'embeddingForward: T = 4 exceeds Tmax = 3',
    );
  });
});
