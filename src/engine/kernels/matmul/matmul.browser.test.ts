import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { BYTES_PER_ELEMENT, tensorView } from '../../gpu/tensor';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './matmul';
import type { MatmulSpec } from './matmul-shape';
import * as ref from './matmul.ref';
import { maxAbs } from '../../testing/max-error';

// Each output sums k products of values in [-1, 1] in float32 (one running sum per invocation).
// Worst |gpu - ref| measured relative to the case's largest output: 5.4e-7 at k = 300 (1.2e-5
// on outputs up to 22), 2.3e-7 at k = 53, 2.1e-7 for the two-product chain.
const RELATIVE_TOLERANCE = 2e-6;

interface MatmulCase {
  readonly name: string;
  readonly spec: MatmulSpec;
}

const plain = { transposeA: false, transposeB: false, alpha: 1, beta: 0 };
const cases: MatmulCase[] = [
  { name: '1x1 by 1x1', spec: { ...plain, m: 1, n: 1, k: 1 } },
  { name: 'odd sizes, A^T', spec: { ...plain, m: 37, n: 29, k: 53, transposeA: true, alpha: 0.7, beta: -1.3, batch: 3 } },
  { name: 'odd sizes, B^T', spec: { ...plain, m: 37, n: 29, k: 53, transposeB: true, alpha: 0.7, beta: -1.3, batch: 3 } },
  { name: 'odd sizes, A^T B^T', spec: { ...plain, m: 5, n: 31, k: 17, transposeA: true, transposeB: true, beta: 1, batch: 2 } },
  { name: 'several tiles, k = 300', spec: { ...plain, m: 70, n: 130, k: 300 } },
  { name: 'wide output (64-wide tiles)', spec: { ...plain, m: 3, n: 600, k: 9, alpha: -1 } },
  // Shampoo along the middle axis of (pre, d, post) = (5, 17, 9): one P for every batch entry.
  { name: 'P (17x17) times each of 5 (17x9) slices', spec: { ...plain, m: 17, n: 9, k: 17, batch: 5, strideA: 0 } },
  // Products 2 apart in a column of matrices with gaps: strides wider than the matrices.
  { name: 'strided with gaps, A repeated', spec: { ...plain, m: 3, n: 4, k: 2, batch: 4, strideA: 0, strideB: 11, strideC: 15, beta: 0.5 } },
];

