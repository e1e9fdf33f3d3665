import { describe, expect, it } from 'vitest';
import { ComputePlan } from '../../gpu/compute-plan';
import { readTensor, writeTensor } from '../../gpu/transfer';
import { testContext, upload } from '../../testing/gpu-test';
import { packStatusTable, STATUS_CHUNK, type StatusEntry } from './kfac-status-layout';
import * as gpu from './kfac-status';
import * as ref from './kfac-status.ref';

const asWords = (values: Float32Array) => [...new Uint32Array(values.buffer)];

describe('kfacStatus on the GPU', () => {
  it('finds the first non-finite matrix in table order at the step it appears, keeps it, and clears its flags', async () => {
    const ctx = await testContext();
    // A 1x1 matrix, one spanning three chunks, one of exactly one chunk, and an odd one.
    const entries: StatusEntry[] = [
      { offset: 0, count: 1 },
      { offset: 64, count: 2 * STATUS_CHUNK + 5 },
      { offset: 64 + 2 * STATUS_CHUNK + 64, count: STATUS_CHUNK },
      { offset: 64 + 3 * STATUS_CHUNK + 128, count: 37 },
    ];
    const total = entries.at(-1)!.offset + entries.at(-1)!.count;
    const values = new Float32Array(total).fill(0.5);
    const { words, chunks } = packStatusTable(entries);
    const tValues = upload(ctx, 'values', values);
    const table = upload(ctx, 'table', words, undefined, 'u32');
    const flags = upload(ctx, 'flags', new Uint32Array(entries.length), undefined, 'u32');
    const status = upload(ctx, 'status', [0, 0], undefined, 'u32');
    const step = upload(ctx, 'step', [0], undefined, 'u32');
    const plan = new ComputePlan(ctx, 'kfac-status', 'test');
    gpu.kfacStatus(plan, status, flags, tValues, table, chunks, step, 10);
    await plan.compile();
    const expected = new Uint32Array(2);
    // Each round: poison some values (as float32 bits), run at a step, compare with the reference.
    const rounds: [number, number[], number][] = [
      [3, [], 0],
      [4, [64 + 2 * STATUS_CHUNK + 4], Infinity],
      [5, [64 + 2 * STATUS_CHUNK + 64 + STATUS_CHUNK - 1, 0], NaN],
    ];
    for (const [at, poisoned, value] of rounds) {
      for (const index of poisoned) values[index] = value;
      writeTensor(ctx, tValues, values);
      writeTensor(ctx, step, [at]);
      plan.run();
      ref.kfacStatus(expected, values, entries, at, 10);
      expect(asWords(await readTensor(ctx, status)), `step ${at}`).toEqual([...expected]);
      expect(asWords(await readTensor(ctx, flags)), 'flags cleared').toEqual([0, 0, 0, 0]);
    }
    // Matrix 1 (base 10 + 1 + 1) at step 4 + 1, kept when matrices 0 and 2 turn NaN later.
    expect([...expected]).toEqual([12, 5]);
    plan.dispose();
  });

  it('names the op and the tensor at launch', async () => {
    const ctx = await testContext();
    const plan = new ComputePlan(ctx, 'kfac-status-checks', 'test');
    const values = upload(ctx, 'values', [1]);
    const table = upload(ctx, 'table', [0, 1, 0, 0], undefined, 'u32');
    const flags = upload(ctx, 'flags', [0], undefined, 'u32');
    const status = upload(ctx, 'status', [0, 0], undefined, 'u32');
    const step = upload(ctx, 'step', [0], undefined, 'u32');
    expect(() => gpu.kfacStatus(plan, status, upload(ctx, 'two flags', [0, 0], undefined, 'u32'), values, table, 1, step)).toThrow(
      'kfacStatus: flags "two flags" has 2 elements, expected 1 (one per matrix of the table)',
    );
    expect(() => gpu.kfacStatus(plan, status, flags, values, table, 1, upload(ctx, 'f32 step', [0]))).toThrow(
      'kfacStatus: step "f32 step" has dtype f32, expected u32',
    );
    expect(() => gpu.kfacStatus(plan, status, flags, values, table, 1, step, -1)).toThrow('kfacStatus: base must be a whole number >= 0, got -1');
  });
});
