// Where K-FAC's factors and inverses live on the GPU. The layers are split into banks, each a
// factor buffer and an inverse buffer small enough to be bound whole (the damping split, the
// batched Cholesky and the non-finite check each read a whole bank in one dispatch). A bank's
// factor buffer holds, per layer, A (or K = s·XXᵀ on the Woodbury route) and B as a matrix
// table; its inverse buffer holds the Cholesky outputs at the same offsets, then the Woodbury
// route's A⁻¹. A factor too large for one binding is refused here, before anything is made.

import { BYTES_PER_ELEMENT } from '../gpu/tensor';
import { matrixTable, type MatrixTable } from '../kernels/matrix-table';
import type { KfacLayer } from './kfac-factors.ref';

export interface KfacBank {
  /** Indices into the layer list, in order. */
  readonly layers: readonly number[];
  /** Matrices 2k (A, or K on the Woodbury route) and 2k + 1 (B) of the bank's k-th layer. */
  readonly factors: MatrixTable;
  /** The Woodbury route's A⁻¹ by layer index: elements from the start of the inverse buffer. */
  readonly woodburyOffsets: ReadonlyMap<number, number>;
  /** Elements of the inverse buffer: the Cholesky outputs (laid out like `factors`), then the Woodbury A⁻¹. */
  readonly inverseElements: number;
}

/** The side of the matrix the Cholesky inverts on A's behalf: A itself, or K (rows x rows) on the Woodbury route. */
export function choleskySideA(layer: KfacLayer): number {
  return layer.woodbury ? layer.patchRows : layer.aDim;
}

function bankOf(layers: readonly KfacLayer[], indices: readonly number[], alignmentBytes: number): KfacBank {
  const factors = matrixTable(
    indices.flatMap((i) => [choleskySideA(layers[i]), layers[i].bDim]),
    alignmentBytes,
  );
  const align = alignmentBytes / BYTES_PER_ELEMENT;
  const woodburyOffsets = new Map<number, number>();
  let cursor = factors.totalElements;
  for (const i of indices) {
    if (!layers[i].woodbury) continue;
    const offset = Math.ceil(cursor / align) * align;
    woodburyOffsets.set(i, offset);
    cursor = offset + layers[i].aDim * layers[i].aDim;
  }
  return { layers: indices, factors, woodburyOffsets, inverseElements: Math.ceil(cursor / align) * align };
}

const bytes = (elements: number) => elements * BYTES_PER_ELEMENT;
const format = (n: number) => n.toLocaleString('en-US');

/**
 * Consecutive layers share a bank while its inverse buffer (the larger of its two) fits
 * `maxBindingBytes`. Refuses a factor (A, B, or the Woodbury route's K) larger than the limit,
 * naming the layer, the size and the limit, and a layer whose factors together exceed it.
 */
export function kfacBanks(layers: readonly KfacLayer[], maxBindingBytes: number, alignmentBytes: number): KfacBank[] {
  for (const layer of layers) {
    for (const [factor, side] of [
      ['A', layer.aDim],
      ['B', layer.bDim],
    ] as const) {
      if (bytes(side * side) > maxBindingBytes) {
        throw new Error(
          `K-FAC: layer ${layer.name}'s factor ${factor} is ${side}x${side} (${format(bytes(side * side))} bytes), larger than this device's maxStorageBufferBindingSize of ${format(maxBindingBytes)} bytes`,
        );
      }
    }
  }
  const banks: KfacBank[] = [];
  let current: number[] = [];
  layers.forEach((layer, index) => {
    const candidate = [...current, index];
    if (bytes(bankOf(layers, candidate, alignmentBytes).inverseElements) <= maxBindingBytes) {
      current = candidate;
      return;
    }
    if (current.length > 0) banks.push(bankOf(layers, current, alignmentBytes));
    current = [index];
    const alone = bankOf(layers, current, alignmentBytes).inverseElements;
    if (bytes(alone) > maxBindingBytes) {
      throw new Error(
        `K-FAC: layer ${layer.name}'s factors and inverses together take ${format(bytes(alone))} bytes, more than this device's maxStorageBufferBindingSize of ${format(maxBindingBytes)} bytes, which must hold them in one binding`,
      );
    }
  });
  if (current.length > 0) banks.push(bankOf(layers, current, alignmentBytes));
  return banks;
}
