// A GPU tensor is a view into a buffer: the flat parameter and gradient buffers hand out
// one view per parameter, activations get a buffer of their own.

export type GpuDtype = 'f32' | 'u32';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  /** Byte offset into `buffer`; a multiple of the device's minStorageBufferOffsetAlignment. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** Number of elements (product of `shape`). */
  readonly size: number;
  readonly dtype: GpuDtype;
  readonly label: string;
}

export const BYTES_PER_ELEMENT = 4;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function tensorView(buffer: GPUBuffer, shape: readonly number[], options: { offset?: number; dtype?: GpuDtype; label?: string } = {}): GpuTensor {
  return {
    buffer,
    offset: options.offset ?? 0,
    shape: [...shape],
    size: elementCount(shape),
    dtype: options.dtype ?? 'f32',
    label: options.label ?? buffer.label,
  };
}

/** The same memory seen with another shape (flatten, or a (B, T, C) tensor as (B*T, C)). */
export function reshape(tensor: GpuTensor, shape: readonly number[], label = tensor.label): GpuTensor {
  const size = elementCount(shape);
  if (size !== tensor.size) {
    throw new Error(`Cannot reshape "${tensor.label}" of shape [${tensor.shape}] to [${shape}]`);
  }
  return { ...tensor, shape: [...shape], size, label };
}

export function bindingOf(tensor: GpuTensor): GPUBufferBinding {
  return { buffer: tensor.buffer, offset: tensor.offset, size: tensor.size * BYTES_PER_ELEMENT };
}
