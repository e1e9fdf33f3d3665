import { describe, expect, it } from 'vitest';
import { ACCUMULATE_ALL, OVERWRITE_ALL } from '../backward-options';
import type { GpuContext } from '../../gpu/context';
import { ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { writeTensor } from '../../gpu/transfer';
import { createRng, randomArray } from '../../random';
import { compareArrays } from '../../testing/compare';
import { asFloat32Values, download, runPlan, testContext, upload } from '../../testing/gpu-test';
import * as gpu from './embedding';
import * as ref from './embedding.ref';

// The forward is one float32 add: atol 1e-6, rtol 1e-6. The gradients sum at most B*T = 21
// values in [-1, 1] onto an existing value: atol 1e-5, rtol 1e-5.
const FORWARD_TOLERANCE = { atol: 1e-6, rtol: 1e-6 };
const GRAD_TOLERANCE = { atol: 1e-5, rtol: 1e-5 };
/** What the index tensors hold before the first upload, so a read of a stale entry shows. */
const GARBAGE_U32 = 0x7777;

/** Tokens from about a third of the vocabulary, skewed towards a few ids: many repeats, many absent ids. */
function repetitiveTokens(seed: number, count: number, V: number): Uint32Array {
  const rng = createRng(seed);
  const pool = Array.from({ length: Math.max(1, Math.ceil(V / 3)) }, () => rng.int(V));
  return Uint32Array.from({ length: count }, () => pool[Math.floor(rng.next() ** 2 * pool.length)]);
}

/** One id at the first position and V - 1 everywhere else: U <= 2 with the longest possible run. */
function nearlyConstantTokens(count: number, V: number): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => (i === 0 ? 0 : V - 1));
}

function garbageIndexTensors(ctx: GpuContext, positions: number): gpu.EmbeddingIndexTensors {
  const garbage = (label: string, size: number) => upload(ctx, label, new Uint32Array(size).fill(GARBAGE_U32), [size], 'u32');
  return {
    uniqueTokens: garbage('uniqueTokens', positions),
    offsets: garbage('offsets', positions + 1),
    positions: garbage('positions', positions),
    count: garbage('count', 1),
  };
}

// [B, T, C, V, Tmax]: batch 1, T = 1, T = Tmax and T < Tmax, C = 3, 16 and 33 (not multiples of
// anything), vocabularies from 5 to 50, and B*T*C from 3 to 693 (several workgroups of 256).
const cases = [
  [1, 1, 3, 5, 1],
  [1, 5, 16, 7, 8],
  [2, 7, 33, 50, 7],
  [3, 5, 3, 5, 9],
  [3, 7, 16, 12, 12],
  [2, 1, 33, 6, 4],
  [3, 7, 33, 50, 10],
  [2, 5, 16, 23, 5],
] as const;

