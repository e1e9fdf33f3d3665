import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { writeTensor } from '../../gpu/transfer';
import { createRng, randomArray, type Rng } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './snapshot';
import * as ref from './snapshot.ref';

// snapshotCopy moves float32 values unchanged: exact. The loss accumulator adds a float32
// quotient per step; over the few steps here the worst error measured was 6e-8 relative.
const LOSS_TOLERANCE = { atol: 0, rtol: 1e-6 };

// Gram entries are float32 sums of P products. The error of such a sum is bounded by a multiple
// of eps·Σ|terms| (eps = 2^-24 ≈ 6e-8), so it is measured relative to that sum of magnitudes.
// Worst measured on SwiftShader: 6.2e-8 at P = 4.5 M (each lane sums ~17 600 terms before an
// 8-level tree; the cases include a diagonal entry, whose terms are all positive), 3.4e-8 at
// P = 1 (one rounded product); the tolerance sits 4x above. Expanding (a − o)·(b − o) into
// a·b − a·o − o·b + o·o was tried: with rows within 1e-3 of an origin of size 1 it measured
// 2e-5 (P = 4.5 M) to 0.14 (P = 1), so these tests catch it.
const GRAM_TOLERANCE = 2.5e-7;

/** Snapshot rows close to an origin, as a training run's are: origin in [−1, 1], each row within 1e-3 of it. */
function rowsNear(rng: Rng, origin: Float64Array, rows: number): Float64Array {
  const P = origin.length;
  const out = new Float64Array(rows * P);
  for (let t = 0; t < rows; t++) for (let i = 0; i < P; i++) out[t * P + i] = origin[i] + rng.uniform(-1e-3, 1e-3);
  return asFloat32Values(out);
}

/** The worst |got − expected| / scale over the entries given, with its index. */
function worstRelative(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale: ArrayLike<number>,
  entries: Iterable<number>,
): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (const k of entries) {
    const error = Math.abs(got[k] - expected[k]) / scale[k];
    if (!(error <= worst)) {
      worst = error;
      at = k;
    }
  }
  return { worst, at };
}

describe('snapshotCopy and accumulateLoss on the GPU', () => {
  // P = 1, below and just over one workgroup of 256, a mid-size model, and one that needs the
  // 2-D grid (with slot 1, so the slot offset is added to a folded index); capacity 1, 2 and 3.
  const cases = [
    { P: 1, capacity: 1, slots: [0, 1, 0] },
    { P: 1, capacity: 3, slots: [2, 0, 3, 1] },
    { P: 255, capacity: 3, slots: [1, 2, 7] },
    { P: 257, capacity: 1, slots: [0] },
    { P: 70_000, capacity: 3, slots: [2, 1] },
    { P: 256 * 65535 + 7, capacity: 2, slots: [1] },
  ];
  for (const { P, capacity, slots } of cases) {
    it(`keeps each snapshot in its slot only and resets the accumulator, P=${P} capacity=${capacity} slots ${slots.join(', ')}`, async () => {
      const ctx = await testContext();
      const rng = createRng(P + capacity);
      // Recognisable contents everywhere, so any write outside the slot shows.
      const initialSnapshots = Float32Array.from({ length: capacity * P }, (_, k) => 1000 + (k % 97));
      const initialSlotLoss = Float32Array.from({ length: 2 * capacity }, (_, k) => -1 - k);
      const tSnapshots = upload(ctx, 'snapshots', initialSnapshots);
      const tSlotLoss = upload(ctx, 'slotLoss', initialSlotLoss);
      const tParams = upload(ctx, 'params', new Float32Array(P));
      const tAccumulator = upload(ctx, 'lossAccumulator', [0, 0]);
      const tMetrics = upload(ctx, 'metrics', [0, 0, 1]);
      const tSlot = upload(ctx, 'slotIndex', [0], [1], 'u32');
      // The training step's plan, and the same with a snapshot at its end, each built once and
      // replayed with the step's metrics, weights and slot written before the submit.
      const stepPlan = new ComputePlan(ctx, 'step', 'test');
      gpu.accumulateLoss(stepPlan, tAccumulator, tMetrics);
      const snapshotPlan = new ComputePlan(ctx, 'step-and-snapshot', 'test');
      gpu.accumulateLoss(snapshotPlan, tAccumulator, tMetrics);
      gpu.snapshotCopy(snapshotPlan, tSnapshots, tSlotLoss, tParams, tAccumulator, tSlot, P, capacity);
      await stepPlan.compile();
      await snapshotPlan.compile();

      const snapshots = Float64Array.from(initialSnapshots);
      const slotLoss = Float64Array.from(initialSlotLoss);
      const accumulator = new Float64Array(2);
      for (const slot of slots) {
        // Two steps without a snapshot, then one with: rows 10 and 7, loss sums drawn in [0, 30).
        for (const snapshotNow of [false, false, true]) {
          const metrics = Float32Array.of(rng.uniform(0, 30), 3, snapshotNow ? 7 : 10);
          writeTensor(ctx, tMetrics, metrics);
          ref.accumulateLoss(accumulator, metrics);
          if (!snapshotNow) {
            stepPlan.run();
            continue;
          }
          const params = asFloat32Values(randomArray(rng, P));
          writeTensor(ctx, tParams, params);
          writeTensor(ctx, tSlot, [slot]);
          snapshotPlan.run();
          ref.snapshotCopy(snapshots, slotLoss, params, accumulator, slot, P, capacity);
        }
      }
      const snapshotsResult = compareArrays(await download(ctx, tSnapshots), snapshots, { atol: 0, rtol: 0 }, 'snapshots');
      expect(snapshotsResult.ok, snapshotsResult.report).toBe(true);
      for (const [name, tensor, expected] of [
        ['slotLoss', tSlotLoss, slotLoss],
        ['lossAccumulator', tAccumulator, accumulator],
      ] as const) {
        const result = compareArrays(await download(ctx, tensor), expected, LOSS_TOLERANCE, name);
        expect(result.ok, result.report).toBe(true);
      }
      // The test must exercise what it claims: some slot was written and some left as it was.
      const written = new Set(slots.filter((slot) => slot < capacity));
      expect(slotLoss.filter((_, k) => written.has(Math.floor(k / 2))).every((value, k) => value !== initialSlotLoss[k])).toBe(true);
      // A snapshot into a slot past the capacity leaves the accumulator to the next one.
      if (slots[slots.length - 1] >= capacity) expect(accumulator[1]).toBe(3);
      stepPlan.dispose();
      snapshotPlan.dispose();
      ctx.pool.releaseOwner('test');
    });
  }
});

