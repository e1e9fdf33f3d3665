import { describe, expect, it } from 'vitest';
import type { GpuDtype, GpuTensor } from '../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from './launch-checks';

// The checks read only tensor metadata, so stand-in buffer objects are enough in Node.
const flat = { label: 'flat' } as GPUBuffer;
const other = { label: 'other' } as GPUBuffer;
const view = (label: string, buffer: GPUBuffer, offset: number, size: number, dtype: GpuDtype = 'f32'): GpuTensor => ({
  buffer,
  offset,
  shape: [size],
  size,
  dtype,
  label,
});

describe('launch checks', () => {
  it('expectPositiveIntegers names the first bad count', () => {
    expect(() => expectPositiveIntegers('op', { B: 2, C: 3 })).not.toThrow();
    expect(() => expectPositiveIntegers('op', { B: 2, C: 0 })).toThrow('op: C must be a positive integer, got 0');
    expect(() => expectPositiveIntegers('op', { B: 1.5 })).toThrow('op: B must be a positive integer, got 1.5');
  });

  it('expectSizes reports the role, label, expected and actual size, and skips null tensors', () => {
    const x = view('x', other, 0, 6);
    expect(() => expectSizes('op', { x, y: null }, 6, 'N*C = 2*3')).not.toThrow();
    expect(() => expectSizes('op', { x }, 8, 'N*C = 2*4')).toThrow('op: x "x" has 6 elements, expected 8 (N*C = 2*4)');
    expect(() => expectSizes('op', { x }, 2)).toThrow(/op: x "x" has 6 elements, expected 2$/);
  });

  it('expectDtypes reports the role, label and both dtypes', () => {
    expect(() => expectDtypes('op', { labels: view('l', other, 0, 2, 'u32') }, 'u32')).not.toThrow();
    expect(() => expectDtypes('op', { labels: view('l', other, 0, 2) }, 'u32')).toThrow('op: labels "l" has dtype f32, expected u32');
  });

  it('expectNoAliasing rejects a read and a written tensor in one buffer, even without overlap', () => {
    const weight = view('weight', flat, 0, 4);
    const dWeight = view('dWeight', flat, 256, 4);
    expect(() => expectNoAliasing('op', { dWeight }, { weight })).toThrow('op: dWeight "dWeight" and weight "weight" share a GPU buffer');
    expect(() => expectNoAliasing('op', { dWeight, dBias: null }, { weight: null, dOut: view('dOut', other, 0, 4) })).not.toThrow();
  });

  it('expectNoAliasing lets written views share a buffer but not overlap', () => {
    const dGamma = view('dGamma', flat, 0, 4);
    const dBeta = view('dBeta', flat, 16, 4);
    expect(() => expectNoAliasing('op', { dGamma, dBeta }, {})).not.toThrow();
    const straddling = view('straddling', flat, 12, 2);
    expect(() => expectNoAliasing('op', { dGamma, straddling }, {}, 'try this')).toThrow(
      'op: dGamma "dGamma" and straddling "straddling" overlap, so a dispatch would write the same elements twice; try this',
    );
  });
});
