import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { writeTensor } from '../../gpu/transfer';
import { createRng, randomArray, type Rng } from '../../random';
import { asFloat32Values, download, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './plane';
import * as ref from './plane.ref';

// Each output is a float32 sum of terms (capacity products for combineRows, three for perturb,
// P for projectRows), and its rounding error is bounded by a multiple of eps·Σ|terms| (eps =
// 2^-24 ≈ 6e-8). Errors are therefore measured relative to that sum of magnitudes, which stays
// meaningful where the terms cancel. The worst measured on SwiftShader over the cases below,
// each tolerance about 3x above it:
//   combineRows 1.1e-7 (P = 70 000, capacity 3: the difference, the product and the additions
//     each round once);
//   perturb 1.6e-7 (the 2-D grid case: two products and two additions);
//   projectRows 1.7e-7 (P = 4.5 M: each lane sums ~17 600 terms, then an 8-level tree).
// A kernel that expanded (s − c)·d into s·d − c·d would lose about eps·|c|/|s − c| ≈ 1e3·eps of
// the scale to cancellation here (rows lie within 1e-3 of the centre) and fail these bounds.
const COMBINE_TOLERANCE = 5e-7;
const PERTURB_TOLERANCE = 5e-7;
const PROJECT_TOLERANCE = 5e-7;

/** Snapshot rows close to a centre, as a training run's are: centre in [−1, 1], each row within 1e-3 of it. */
function rowsNear(rng: Rng, center: Float64Array, rows: number): Float64Array {
  const P = center.length;
  const out = new Float64Array(rows * P);
  for (let t = 0; t < rows; t++) for (let i = 0; i < P; i++) out[t * P + i] = center[i] + rng.uniform(-1e-3, 1e-3);
  return asFloat32Values(out);
}

/** The worst |got − expected| / scale, with its index; a NaN counts as infinitely bad. */
function worstRelative(got: ArrayLike<number>, expected: ArrayLike<number>, scale: ArrayLike<number>): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let k = 0; k < expected.length; k++) {
    const error = Math.abs(got[k] - expected[k]) / (scale[k] || 1);
    if (!(error <= worst)) {
      worst = Number.isNaN(error) ? Infinity : error;
      at = k;
    }
  }
  return { worst, at };
}

function expectWithin(label: string, got: Float32Array, expected: Float64Array, scale: Float64Array, tolerance: number): void {
  const { worst, at } = worstRelative(got, expected, scale);
  expect(worst, `${label}: [${at}] got ${got[at]}, expected ${expected[at]} (|terms| ${scale[at]})`).toBeLessThanOrEqual(tolerance);
}

// P = 1, below and just over one workgroup of 256, a mid-size model, and sizes that need the
// 2-D grid (elementwise kernels) or a long reduction (GPT's ~4.5 M); capacity 1, 2 and 3.
const BIG_ELEMENTWISE = 256 * 65535 + 7;

describe('combineRows on the GPU', () => {
  const cases = [
    { P: 1, capacity: 1 },
    { P: 1, capacity: 3 },
    { P: 255, capacity: 3 },
    { P: 257, capacity: 1 },
    { P: 70_000, capacity: 3 },
    { P: BIG_ELEMENTWISE, capacity: 1 },
  ];
  for (const { P, capacity } of cases) {
    it(`overwrites and adds Σ_t c_t·(s_t − origin), P=${P} capacity=${capacity}`, async () => {
      const ctx = await testContext();
      const rng = createRng(P + 7 * capacity);
      const origin = asFloat32Values(randomArray(rng, P));
      const snapshots = rowsNear(rng, origin, capacity);
      const coefficients = asFloat32Values(randomArray(rng, capacity, -3, 3));
      // With capacity 3 the middle slot is empty: coefficient 0 and NaN contents, never read.
      if (capacity === 3) {
        coefficients[1] = 0;
        snapshots.fill(NaN, P, 2 * P);
      }
      const previous = asFloat32Values(randomArray(rng, P, 1e-3, 2e-3));
      const tSnapshots = upload(ctx, 'snapshots', snapshots);
      const tOrigin = upload(ctx, 'origin', origin);
      const tCoefficients = upload(ctx, 'coefficients', coefficients);
      const tOut = upload(ctx, 'out', new Float32Array(P).fill(123));
      const tAccumulated = upload(ctx, 'accumulated', previous);
      const plan = new ComputePlan(ctx, 'combine', 'test');
      gpu.combineRows(plan, tOut, tSnapshots, tOrigin, tCoefficients, P, capacity, { accumulate: false });
      gpu.combineRows(plan, tAccumulated, tSnapshots, tOrigin, tCoefficients, P, capacity, { accumulate: true });
      await plan.compile();
      plan.run();

      const out = new Float64Array(P);
      ref.combineRows(out, snapshots, origin, coefficients, P, capacity, { accumulate: false });
      const accumulated = previous.slice();
      ref.combineRows(accumulated, snapshots, origin, coefficients, P, capacity, { accumulate: true });
      const scale = new Float64Array(P);
      for (let t = 0; t < capacity; t++) {
        if (coefficients[t] !== 0) for (let i = 0; i < P; i++) scale[i] += Math.abs(coefficients[t] * (snapshots[t * P + i] - origin[i]));
      }
      expectWithin(`combineRows P=${P} capacity=${capacity}`, await download(ctx, tOut), out, scale, COMBINE_TOLERANCE);
      const accumulatedScale = scale.map((value, i) => value + Math.abs(previous[i]));
      expectWithin(`combineRows accumulated P=${P} capacity=${capacity}`, await download(ctx, tAccumulated), accumulated, accumulatedScale, COMBINE_TOLERANCE);
      // Accumulating must add: the two results differ by the previous contents (≥ 1e-3), far beyond the tolerance.
      expect(accumulated.subarray(0, 1000).every((value, i) => Math.abs(value - out[i]) >= 0.9e-3)).toBe(true);
      plan.dispose();
      ctx.pool.releaseOwner('test');
    });
  }
});