describe('gramUpdate on the GPU', () => {
  // P = 1, below and just over a workgroup, 70 000, and GPT's ~4.5 M; capacity 1, 2 and 3;
  // blocks at the start, middle and end of S; the row's own column (first + t = r) included.
  const cases = [
    { P: 1, capacity: 1, first: 0, S: 1, rows: [0] },
    { P: 1, capacity: 3, first: 0, S: 3, rows: [2, 0] },
    { P: 255, capacity: 3, first: 1, S: 5, rows: [4, 2] },
    { P: 257, capacity: 1, first: 4, S: 5, rows: [4, 0] },
    { P: 70_000, capacity: 3, first: 2, S: 6, rows: [0, 3] },
    { P: 4_500_001, capacity: 2, first: 0, S: 3, rows: [2] },
  ];
  for (const { P, capacity, first, S, rows } of cases) {
    it(`writes row r and column r against each snapshot and nothing else, P=${P} capacity=${capacity} first=${first} S=${S}`, async () => {
      const ctx = await testContext();
      const rng = createRng(3 * P + capacity);
      const origin = asFloat32Values(randomArray(rng, P));
      const snapshots = rowsNear(rng, origin, capacity);
      const initialGram = Float32Array.from({ length: S * S }, (_, k) => 1000 + k);
      const tGram = upload(ctx, 'gram', initialGram);
      const tSnapshots = upload(ctx, 'snapshots', snapshots);
      const tOrigin = upload(ctx, 'origin', origin);
      const tRow = upload(ctx, 'row', new Float32Array(P));
      const tRowIndex = upload(ctx, 'rowIndex', [0], [1], 'u32');
      const plan = new ComputePlan(ctx, 'gram', 'test');
      gpu.gramUpdate(plan, tGram, tSnapshots, tRow, tOrigin, tRowIndex, P, capacity, first, S);
      await plan.compile();

      const gram = Float64Array.from(initialGram);
      const scale = new Float64Array(S * S).fill(1);
      const written = new Set<number>();
      // Each update with its own row and row index, then one with r = S, which must write nothing.
      // The first row is the last snapshot itself, as when a snapshot has just been copied: its
      // own entry is a sum of P positive terms, where rounding errors do not cancel.
      const last = snapshots.subarray((capacity - 1) * P);
      for (const [update, r] of [...rows, S].entries()) {
        const row = update === 0 ? last : rowsNear(rng, origin, 1);
        writeTensor(ctx, tRow, row);
        writeTensor(ctx, tRowIndex, [r]);
        plan.run();
        ref.gramUpdate(gram, snapshots, row, origin, r, P, capacity, first, S);
        if (r >= S) continue;
        for (let t = 0; t < capacity; t++) {
          let magnitude = 0;
          for (let i = 0; i < P; i++) magnitude += Math.abs((row[i] - origin[i]) * (snapshots[t * P + i] - origin[i]));
          for (const k of [r * S + first + t, (first + t) * S + r]) {
            scale[k] = magnitude;
            written.add(k);
          }
        }
      }
      const got = await download(ctx, tGram);
      const { worst, at } = worstRelative(got, gram, scale, written);
      expect(worst, `gram[${at}] = ${got[at]}, expected ${gram[at]}`).toBeLessThanOrEqual(GRAM_TOLERANCE);
      const untouched = [...Array(S * S).keys()].filter((k) => !written.has(k));
      expect(untouched.filter((k) => got[k] !== initialGram[k])).toEqual([]);
      // Later rows overwrite the shared entries of earlier ones, so compare every entry with the reference too.
      expect(untouched.every((k) => gram[k] === initialGram[k])).toBe(true);
      plan.dispose();
      ctx.pool.releaseOwner('test');
    });
  }
});

