import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import { attentionBackward, attentionForward } from './attention.ref';

// B=1, T=2, C=H=D=1, so scale = 1. Row 0 sees only position 0: P00 = 1, although its masked
// score q0*k1 = 2 ln 3 is the largest. Row 1: scores (0, ln 3), so P1 = (1/4, 3/4).
const q = Float64Array.of(2, 1);
const k = Float64Array.of(0, Math.log(3));
const v = Float64Array.of(4, 8);
const dOut = Float64Array.of(2, 1);

/** Slices one (b, h) head of a (B, T, C) tensor into a (1, T, D) one. */
function headOf(x: Float64Array, b: number, h: number, T: number, C: number, D: number): Float64Array {
  const head = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) head[t * D + d] = x[(b * T + t) * C + h * D + d];
  return head;
}

describe('attention reference', () => {
  it('forward masks future positions and mixes values by softmax weights', () => {
    const out = new Float64Array(2);
    const probs = new Float64Array(4).fill(NaN);
    attentionForward(out, probs, q, k, v, 1, 2, 1, 1);
    // out0 = v0 = 4; out1 = 4/4 + 3*8/4 = 7.
    expect(Array.from(probs)).toEqual([1, 0, expect.closeTo(0.25, 14), expect.closeTo(0.75, 14)]);
    expect(out[0]).toBe(4);
    expect(out[1]).toBeCloseTo(7, 14);
  });

  it('backward matches the gradients worked out by hand', () => {
    const out = new Float64Array(2);
    const probs = new Float64Array(4);
    attentionForward(out, probs, q, k, v, 1, 2, 1, 1);
    const dQ = new Float64Array(2);
    const dK = new Float64Array(2);
    const dV = new Float64Array(2);
    attentionBackward(dQ, dK, dV, dOut, probs, q, k, v, 1, 2, 1, 1, OVERWRITE_ALL);
    // dV0 = P00*2 + P10*1 = 2.25, dV1 = P11*1 = 0.75.
    // Row 0 has one weight, so dS00 = 0. Row 1: dP = 1*(4, 8), sum_k P1k dP1k = 7,
    // dS1 = (1/4 (4 - 7), 3/4 (8 - 7)) = (-3/4, 3/4).
    // dQ1 = dS10 k0 + dS11 k1 = 3/4 ln 3; dK0 = dS10 q1 = -3/4; dK1 = dS11 q1 = 3/4.
    expect(Array.from(dV)).toEqual([expect.closeTo(2.25, 14), expect.closeTo(0.75, 14)]);
    expect(Array.from(dQ)).toEqual([0, expect.closeTo(0.75 * Math.log(3), 14)]);
    expect(Array.from(dK)).toEqual([expect.closeTo(-0.75, 14), expect.closeTo(0.75, 14)]);
  });

  it('backward accumulates into existing gradients', () => {
    const out = new Float64Array(2);
    const probs = new Float64Array(4);
    attentionForward(out, probs, q, k, v, 1, 2, 1, 1);
    const dQ = Float64Array.of(1, 1);
    const dK = Float64Array.of(-1, -1);
    const dV = Float64Array.of(10, 10);
    attentionBackward(dQ, dK, dV, dOut, probs, q, k, v, 1, 2, 1, 1, ACCUMULATE_ALL);
    expect(Array.from(dQ)).toEqual([1, expect.closeTo(1 + 0.75 * Math.log(3), 14)]);
    expect(Array.from(dK)).toEqual([expect.closeTo(-1.75, 14), expect.closeTo(-0.25, 14)]);
    expect(Array.from(dV)).toEqual([expect.closeTo(12.25, 14), expect.closeTo(10.75, 14)]);
  });

  it('heads are feature blocks h*D..h*D+D-1 and batches are independent', () => {
    const [B, T, C, H] = [2, 3, 6, 3];
    const D = C / H;
    const rng = createRng(11);
    const [x, y, z, g] = [0, 1, 2, 3].map(() => randomArray(rng, B * T * C));
    const out = new Float64Array(B * T * C);
    const probs = new Float64Array(B * H * T * T);
    attentionForward(out, probs, x, y, z, B, T, C, H);
    const dQ = new Float64Array(B * T * C);
    const dK = new Float64Array(B * T * C);
    const dV = new Float64Array(B * T * C);
    attentionBackward(dQ, dK, dV, g, probs, x, y, z, B, T, C, H, OVERWRITE_ALL);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const slice = (t: Float64Array) => headOf(t, b, h, T, C, D);
        const headOut = new Float64Array(T * D);
        const headProbs = new Float64Array(T * T);
        attentionForward(headOut, headProbs, slice(x), slice(y), slice(z), 1, T, D, 1);
        const headGrads = [0, 1, 2].map(() => new Float64Array(T * D));
        attentionBackward(headGrads[0], headGrads[1], headGrads[2], slice(g), headProbs, slice(x), slice(y), slice(z), 1, T, D, 1, OVERWRITE_ALL);
        expect(Array.from(slice(out))).toEqual(Array.from(headOut));
        expect(Array.from(probs.subarray((b * H + h) * T * T, (b * H + h + 1) * T * T))).toEqual(Array.from(headProbs));
        expect([slice(dQ), slice(dK), slice(dV)].map((t) => Array.from(t))).toEqual(headGrads.map((t) => Array.from(t)));
      }
    }
  });

  it('position i sees nothing of the keys and values after it', () => {
    const [B, T, C, H] = [2, 5, 4, 2];
    const rng = createRng(5);
    const x = randomArray(rng, B * T * C);
    const y = randomArray(rng, B * T * C);
    const z = randomArray(rng, B * T * C);
    const out = new Float64Array(B * T * C);
    const probs = new Float64Array(B * H * T * T);
    attentionForward(out, probs, x, y, z, B, T, C, H);
    for (let bh = 0; bh < B * H; bh++) {
      for (let i = 0; i < T; i++) {
        const row = probs.subarray((bh * T + i) * T, (bh * T + i + 1) * T);
        expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 14);
        for (let j = 0; j < T; j++) expect(row[j] > 0).toBe(j <= i);
      }
    }
    for (let i = 0; i < T - 1; i++) {
      const y2 = y.slice();
      const z2 = z.slice();
      for (let b = 0; b < B; b++) {
        for (let t = i + 1; t < T; t++) {
          for (let c = 0; c < C; c++) {
            y2[(b * T + t) * C + c] += 3;
            z2[(b * T + t) * C + c] -= 5;
          }
        }
      }
      const out2 = new Float64Array(B * T * C);
      const probs2 = new Float64Array(B * H * T * T);
      attentionForward(out2, probs2, x, y2, z2, B, T, C, H);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const rows = (o: Float64Array) => Array.from(o.subarray((b * T + t) * C, (b * T + t + 1) * C));
          // Rows up to i are bit-identical; the later ones do see the change.
          if (t <= i) expect(rows(out2)).toEqual(rows(out));
          else expect(rows(out2)).not.toEqual(rows(out));
        }
        for (let h = 0; h < H; h++) {
          const start = (b * H + h) * T * T;
          expect(Array.from(probs2.subarray(start, start + (i + 1) * T))).toEqual(Array.from(probs.subarray(start, start + (i + 1) * T)));
        }
      }
    }
  });

  // (B, T, C, H): T = 1; H = 1 with D = 1 and D = 4; H = 3 with D = 1 and D = 4; B = 2.
  for (const [B, T, C, H] of [
    [1, 1, 4, 2],
    [1, 4, 1, 1],
    [1, 3, 4, 1],
    [2, 4, 3, 3],
    [1, 5, 12, 3],
    [2, 3, 8, 2],
  ]) {
    it(`backward matches central finite differences, B=${B} T=${T} C=${C} H=${H}`, () => {
      const rng = createRng(B * 1000 + T * 100 + C * 10 + H);
      const n = B * T * C;
      // Scores of order 1, so the softmax is neither uniform nor saturated.
      const x = randomArray(rng, n, -2, 2);
      const y = randomArray(rng, n, -2, 2);
      const z = randomArray(rng, n);
      const g = randomArray(rng, n);
      const out = new Float64Array(n);
      const probs = new Float64Array(B * H * T * T);
      attentionForward(out, probs, x, y, z, B, T, C, H);
      const dQ = new Float64Array(n);
      const dK = new Float64Array(n);
      const dV = new Float64Array(n);
      attentionBackward(dQ, dK, dV, g, probs, x, y, z, B, T, C, H, OVERWRITE_ALL);
      const scratch = new Float64Array(B * H * T * T);
      const loss = () => (attentionForward(out, scratch, x, y, z, B, T, C, H), weightedSum(out, g));
      for (const result of [checkGradient('dQ', dQ, loss, x), checkGradient('dK', dK, loss, y), checkGradient('dV', dV, loss, z)]) {
        expect(result.ok, result.report).toBe(true);
      }
      // T = 1 has one weight per row, so q and k cannot matter; elsewhere they must.
      const qkMatter = dQ.some((value) => Math.abs(value) > 1e-3) && dK.some((value) => Math.abs(value) > 1e-3);
      expect(qkMatter).toBe(T > 1);
    });
  }

  it('rejects a C that H does not divide', () => {
    const t = new Float64Array(6);
    expect(() => attentionForward(t, new Float64Array(8), t, t, t, 1, 2, 3, 2)).toThrow('attentionForward: C=3 is not a positive multiple of H=2');
  });
});