describe('perturb on the GPU', () => {
  const cases = [
    { P: 1, capacity: 1 },
    { P: 1, capacity: 3 },
    { P: 255, capacity: 3 },
    { P: 257, capacity: 1 },
    { P: 70_000, capacity: 3 },
    { P: BIG_ELEMENTWISE, capacity: 1 },
  ];
  for (const { P, capacity } of cases) {
    it(`moves the chosen slot along both directions, slot and coordinates changed between submits, P=${P} capacity=${capacity}`, async () => {
      const ctx = await testContext();
      const rng = createRng(2 * P + capacity);
      const base = asFloat32Values(randomArray(rng, capacity * P));
      const dirX = asFloat32Values(randomArray(rng, P, -0.1, 0.1));
      const dirY = asFloat32Values(randomArray(rng, P, -0.1, 0.1));
      const tOut = upload(ctx, 'out', new Float32Array(P).fill(123));
      const tBase = upload(ctx, 'base', base);
      const tSlot = upload(ctx, 'slotIndex', [0], [1], 'u32');
      const tDirX = upload(ctx, 'dirX', dirX);
      const tDirY = upload(ctx, 'dirY', dirY);
      const tCoords = upload(ctx, 'coords', [0, 0]);
      const plan = new ComputePlan(ctx, 'perturb', 'test');
      gpu.perturb(plan, tOut, tBase, tSlot, tDirX, tDirY, tCoords, P, capacity);
      await plan.compile();

      const out = new Float64Array(P).fill(123);
      let previous: Float32Array = new Float32Array(0);
      // The last slot, then the first, then one past the capacity, which must leave out as it was.
      for (const [slot, coords] of [
        [capacity - 1, [0.75, -2.5]],
        [0, [-1.3, 0.4]],
        [capacity, [5, 5]],
      ] as const) {
        const alphaBeta = asFloat32Values(Float64Array.from(coords));
        writeTensor(ctx, tSlot, [slot]);
        writeTensor(ctx, tCoords, alphaBeta);
        plan.run();
        ref.perturb(out, base, slot, dirX, dirY, alphaBeta, P, capacity);
        if (slot >= capacity) {
          expect((await download(ctx, tOut)).every((value, i) => value === previous[i])).toBe(true);
          continue;
        }
        const scale = Float64Array.from(
          { length: P },
          (_, i) => Math.abs(base[slot * P + i]) + Math.abs(alphaBeta[0] * dirX[i]) + Math.abs(alphaBeta[1] * dirY[i]),
        );
        previous = await download(ctx, tOut);
        expectWithin(`perturb P=${P} capacity=${capacity} slot=${slot}`, previous, out, scale, PERTURB_TOLERANCE);
      }
      plan.dispose();
      ctx.pool.releaseOwner('test');
    });
  }
});

