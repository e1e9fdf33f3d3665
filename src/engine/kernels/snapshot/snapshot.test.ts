import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { accumulateLoss, gramUpdate, snapshotCopy } from './snapshot.ref';

describe('snapshot references', () => {
  it('accumulates step losses and moves them, with the weights, into one slot only', () => {
    const P = 2;
    const capacity = 3;
    const snapshots = new Float64Array(capacity * P).fill(9);
    const slotLoss = new Float64Array(2 * capacity).fill(-1);
    const accumulator = new Float64Array(2);
    // Three steps with mean losses 1.5, 0.5 and 1: loss sums over 4, 2 and 8 rows.
    for (const metrics of [
      [6, 3, 4],
      [1, 2, 2],
      [8, 5, 8],
    ])
      accumulateLoss(accumulator, metrics);
    expect(Array.from(accumulator)).toEqual([3, 3]);
    snapshotCopy(snapshots, slotLoss, Float64Array.of(0.25, -4), accumulator, 1, P, capacity);
    expect(Array.from(snapshots)).toEqual([9, 9, 0.25, -4, 9, 9]);
    expect(Array.from(slotLoss)).toEqual([-1, -1, 3, 3, -1, -1]);
    expect(Array.from(accumulator)).toEqual([0, 0]);
  });

  it('snapshotCopy writes nothing for a slot past the capacity', () => {
    const snapshots = Float64Array.of(1, 2, 3);
    const slotLoss = Float64Array.of(4, 5);
    const accumulator = Float64Array.of(6, 7);
    snapshotCopy(snapshots, slotLoss, Float64Array.of(8, 8, 8), accumulator, 1, 3, 1);
    expect([...snapshots, ...slotLoss, ...accumulator]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('gramUpdate fills the entries of row r and column r against each snapshot, worked by hand', () => {
    // origin (1, 2, 3); s0 − origin = (1, 0, 0), s1 − origin = (0, 2, −1); row − origin = (2, 1, 1).
    const origin = Float64Array.of(1, 2, 3);
    const snapshots = Float64Array.of(2, 2, 3, 1, 4, 2);
    const row = Float64Array.of(3, 3, 4);
    const S = 4;
    const gram = new Float64Array(S * S).fill(7);
    gramUpdate(gram, snapshots, row, origin, 3, 3, 2, 1, S);
    // g0 = 2·1 = 2, g1 = 1·2 + 1·(−1) = 1, at columns first + t = 1, 2 of row 3 and rows 1, 2 of column 3.
    expect(Array.from(gram)).toEqual([7, 7, 7, 7, 7, 7, 7, 2, 7, 7, 7, 1, 7, 2, 1, 7]);
  });

  it('gramUpdate writes nothing for a row past S', () => {
    const gram = new Float64Array(4).fill(5);
    gramUpdate(gram, Float64Array.of(1, 2), Float64Array.of(3), Float64Array.of(0), 2, 1, 2, 0, 2);
    expect(Array.from(gram)).toEqual([5, 5, 5, 5]);
  });

  it('one update per row over two blocks of storage builds the symmetric Gram matrix D·Dᵀ', () => {
    // Two runs' storages (3 and 2 slots) stacked into S = 5 rows; run A at first 0, run B at first 3.
    const P = 7;
    const rng = createRng(11);
    const origin = randomArray(rng, P);
    const blockA = randomArray(rng, 3 * P);
    const blockB = randomArray(rng, 2 * P);
    const rows = [0, 1, 2].map((t) => blockA.subarray(t * P, (t + 1) * P)).concat([0, 1].map((t) => blockB.subarray(t * P, (t + 1) * P)));
    const S = 5;
    const gram = new Float64Array(S * S).fill(NaN);
    rows.forEach((row, r) => {
      gramUpdate(gram, blockA, row, origin, r, P, 3, 0, S);
      gramUpdate(gram, blockB, row, origin, r, P, 2, 3, S);
    });
    for (let a = 0; a < S; a++) {
      for (let b = 0; b < S; b++) {
        let expected = 0;
        for (let i = 0; i < P; i++) expected += (rows[a][i] - origin[i]) * (rows[b][i] - origin[i]);
        expect(gram[a * S + b]).toBeCloseTo(expected, 12);
        expect(gram[a * S + b]).toBe(gram[b * S + a]);
      }
    }
  });
});