describe('snapshot launch checks', () => {
  it('name the op, the tensor and what was expected', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'snapshot-validation', 'test');
    const snapshots = upload(ctx, 'snapshots', new Float32Array(12));
    const slotLoss = upload(ctx, 'slotLoss', new Float32Array(6));
    const params = upload(ctx, 'params', new Float32Array(4));
    const accumulator = upload(ctx, 'accumulator', new Float32Array(2));
    const metrics = upload(ctx, 'metrics', new Float32Array(3));
    const slot = upload(ctx, 'slot', [0], [1], 'u32');
    const floatSlot = upload(ctx, 'floatSlot', [0]);
    const gram = upload(ctx, 'gram', new Float32Array(16));
    expect(() => gpu.snapshotCopy(plan, snapshots, slotLoss, params, accumulator, slot, 4, 4)).toThrow(
      'snapshotCopy: snapshots "snapshots" has 12 elements, expected 16 (capacity*P = 4*4)',
    );
    expect(() => gpu.snapshotCopy(plan, snapshots, slotLoss, params, accumulator, floatSlot, 4, 3)).toThrow(
      'snapshotCopy: slotIndex "floatSlot" has dtype f32, expected u32',
    );
    expect(() => gpu.snapshotCopy(plan, snapshots, slotLoss, params, accumulator, slot, 2 ** 29, 4)).toThrow(
      'snapshotCopy: capacity*P = 4*536870912 = 2147483648 snapshot elements, must be below 2^31',
    );
    expect(() => gpu.snapshotCopy(plan, snapshots, slotLoss, params, params, slot, 4, 3)).toThrow('snapshotCopy: lossAccumulator "params" has 4 elements');
    expect(() => gpu.snapshotCopy(plan, snapshots, slotLoss, snapshots, accumulator, slot, 12, 1)).toThrow(
      'snapshotCopy: slotLoss "slotLoss" has 6 elements, expected 2 (2*capacity = 2*1)',
    );
    expect(() => gpu.accumulateLoss(plan, metrics, metrics)).toThrow(
      'accumulateLoss: lossAccumulator "metrics" has 3 elements, expected 2 (loss sum and steps)',
    );
    const metricsHead = { ...metrics, size: 2, shape: [2], label: 'metricsHead' };
    expect(() => gpu.accumulateLoss(plan, metricsHead, metrics)).toThrow(
      'accumulateLoss: lossAccumulator "metricsHead" and metrics "metrics" share a GPU buffer',
    );
    expect(() => gpu.accumulateLoss(plan, accumulator, slotLoss)).toThrow(
      'accumulateLoss: metrics "slotLoss" has 6 elements, expected 3 (loss sum, correct, rows)',
    );
    expect(() => gpu.gramUpdate(plan, gram, snapshots, params, params, slot, 4, 3, 2, 4)).toThrow(
      'gramUpdate: first + capacity = 2 + 3 = 5 must be at most S = 4',
    );
    expect(() => gpu.gramUpdate(plan, gram, snapshots, params, params, slot, 4, 3, -1, 4)).toThrow('gramUpdate: first must be an integer ≥ 0, got -1');
    expect(() => gpu.gramUpdate(plan, gram, snapshots, params, params, floatSlot, 4, 3, 1, 4)).toThrow(
      'gramUpdate: rowIndex "floatSlot" has dtype f32, expected u32',
    );
    expect(() => gpu.gramUpdate(plan, snapshots, gram, params, params, slot, 4, 4, 0, 4)).toThrow(
      'gramUpdate: gram "snapshots" has 12 elements, expected 16 (S*S = 4*4)',
    );
    const gramView = { ...gram, size: 12, shape: [12], label: 'gramView' };
    expect(() => gpu.gramUpdate(plan, gram, gramView, params, params, slot, 4, 3, 0, 4)).toThrow(
      'gramUpdate: gram "gram" and snapshots "gramView" share a GPU buffer',
    );
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