describe('projectRows on the GPU', () => {
  const cases = [
    { P: 1, capacity: 1 },
    { P: 1, capacity: 3 },
    { P: 255, capacity: 3 },
    { P: 257, capacity: 1 },
    { P: 70_000, capacity: 3 },
    { P: 4_500_001, capacity: 2 },
  ];
  for (const { P, capacity } of cases) {
    it(`gives each row's two dot products and squared distance from the centre, P=${P} capacity=${capacity}`, async () => {
      const ctx = await testContext();
      const rng = createRng(5 * P + capacity);
      const center = asFloat32Values(randomArray(rng, P));
      const snapshots = rowsNear(rng, center, capacity);
      const dirX = asFloat32Values(randomArray(rng, P));
      // dirY mostly along the rows' own drift from the centre, so one coordinate sums mostly positive terms.
      const dirY = asFloat32Values(Float64Array.from({ length: P }, (_, i) => (snapshots[i] - center[i]) * 1e3 + rng.uniform(-0.1, 0.1)));
      const tOut = upload(ctx, 'out', new Float32Array(3 * capacity).fill(123));
      await (async () => {
        const plan = new ComputePlan(ctx, 'project', 'test');
        gpu.projectRows(
          plan,
          tOut,
          upload(ctx, 'snapshots', snapshots),
          upload(ctx, 'center', center),
          upload(ctx, 'dirX', dirX),
          upload(ctx, 'dirY', dirY),
          P,
          capacity,
        );
        await plan.compile();
        plan.run();
        plan.dispose();
      })();
      const out = new Float64Array(3 * capacity);
      ref.projectRows(out, snapshots, center, dirX, dirY, P, capacity);
      const scale = new Float64Array(3 * capacity);
      for (let t = 0; t < capacity; t++) {
        for (let i = 0; i < P; i++) {
          const d = snapshots[t * P + i] - center[i];
          scale[3 * t] += Math.abs(d * dirX[i]);
          scale[3 * t + 1] += Math.abs(d * dirY[i]);
          scale[3 * t + 2] += d * d;
        }
      }
      expectWithin(`projectRows P=${P} capacity=${capacity}`, await download(ctx, tOut), out, scale, PROJECT_TOLERANCE);
      ctx.pool.releaseOwner('test');
    });
  }
});

describe('plane launch checks', () => {
  it('name the op, the tensor and what was expected', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'plane-validation', 'test');
    const snapshots = upload(ctx, 'snapshots', new Float32Array(12));
    const vector = upload(ctx, 'vector', new Float32Array(4));
    const other = upload(ctx, 'other', new Float32Array(4));
    const coefficients = upload(ctx, 'coefficients', new Float32Array(3));
    const coords = upload(ctx, 'coords', new Float32Array(2));
    const slot = upload(ctx, 'slot', [0], [1], 'u32');
    const floatSlot = upload(ctx, 'floatSlot', [0]);
    const out = upload(ctx, 'out', new Float32Array(9));
    const overwrite = { accumulate: false };
    expect(() => gpu.combineRows(plan, vector, snapshots, other, coords, 4, 3, overwrite)).toThrow(
      'combineRows: coefficients "coords" has 2 elements, expected 3 (capacity)',
    );
    expect(() => gpu.combineRows(plan, vector, snapshots, vector, coefficients, 4, 3, overwrite)).toThrow(
      'combineRows: out "vector" and origin "vector" share a GPU buffer',
    );
    expect(() => gpu.combineRows(plan, vector, snapshots, other, coefficients, 2 ** 30, 2, overwrite)).toThrow(
      'combineRows: capacity*P = 2*1073741824 = 2147483648 snapshot elements, must be below 2^31',
    );
    expect(() => gpu.perturb(plan, vector, snapshots, floatSlot, other, other, coords, 4, 3)).toThrow(
      'perturb: slotIndex "floatSlot" has dtype f32, expected u32',
    );
    expect(() => gpu.perturb(plan, vector, snapshots, slot, other, other, coords, 4, 2)).toThrow(
      'perturb: base "snapshots" has 12 elements, expected 8 (capacity*P = 2*4)',
    );
    expect(() => gpu.perturb(plan, vector, snapshots, slot, other, other, slot, 4, 3)).toThrow(
      'perturb: coords "slot" has 1 elements, expected 2 (alpha and beta)',
    );
    expect(() => gpu.projectRows(plan, vector, snapshots, other, other, other, 4, 3)).toThrow(
      'projectRows: out "vector" has 4 elements, expected 9 (3*capacity = 3*3)',
    );
    expect(() => gpu.projectRows(plan, out, snapshots, other, other, out, 4, 3)).toThrow('projectRows: dirY "out" has 9 elements, expected 4 (P)');
    expect(() => gpu.projectRows(plan, out, snapshots, other, other, other, 0, 3)).toThrow('projectRows: P must be a positive integer, got 0');
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
