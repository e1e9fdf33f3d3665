import { describe, expect, it } from 'vitest';
import { packStatusTable, STATUS_CHUNK } from './kfac-status-layout';
import { kfacStatus } from './kfac-status.ref';

describe('kfacStatus (float64 reference)', () => {
  it('names the first non-finite matrix in table order with its step, once', () => {
    const values = [1, 2, 3, NaN, 5, Infinity, 7];
    const entries = [
      { offset: 0, count: 3 },
      { offset: 4, count: 2 },
      { offset: 3, count: 1 },
    ];
    const status = new Uint32Array(2);
    expect([...kfacStatus(status, [1, 2, 3, 4, 5, 6, 7], entries, 4)]).toEqual([0, 0]);
    expect([...kfacStatus(status, values, entries, 9)]).toEqual([2, 10]);
    // Kept: a later step does not overwrite it.
    expect([...kfacStatus(status, [NaN, 0, 0, 0, 0, 0, 0], entries, 19)]).toEqual([2, 10]);
  });

  it('gives each matrix whole chunks of the first pass', () => {
    const { words, chunks } = packStatusTable([
      { offset: 0, count: 1 },
      { offset: 64, count: STATUS_CHUNK + 1 },
      { offset: 9000, count: STATUS_CHUNK },
    ]);
    expect(chunks).toBe(4);
    expect([...words]).toEqual([0, 1, 0, 0, 64, STATUS_CHUNK + 1, 1, 0, 9000, STATUS_CHUNK, 3, 0]);
    expect(() => packStatusTable([{ offset: 0, count: 0 }])).toThrow('packStatusTable: matrix 0 has 0 values, expected at least 1');
  });
});
