import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { createRng } from '../../random';
import { download, runPlan, testContext, upload } from '../../testing/gpu-test';
import { choleskyInverse } from '../cholesky/cholesky';
import { spdInverse } from '../cholesky/cholesky.ref';
import { gram } from '../gram/gram';
import { middleAxisPatches } from '../gram/patch-geometry';
import { batchedMatmul } from '../matmul/matmul';
import { matrixTable } from '../matrix-table';
import * as gpu from './kfac-woodbury';
import * as ref from './kfac-woodbury.ref';
import { maxAbs } from '../../testing/max-error';

const relativeError = (got: ArrayLike<number>, expected: ArrayLike<number>) => maxAbs(Array.from(got, (v, i) => v - expected[i])) / maxAbs(expected);

/** Rows of non-negative activations, as a Linear layer after ReLU and pooling sees, rounded to float32. */
function activations(seed: number, rows: number, d: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * d }, () => Math.max(0, rng.normal()));
}

/** (λI + s·XᵀX)⁻¹ in float64 from the float32 rows. */
function exactInverse(x: Float32Array, rows: number, d: number, scale: number, lambda: number): Float64Array {
  const A = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] += scale * x[r * d + i] * x[r * d + j];
  return spdInverse(A, d, lambda);
}

describe('the Woodbury route to A⁻¹ on the GPU', () => {
  it('woodburyFinish matches the reference on an odd size, in place', async () => {
    const ctx = await testContext();
    const d = 7;
    const rng = createRng(2);
    const P = Float32Array.from({ length: d * d }, () => rng.uniform(-1, 1));
    const tP = upload(ctx, 'P', P);
    const ridges = upload(ctx, 'ridges', [5, 0.25, 9]);
    await runPlan(ctx, 'woodbury-finish', (plan) => gpu.woodburyFinish(plan, tP, ridges, d, 0.3, 1));
    const expected = Float64Array.from(P);
    ref.woodburyFinish(expected, [5, 0.25, 9], d, 0.3, 1);
    // One product, one subtraction and one division in float32.
    expect(relativeError(await download(ctx, tP), expected)).toBeLessThan(3e-7);
    const plan = new ComputePlan(ctx, 'woodbury-checks', 'test');
    expect(() => gpu.woodburyFinish(plan, tP, ridges, d, 0.3, 3)).toThrow('woodburyFinish: ridgeIndex 3 is outside ridges "ridges" of 3 elements');
    expect(() => gpu.woodburyFinish(plan, tP, ridges, 6, 0.3, 0)).toThrow('woodburyFinish: inverse "P" has 49 elements, expected 36 (d*d = 6*6)');
  });

  // Both float32 routes against the float64 inverse, on 16 rows of 256 (fc-like: rows < d).
  // Measured max |gpu − exact| / max |exact|: Woodbury 7.7e-8 (λ = 0.1) and 1.0e-7 (λ = 1e-3);
  // Cholesky 2.1e-6 and 1.4e-4. The d x d Cholesky's error grows with the condition number of
  // λI + s·XᵀX (about the largest eigenvalue over λ); the Woodbury route inverts the better
  // conditioned 16 x 16 K and then only adds to I, so it stays at rounding level.
  it.each([
    [1e-1, 5e-7, 1e-5],
    [1e-3, 5e-7, 5e-4],
  ])('agrees with the Cholesky route and with float64 at λ = %f', async (lambda, woodburyTolerance, choleskyTolerance) => {
    const ctx = await testContext();
    const [rows, d] = [16, 256];
    const scale = 1 / rows;
    const x = activations(7, rows, d);
    const tX = upload(ctx, 'X', x);
    const factorTable = matrixTable([d], 4);
    const kernelTable = matrixTable([rows], 4);
    const A = upload(ctx, 'A', new Float32Array(d * d));
    const choleskyOut = upload(ctx, 'A⁻¹ by Cholesky', new Float32Array(d * d));
    const K = upload(ctx, 'K', new Float32Array(rows * rows));
    const kInverse = upload(ctx, 'K⁻¹', new Float32Array(rows * rows));
    const M = upload(ctx, 'K⁻¹X', new Float32Array(rows * d));
    const woodburyOut = upload(ctx, 'A⁻¹ by Woodbury', new Float32Array(d * d));
    const ridge = upload(ctx, 'ridge', [lambda]);
    const tables = [upload(ctx, 'factor table', factorTable.words, undefined, 'u32'), upload(ctx, 'kernel table', kernelTable.words, undefined, 'u32')];
    await runPlan(ctx, 'two routes', (plan) => {
      gram(plan, A, tX, middleAxisPatches(rows, d, 1), { scale, accumulate: false, partials: null });
      choleskyInverse(plan, choleskyOut, A, ridge, tables[0], factorTable);
      batchedMatmul(plan, K, tX, tX, { m: rows, n: rows, k: d, transposeA: false, transposeB: true, alpha: scale, beta: 0 });
      choleskyInverse(plan, kInverse, K, ridge, tables[1], kernelTable);
      batchedMatmul(plan, M, kInverse, tX, { m: rows, n: d, k: rows, transposeA: false, transposeB: false, alpha: 1, beta: 0 });
      batchedMatmul(plan, woodburyOut, tX, M, { m: d, n: d, k: rows, transposeA: true, transposeB: false, alpha: 1, beta: 0 });
      gpu.woodburyFinish(plan, woodburyOut, ridge, d, scale, 0);
    });
    const exact = exactInverse(x, rows, d, scale, Math.fround(lambda));
    const cholesky = await download(ctx, choleskyOut);
    const woodbury = await download(ctx, woodburyOut);
    const errors = { cholesky: relativeError(cholesky, exact), woodbury: relativeError(woodbury, exact), between: relativeError(woodbury, cholesky) };
    console.log(
      `λ = ${lambda}: Cholesky ${errors.cholesky.toExponential(2)}, Woodbury ${errors.woodbury.toExponential(2)}, between ${errors.between.toExponential(2)}`,
    );
    expect(errors.woodbury).toBeLessThan(woodburyTolerance);
    expect(errors.cholesky).toBeLessThan(choleskyTolerance);
    expect(errors.between).toBeLessThan(choleskyTolerance);
  });
});
