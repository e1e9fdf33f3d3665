import { describe, expect, it } from 'vitest';
import { cnnSmall } from '../nn/presets';
import { inferShapes } from '../nn/shapes';
import { kfacLayers } from './kfac-factors.ref';
import { choleskySideA, kfacBanks } from './kfac-layout';

const graph = cnnSmall();
const layers = kfacLayers(graph, inferShapes(graph, 32), 32, 32);

describe('kfacBanks', () => {
  it("packs cnn-small's factors in one bank with the default limit: A or K, then B, per layer, and fc's A⁻¹ after the Cholesky outputs", () => {
    const [bank, ...rest] = kfacBanks(layers, 128 * 2 ** 20, 256);
    expect(rest).toEqual([]);
    expect(bank.layers).toEqual([0, 1, 2]);
    expect(bank.factors.entries.map((entry) => entry.n)).toEqual([27, 16, 144, 32, 32, 10]);
    expect(layers.map(choleskySideA)).toEqual([27, 144, 32]);
    const woodbury = bank.woodburyOffsets.get(2)!;
    expect(woodbury).toBeGreaterThanOrEqual(bank.factors.totalElements);
    expect(woodbury % 64).toBe(0);
    expect(bank.inverseElements).toBe(woodbury + 2048 * 2048);
  });

  it('starts a new bank when the next layer would not fit one binding', () => {
    // fc alone needs K (32², 1024 values), B (10², 100 padded to 128) and A⁻¹ (2048²): exactly
    // this limit, so conv1's and conv2's 100 KB go into a bank of their own.
    const limit = (1024 + 128 + 2048 * 2048) * 4;
    const banks = kfacBanks(layers, limit, 256);
    expect(banks.map((bank) => bank.layers)).toEqual([[0, 1], [2]]);
    for (const bank of banks) expect(bank.inverseElements * 4).toBeLessThanOrEqual(limit);
  });

  it('refuses a factor larger than the limit, naming the layer, the size and the limit', () => {
    expect(() => kfacBanks(layers, 16 * 2 ** 20 - 4, 256)).toThrow(
      "K-FAC: layer fc's factor A is 2048x2048 (16,777,216 bytes), larger than this device's maxStorageBufferBindingSize of 16,777,212 bytes",
    );
    // Each factor fits, but not with the other matrices the layer needs in the same binding.
    expect(() => kfacBanks(layers, 16 * 2 ** 20, 256)).toThrow(
      "K-FAC: layer fc's factors and inverses together take 16,781,824 bytes, more than this device's maxStorageBufferBindingSize of 16,777,216 bytes, which must hold them in one binding",
    );
  });
});