describe('batched matmul on the GPU', () => {
  for (const { name, spec } of cases) {
    it(`matches the reference: ${name}`, async () => {
      const ctx = await testContext();
      const batch = spec.batch ?? 1;
      const sizeOf = (stride: number | undefined, matrix: number) => (batch - 1) * (stride ?? matrix) + matrix;
      const rng = createRng(spec.m * 1000 + spec.n * 10 + spec.k);
      const a = asFloat32Values(randomArray(rng, sizeOf(spec.strideA, spec.m * spec.k)));
      const b = asFloat32Values(randomArray(rng, sizeOf(spec.strideB, spec.k * spec.n)));
      const c0 = asFloat32Values(randomArray(rng, sizeOf(spec.strideC, spec.m * spec.n)));
      // Where beta = 0 the old contents must not be read: NaN would show.
      const tC = upload(ctx, 'c', spec.beta === 0 ? new Float32Array(c0.length).fill(NaN) : c0);
      await runPlan(ctx, 'matmul', (plan) => gpu.batchedMatmul(plan, tC, upload(ctx, 'a', a), upload(ctx, 'b', b), spec));
      const expected = c0.slice();
      ref.batchedMatmul(expected, a, b, spec);
      const got = await download(ctx, tC);
      const result = compareArrays(got, expected, { atol: RELATIVE_TOLERANCE * maxAbs(expected), rtol: 0 }, name);
      console.log(`matmul ${name}: max |gpu - ref| ${result.maxAbsDiff.toExponential(2)}, max |ref| ${maxAbs(expected).toFixed(2)}`);
      expect(result.ok, result.report).toBe(true);
      ctx.pool.releaseOwner('test');
    });
  }

  it("chains K-FAC's B^-1 G A^-1 through views of one buffer, in one plan", async () => {
    const ctx = await testContext();
    const [out, inp] = [13, 41];
    const rng = createRng(99);
    const Binv = asFloat32Values(randomArray(rng, out * out));
    const G = asFloat32Values(randomArray(rng, out * inp));
    const Ainv = asFloat32Values(randomArray(rng, inp * inp));
    // Three matrices at aligned offsets of one buffer, as a matrix table lays them out.
    const align = ctx.storageAlignment / BYTES_PER_ELEMENT;
    const aligned = (start: number) => Math.ceil(start / align) * align;
    const offsets = [0, aligned(out * out)];
    offsets.push(aligned(offsets[1] + out * inp));
    const packed = new Float32Array(offsets[2] + inp * inp);
    packed.set(Binv, offsets[0]);
    packed.set(G, offsets[1]);
    packed.set(Ainv, offsets[2]);
    const whole = upload(ctx, 'factors', packed);
    const view = (index: number, size: number, label: string) => tensorView(whole.buffer, [size], { offset: offsets[index] * BYTES_PER_ELEMENT, label });
    const tTemp = upload(ctx, 'temp', new Float32Array(out * inp));
    const tOut = upload(ctx, 'out', new Float32Array(out * inp));
    await runPlan(ctx, 'kfac-chain', (plan) => {
      gpu.batchedMatmul(plan, tTemp, view(0, out * out, 'Binv'), view(1, out * inp, 'G'), { ...plain, m: out, n: inp, k: out });
      gpu.batchedMatmul(plan, tOut, tTemp, view(2, inp * inp, 'Ainv'), { ...plain, m: out, n: inp, k: inp });
    });
    const temp = new Float64Array(out * inp);
    ref.batchedMatmul(temp, Binv, G, { ...plain, m: out, n: inp, k: out });
    const expected = new Float64Array(out * inp);
    ref.batchedMatmul(expected, temp, Ainv, { ...plain, m: out, n: inp, k: inp });
    const result = compareArrays(await download(ctx, tOut), expected, { atol: RELATIVE_TOLERANCE * maxAbs(expected), rtol: 0 }, 'B^-1 G A^-1');
    console.log(`matmul chain: max |gpu - ref| ${result.maxAbsDiff.toExponential(2)}, max |ref| ${maxAbs(expected).toFixed(2)}`);
    expect(result.ok, result.report).toBe(true);
    ctx.pool.releaseOwner('test');
  });

  it('rejects short operands, overlapping outputs and aliasing', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'matmul-validation', 'test');
    const six = upload(ctx, 'six', new Float32Array(6));
    const four = upload(ctx, 'four', new Float32Array(4));
    const spec = { ...plain, m: 2, n: 2, k: 2 };
    expect(() => gpu.batchedMatmul(plan, four, four, four, { ...spec, batch: 2 })).toThrow(
      /batchedMatmul: a "four" has 4 elements, needs at least 8 \(\(batch-1\)\*stride \+ m\*k = 1\*4 \+ 2\*2\)/,
    );
    expect(() => gpu.batchedMatmul(plan, six, four, four, { ...spec, m: 3 })).toThrow(
      /batchedMatmul: a "four" has 4 elements, needs at least 6 \(m\*k = 3\*2\)/,
    );
    expect(() => gpu.batchedMatmul(plan, six, four, four, { ...spec, batch: 2, strideA: 0, strideB: 0, strideC: 2 })).toThrow(/strideC must be at least m\*n/);
    expect(() => gpu.batchedMatmul(plan, four, four, six, spec)).toThrow(/batchedMatmul: c "four" and a "four" share a GPU buffer/);
    expect(plan.dispatchCount).toBe(0);
    ctx.pool.releaseOwner('test');
  });
});