describe('embedding on the GPU', () => {
  for (const [B, T, C, V, Tmax] of cases) {
    it(`forward and backward match the reference over two batches, B=${B} T=${T} C=${C} V=${V} Tmax=${Tmax}`, async () => {
      const ctx = await testContext();
      const rng = createRng(B * 1000 + T * 100 + C + V);
      const positions = B * T;
      const wte = asFloat32Values(randomArray(rng, V * C));
      const wpe = asFloat32Values(randomArray(rng, Tmax * C));
      const dOut = asFloat32Values(randomArray(rng, positions * C));
      const previousWte = asFloat32Values(randomArray(rng, V * C));
      const previousWpe = asFloat32Values(randomArray(rng, Tmax * C));
      // Rows t < T of the overwritten dWpe start as garbage; rows t >= T must keep their values.
      const initialWpe = previousWpe.map((value, i) => (i < T * C ? 123 : value));

      const tTokens = upload(ctx, 'tokens', new Uint32Array(positions), [B, T], 'u32');
      const tWte = upload(ctx, 'wte', wte, [V, C]);
      const tWpe = upload(ctx, 'wpe', wpe, [Tmax, C]);
      const tOut = upload(ctx, 'out', new Float32Array(positions * C).fill(123), [B, T, C]);
      const tDOut = upload(ctx, 'dOut', dOut, [B, T, C]);
      const tDWte = upload(ctx, 'dWte', previousWte, [V, C]);
      const tDWpe = upload(ctx, 'dWpe', initialWpe, [Tmax, C]);
      const tDWteAcc = upload(ctx, 'dWte accumulated', previousWte, [V, C]);
      const tDWpeAcc = upload(ctx, 'dWpe accumulated', previousWpe, [Tmax, C]);
      const tIndex = garbageIndexTensors(ctx, positions);
      const index = gpu.createEmbeddingIndex(positions, V);

      // Float64 state the GPU tensors should match after each batch.
      const expectedWte = previousWte.slice();
      const expectedWteAcc = previousWte.slice();
      const expectedWpeAcc = previousWpe.slice();

      let plan: ComputePlan | null = null;
      const batches = [repetitiveTokens(V * T + C, positions, V), nearlyConstantTokens(positions, V)];
      for (const [batch, tokens] of batches.entries()) {
        writeTensor(ctx, tTokens, tokens);
        const U = gpu.embeddingBackwardIndex(tokens, index);
        expect(U).toBe(new Set(tokens).size);
        gpu.uploadEmbeddingIndex(ctx, tIndex, index);
        if (plan === null) {
          // Built once: the second batch, with another U, runs the same plan with the same uniforms.
          plan = await runPlan(ctx, 'embedding', (p) => {
            gpu.embeddingForward(p, tOut, tTokens, tWte, tWpe, B, T, C, V, Tmax);
            // dWte accumulates even without accumulateParams; dWpe is overwritten.
            gpu.embeddingBackward(p, tDWte, tDWpe, tDOut, tIndex, B, T, C, V, Tmax, OVERWRITE_ALL);
            gpu.embeddingBackward(p, tDWteAcc, tDWpeAcc, tDOut, tIndex, B, T, C, V, Tmax, { accumulateParams: true });
          });
        } else {
          plan.run();
          await ctx.device.queue.onSubmittedWorkDone();
        }

        const out = new Float64Array(positions * C);
        ref.embeddingForward(out, tokens, wte, wpe, B, T, C, V, Tmax);
        ref.embeddingBackward(expectedWte, null, dOut, tokens, B, T, C, V, Tmax, ACCUMULATE_ALL);
        const expectedWpe = initialWpe.map((value, i) => (i < T * C ? 0 : value));
        ref.embeddingBackward(null, expectedWpe, dOut, tokens, B, T, C, V, Tmax, OVERWRITE_ALL);
        ref.embeddingBackward(expectedWteAcc, expectedWpeAcc, dOut, tokens, B, T, C, V, Tmax, ACCUMULATE_ALL);

        const checks: [string, GpuTensor, Float64Array, typeof GRAD_TOLERANCE][] = [
          ['out', tOut, out, FORWARD_TOLERANCE],
          ['dWte (always accumulated)', tDWte, expectedWte, GRAD_TOLERANCE],
          ['dWpe overwritten', tDWpe, expectedWpe, GRAD_TOLERANCE],
          ['dWte accumulated', tDWteAcc, expectedWteAcc, GRAD_TOLERANCE],
          ['dWpe accumulated', tDWpeAcc, expectedWpeAcc, GRAD_TOLERANCE],
        ];
        for (const [name, tensor, expected, tolerance] of checks) {
          const result = compareArrays(await download(ctx, tensor), expected, tolerance, `batch ${batch} (U=${U}) ${name}`);
          expect(result.ok, result.report).toBe(true);
        }
      }
      ctx.pool.releaseOwner('test');
    });
  }

  it('leaves the rows of absent tokens bit for bit untouched', async () => {
    const ctx = await testContext();
    const [B, T, C, V] = [2, 3, 5, 9];
    const tokens = Uint32Array.of(4, 1, 4, 4, 7, 1);
    const previous = asFloat32Values(randomArray(createRng(9), V * C));
    const tDOut = upload(ctx, 'dOut', asFloat32Values(randomArray(createRng(10), B * T * C)), [B, T, C]);
    const tDWte = upload(ctx, 'dWte', previous, [V, C]);
    const tIndex = garbageIndexTensors(ctx, B * T);
    const index = gpu.createEmbeddingIndex(B * T, V);
    gpu.embeddingBackwardIndex(tokens, index);
    gpu.uploadEmbeddingIndex(ctx, tIndex, index);
    const plan = await runPlan(ctx, 'embedding-absent', (p) => gpu.embeddingBackward(p, tDWte, null, tDOut, tIndex, B, T, C, V, T, OVERWRITE_ALL));
    expect(plan.dispatchCount).toBe(1);
    const got = await download(ctx, tDWte);
    const previous32 = Float32Array.from(previous);
    for (let v = 0; v < V; v++) {
      const row = Array.from(got.subarray(v * C, (v + 1) * C));
      const before = Array.from(previous32.subarray(v * C, (v + 1) * C));
      if (tokens.includes(v)) expect(row, `row ${v} is in the batch`).not.toEqual(before);
      else expect(row, `row ${v} is absent from the batch`).toEqual(before);
    }
    ctx.pool.releaseOwner('test');
  });

  it('rejects mismatched sizes, dtypes, T above Tmax and aliasing, and skips null gradients', async () => {
    const ctx = await testContext();
    const [B, T, C, V, Tmax] = [2, 3, 4, 5, 3];
    const plan = new ComputePlan(ctx, 'embedding-validation', 'test');
    const tokens = upload(ctx, 'tokens', new Uint32Array(B * T), [B, T], 'u32');
    const floatTokens = upload(ctx, 'floatTokens', new Float32Array(B * T), [B, T]);
    const wte = upload(ctx, 'wte', new Float32Array(V * C), [V, C]);
    const wpe = upload(ctx, 'wpe', new Float32Array(Tmax * C), [Tmax, C]);
    const out = upload(ctx, 'out', new Float32Array(B * T * C), [B, T, C]);
    const shortOut = upload(ctx, 'shortOut', new Float32Array(B * T * C - 1));
    const dWte = upload(ctx, 'dWte', new Float32Array(V * C), [V, C]);
    const dWpe = upload(ctx, 'dWpe', new Float32Array(Tmax * C), [Tmax, C]);
    const index = garbageIndexTensors(ctx, B * T);
    const shortOffsets = { ...index, offsets: upload(ctx, 'shortOffsets', new Uint32Array(B * T), [B * T], 'u32') };
    expect(() => gpu.embeddingForward(plan, shortOut, tokens, wte, wpe, B, T, C, V, Tmax)).toThrow(
      'embeddingForward: out "shortOut" has 23 elements, expected 24 (B*T*C = 2*3*4)',
    );
    expect(() => gpu.embeddingForward(plan, out, tokens, wpe, wpe, B, T, C, V, Tmax)).toThrow(
      'embeddingForward: wte "wpe" has 12 elements, expected 20 (V*C = 5*4)',
    );
    expect(() => gpu.embeddingForward(plan, out, floatTokens, wte, wpe, B, T, C, V, Tmax)).toThrow(
      'embeddingForward: tokens "floatTokens" has dtype f32, expected u32',
    );
    expect(() => gpu.embeddingForward(plan, out, tokens, wte, wpe, 1, 6, C, V, Tmax)).toThrow('embeddingForward: T = 6 exceeds Tmax = 3');
    expect(() => gpu.embeddingBackward(plan, dWte, dWpe, out, shortOffsets, B, T, C, V, Tmax, OVERWRITE_ALL)).toThrow(
      'embeddingBackward: offsets "shortOffsets" has 6 elements, expected 7 (B*T + 1 = 2*3 + 1)',
    );
    // With V = B*T, dOut itself has the size of a dWte.
    expect(() => gpu.embeddingBackward(plan, out, dWpe, out, index, B, T, C, B * T, Tmax, OVERWRITE_ALL)).toThrow(
      'embeddingBackward: dWte "out" and dOut "out" share a GPU buffer',
    );
    expect(plan.dispatchCount).toBe(0);
    expect(() => gpu.embeddingBackward(plan, dWte, dWpe, out, index, B, T, C, V, Tmax, { accumulateParams: true })).not.toThrow();
    expect(plan.dispatchCount).toBe(2);
    gpu.embeddingBackward(plan, null, dWpe, out, index, B, T, C, V, Tmax, OVERWRITE_ALL);
    expect(plan.dispatchCount).toBe(3);
    gpu.embeddingBackward(plan, null, null, out, index, B, T, C, V, Tmax, OVERWRITE_ALL);
    expect(plan.dispatchCount).toBe(3);
    ctx.pool.releaseOwner('test');
  });
});
