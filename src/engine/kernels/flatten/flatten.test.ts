import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { checkGradient, weightedSum } from '../../testing/finite-difference';
import type { GpuTensor } from '../../gpu/tensor';
import * as gpu from './flatten';
import { flattenBackward, flattenForward } from './flatten.ref';

describe('flatten reference', () => {
  it('keeps the NCHW order: out[b, (c*H + h)*W + w] = inp[b, c, h, w]', () => {
    // B=2, C=2, H=1, W=2: inp[b][c][0][w] = 1000b + 100c + w.
    const inp = Float64Array.of(0, 1, 100, 101, 1000, 1001, 1100, 1101);
    const out = new Float64Array(8);
    flattenForward(out, inp, 2, 2, 1, 2);
    expect(Array.from(out)).toEqual([0, 1, 100, 101, 1000, 1001, 1100, 1101]);
  });

  for (const [B, C, H, W] of [
    [1, 1, 1, 1],
    [2, 3, 2, 5],
    [3, 1, 4, 2],
  ] as const) {
    it(`backward matches central finite differences, B=${B} C=${C} H=${H} W=${W}`, () => {
      const n = B * C * H * W;
      const rng = createRng(n);
      const inp = randomArray(rng, n);
      const dOut = randomArray(rng, n);
      const dInp = new Float64Array(n);
      flattenBackward(dInp, dOut, B, C, H, W);
      const out = new Float64Array(n);
      const loss = () => (flattenForward(out, inp, B, C, H, W), weightedSum(out, dOut));
      const result = checkGradient('dInp', dInp, loss, inp);
      expect(result.ok, result.report).toBe(true);
    });
  }

  it('backward accumulates into existing gradients', () => {
    const dInp = Float64Array.of(1, 2);
    flattenBackward(dInp, Float64Array.of(3, 4), 1, 2, 1, 1);
    expect(Array.from(dInp)).toEqual([4, 6]);
  });
});

describe('flatten GPU views', () => {
  // Reshaping touches only metadata, so a stand-in buffer object is enough in Node.
  const buffer = { label: 'activations' } as GPUBuffer;
  const view: GpuTensor = { buffer, offset: 256, shape: [2, 3, 4, 5], size: 120, dtype: 'f32', label: 'conv out' };

  it('forward and backward view the same memory with the other shape', () => {
    const flat = gpu.flattenForward(view, 2, 3, 4, 5);
    expect(flat).toEqual({ ...view, shape: [2, 60], size: 120 });
    expect(flat.buffer).toBe(buffer);
    const back = gpu.flattenBackward(flat, 2, 3, 4, 5);
    expect(back).toEqual({ ...view, shape: [2, 3, 4, 5] });
  });

  it('rejects a tensor whose size does not match the shape', () => {
    expect(() => gpu.flattenForward(view, 2, 3, 4, 4)).toThrow(/flattenForward: inp "conv out" has 120 elements, expected 96/);
    expect(() => gpu.flattenBackward({ ...view, shape: [2, 61], size: 122 }, 2, 3, 4, 5)).toThrow(
      /flattenBackward: dOut "conv out" has 122 elements, expected 120/,
    );
  });
});
