// The full Kronecker factor on the GPU: out = scale * P^T P over the im2col patches P of an NCHW
// tensor (gram.ref.ts is its float64 twin). K-FAC's A (a layer input's patches) and B (its output
// gradient's rows), Shampoo's mode statistics and the Kronecker inspector all reduce to it.
import gramKernel from '../../../../shaders/gram/gram.wgsl?raw';
import reduceShader from '../../../../shaders/gram/reduce.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { tileConstants, tileGrid, withRegisterTile, type RegisterTile } from '../register-tile';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { patchColumns, patchRows, type PatchGeometry } from './patch-geometry';

const gramShader = withRegisterTile(gramKernel);

/** Workgroups worth keeping busy: below this many output tiles, the rows are split into chunks. */
const TARGET_WORKGROUPS = 64;
/** Fewest rows per chunk, so a chunk's sums outweigh writing and re-reading its d x d partial. */
const MIN_CHUNK_ROWS = 1024;
/** Inner indices per staged slice (register-tile's TK); chunks are whole slices. */
const SLICE = 16;

export interface GramOptions {
  /** out = scale * sum_p a_p a_p^T, fixed when the plan is built (K-FAC's 1/N or 1/(N*T)). */
  readonly scale: number;
  /** Add into out (Shampoo's running sums) instead of overwriting it. */
  readonly accumulate: boolean;
  /**
   * Scratch of at least gramPartialsSize(patch) elements, in its own buffer, or null to run
   * in one pass. With many rows and a small factor, the rows are split over workgroups whose
   * partial sums a second pass adds; one scratch may serve every gram of a plan.
   */
  readonly partials: GpuTensor | null;
}

/** Square tiles, as only those on or above the diagonal run; wider ones once d is large. */
function gramTile(columns: number): RegisterTile {
  return columns <= 256 ? { TM: 32, TN: 32 } : { TM: 64, TN: 64 };
}

interface GramSplit {
  readonly tile: RegisterTile;
  readonly tiles: number;
  readonly tilesPerSide: number;
  readonly chunks: number;
  readonly chunkRows: number;
}

function gramSplit(patch: PatchGeometry): GramSplit {
  const columns = patchColumns(patch);
  const rows = patchRows(patch);
  const tile = gramTile(columns);
  const tilesPerSide = Math.ceil(columns / tile.TM);
  const tiles = (tilesPerSide * (tilesPerSide + 1)) / 2;
  const wanted = Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(rows / MIN_CHUNK_ROWS));
  const chunkRows = Math.ceil(rows / Math.max(1, wanted) / SLICE) * SLICE;
  return { tile, tiles, tilesPerSide, chunks: Math.ceil(rows / chunkRows), chunkRows };
}

/** Elements of the scratch that lets gram split a long row count over workgroups; 0 when it would not. */
export function gramPartialsSize(patch: PatchGeometry): number {
  const { chunks } = gramSplit(patch);
  const columns = patchColumns(patch);
  return chunks > 1 ? chunks * columns * columns : 0;
}

/**
 * out (d x d, row-major, d = C*K*K) = scale * sum_p a_p a_p^T (+ out with accumulate), where
 * a_p are the zero-padded im2col patches of x (B, C, H, W) with columns (c, ky, kx) and rows
 * p = (b, oy, ox). A Linear input (N, in) is the geometry (N, in, 1, 1); a (pre, d, post)
 * tensor is middleAxisPatches(pre, d, post).
 */
export function gram(plan: ComputePlan, out: GpuTensor, x: GpuTensor, patch: PatchGeometry, options: GramOptions): void {
  const op = 'gram';
  const { batch, channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  expectPositiveIntegers(op, { batch, channels, height, width, kernel, stride, outHeight, outWidth });
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`${op}: padding must be an integer >= 0, got ${padding}`);
  for (const [name, size, extent] of [
    ['outHeight', outHeight, height],
    ['outWidth', outWidth, width],
  ] as const) {
    const expected = Math.floor((extent + 2 * padding - kernel) / stride) + 1;
    if (size !== expected) {
      throw new Error(`${op}: ${name} is ${size}, expected ${expected} = floor((${extent} + 2*${padding} - ${kernel}) / ${stride}) + 1`);
    }
  }
  if (!Number.isFinite(options.scale)) throw new Error(`${op}: scale must be a finite number, got ${options.scale}`);
  const columns = patchColumns(patch);
  const { partials } = options;
  expectSizes(op, { out }, columns * columns, `(C*K*K)^2 = (${channels}*${kernel}*${kernel})^2`);
  expectSizes(op, { x }, batch * channels * height * width, `B*C*H*W = ${batch}*${channels}*${height}*${width}`);
  expectDtypes(op, { out, x, partials }, 'f32');
  expectNoAliasing(op, { out }, { x });

  const split = gramSplit(patch);
  const partialsSize = split.chunks > 1 ? split.chunks * columns * columns : 0;
  const accumulate = options.accumulate ? 1 : 0;
  const geometry = [batch, channels, height, width, kernel, stride, padding, outHeight, outWidth, columns, patchRows(patch)].map(u32);
  if (!partials || partialsSize === 0) {
    plan.add({
      op: 'gram',
      shader: gramShader,
      constants: { ...tileConstants(split.tile), ACCUMULATE: accumulate, PARTIAL: 0 },
      uniforms: [...geometry, u32(patchRows(patch)), u32(split.tilesPerSide), f32(options.scale)],
      bindings: [x, out],
      workgroups: tileGrid(op, split.tile.TM, split.tile.TN * split.tiles, split.tile),
    });
    return;
  }
  expectNoAliasing(op, { partials }, { x });
  expectNoAliasing(op, { out }, { partials });
  if (partials.size < partialsSize) {
    throw new Error(`${op}: partials "${partials.label}" has ${partials.size} elements, needs at least ${partialsSize} (gramPartialsSize)`);
  }
  plan.add({
    op: 'gram_partial',
    shader: gramShader,
    constants: { ...tileConstants(split.tile), ACCUMULATE: 0, PARTIAL: 1 },
    uniforms: [...geometry, u32(split.chunkRows), u32(split.tilesPerSide), f32(1)],
    bindings: [x, partials],
    workgroups: tileGrid(op, split.tile.TM, split.tile.TN * split.tiles, split.tile, split.chunks),
  });
  plan.add({
    op: 'gram_reduce',
    shader: reduceShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: accumulate },
    uniforms: [u32(columns * columns), u32(split.chunks), f32(options.scale)],
    bindings: [partials, out],
    workgroups: gridFor(columns * columns, ELEMENTWISE_WORKGROUP),
  });
}
