// How the inspector sees a Linear or Conv2d layer's two factors: H over the im2col patches of
// its input (no bias column), S over the rows of its output gradient, both averaging over the
// same N rows. The GPU inspector and the float64 reference take their geometry from here.

import { middleAxisPatches, patchColumns, patchRows, type PatchGeometry } from '../kernels/gram/patch-geometry';
import type { Conv2dNode, LinearNode } from '../nn/graph';
import type { Shape } from '../nn/shapes';
import { layerGeometry } from '../optim/adafisher-factors.ref';

export interface FactorGeometry {
  readonly layer: string;
  readonly kind: 'linear' | 'conv2d';
  /** H = Xᵀ X / N over these patches of the layer input: hSize = in (Linear) or Cin*k*k (Conv2d). */
  readonly hPatch: PatchGeometry;
  /** S = Gᵀ G / N over the output gradient (B, Cout, oh*ow) seen as rows (b, p) of Cout values. */
  readonly sPatch: PatchGeometry;
  readonly hSize: number;
  readonly sSize: number;
  /** N: B (or B*T) for Linear, B*oh*ow for Conv2d. */
  readonly rows: number;
}

/** A Linear or Conv2d layer's factor geometry from its node and its input's shape. */
export function factorGeometry(node: LinearNode | Conv2dNode, inputShape: Shape): FactorGeometry {
  const geometry = layerGeometry(node, inputShape);
  if (geometry.kind !== 'kronecker') throw new Error(`Inspector: layer "${node.name}" is not a Linear or Conv2d layer`);
  const { patch, outputs } = geometry;
  const spatial = patch.outHeight * patch.outWidth;
  return {
    layer: node.name,
    kind: node.op,
    hPatch: patch,
    sPatch: middleAxisPatches(patch.batch, outputs, spatial),
    hSize: patchColumns(patch),
    sSize: outputs,
    rows: patchRows(patch),
  };
}

/**
 * The transposed view of a factor's rows when they are a plain (N, d) row-major matrix (a
 * Linear input, or an output gradient with one position per example): gram over it gives the
 * N x N matrix X Xᵀ, whose Frobenius norm is that of Xᵀ X. Null for im2col patches, which are
 * not stored as a matrix.
 */
export function dualPatch(patch: PatchGeometry): PatchGeometry | null {
  const plain = patch.kernel === 1 && patch.stride === 1 && patch.padding === 0 && patch.height * patch.width === 1;
  return plain ? middleAxisPatches(1, patch.batch, patch.channels) : null;
}
