// The shared register tile of the GEMM-shaped kernels: shaders/common/register-tile.wgsl holds
// the tiled main loop, each kernel's WGSL supplies its block, tile loads and epilogue, and
// withRegisterTile joins the two (WGSL has no #include). The launchers pick the tile here.
import registerTileSource from '../../../shaders/common/register-tile.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../gpu/compute-plan';
import type { OverrideConstants } from '../gpu/pipeline-cache';

/**
 * A kernel's WGSL followed by the shared main loop. The kernel comes first so that its header
 * (the math it computes) heads the module and compile errors in it keep their line numbers.
 */
export function withRegisterTile(kernelSource: string): string {
  return `${kernelSource}\n${registerTileSource}`;
}

/** Rows and columns of each invocation's register block: BM = BN in register-tile.wgsl, fixed by its spelled-out accumulators. */
const REGISTER_BLOCK = 8;
/** Inner indices per staged slice, the shader's TK. */
const TILE_SLICE = 16;
/** A tile's TM * TN must be a multiple of this, so every invocation stages one fixed offset of each slice. */
const TILE_QUANTUM = REGISTER_BLOCK * REGISTER_BLOCK * TILE_SLICE;
/** From this many output columns on, tiles are 64 wide: enough workgroups remain to fill a GPU. */
const WIDE_COLUMNS = 512;

/** Output rows (TM) and columns (TN) per workgroup. */
export interface RegisterTile {
  readonly TM: number;
  readonly TN: number;
}

/**
 * The tile for an (M, N) output. TM follows M (a convolution's channel count, a linear layer's
 * rows or features) so that few rows are padding; N is usually large, but narrower tiles split
 * small layers over more workgroups. On
 * SwiftShader these choices measure alike, while 64 x 64 everywhere is twice as slow for
 * resnet-mini (16- and 32-channel layers, dWeight outputs 27 or 144 wide).
 */
export function registerTileFor(M: number, N: number): RegisterTile {
  const TM = M <= 16 ? 16 : M <= 32 ? 32 : 64;
  const TN = N >= WIDE_COLUMNS ? 64 : Math.max(32, TILE_QUANTUM / TM);
  return { TM, TN };
}

/** The override constants register-tile.wgsl needs, for a dispatch's `constants`. */
export function tileConstants(tile: RegisterTile): OverrideConstants {
  return { TM: tile.TM, TN: tile.TN, TK: TILE_SLICE };
}

/** Workgroups covering an (M, N) output with one tile each, times `layers` along z. */
export function tileGrid(op: string, M: number, N: number, tile: RegisterTile, layers = 1): [number, number, number] {
  const grid: [number, number, number] = [Math.ceil(N / tile.TN), Math.ceil(M / tile.TM), layers];
  if (grid.some((count) => count > MAX_WORKGROUPS_PER_DIMENSION)) {
    throw new Error(`${op}: a (${M}, ${N}) output needs ${grid.join(' x ')} workgroups, over ${MAX_WORKGROUPS_PER_DIMENSION} per dimension`);
  }
  return grid;
}
