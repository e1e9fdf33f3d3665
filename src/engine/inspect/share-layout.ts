// Where the inspector's share measurements live in its scratch buffer, and which strided runs
// give each factor's energies ‖diag M‖² and ‖M‖_F². A factor M = Xᵀ X / N of side d is formed
// as d x d, unless its rows are a plain (N, d) matrix with N < d: then X Xᵀ / N (N x N, same
// Frobenius norm) and the diagonal measured on its own as the column square means, so a
// 2048-wide Linear layer with a batch of 64 rows never forms 2048². Layers are packed into
// groups that fit the scratch together, one squareSums dispatch per group.

import { flatLayout, type FlatEntry } from '../gpu/flat-buffer';
import type { PatchGeometry } from '../kernels/gram/patch-geometry';
import { diagonalRun, matrixRun, vectorRun, type StridedRun } from '../kernels/square-sums/square-sums-shape';
import { dualPatch, type FactorGeometry } from './factor-geometry';

/** Floats of scratch that every layer's share matrices may share at once before they are split into groups (16 MiB). */
export const SHARE_SCRATCH_BUDGET = 1 << 22;

export type FactorSide = 'H' | 'S';

/** How one factor's share is measured. */
export interface ShareMeasurement {
  readonly layer: string;
  readonly side: FactorSide;
  /** The d x d factor (direct) or the N x N matrix of its rows (dual). */
  readonly route: 'direct' | 'dual';
  /** gram's geometry over the side's tensor: the factor's patches, or their transposed view. */
  readonly gramPatch: PatchGeometry;
  /** Where gram writes, in the scratch, and the side of its square output. */
  readonly gramOffset: number;
  readonly gramSide: number;
  /** The dual route's diagonal (d column square means), in the scratch; null when direct. */
  readonly diagonalOffset: number | null;
  readonly diagonalLength: number;
  /** Energies: ‖diag M‖² and ‖M‖_F² (up to the common 1/N² that cancels in the share). */
  readonly diagonalRun: StridedRun;
  readonly totalRun: StridedRun;
}

export interface ShareGroup {
  readonly measurements: readonly ShareMeasurement[];
  /** Floats of scratch the group uses. */
  readonly size: number;
}

interface SideSpec {
  readonly side: FactorSide;
  readonly patch: PatchGeometry;
  readonly d: number;
}

function sidesOf(geometry: FactorGeometry): SideSpec[] {
  return [
    { side: 'H', patch: geometry.hPatch, d: geometry.hSize },
    { side: 'S', patch: geometry.sPatch, d: geometry.sSize },
  ];
}

interface SidePlan {
  readonly spec: SideSpec;
  readonly dual: PatchGeometry | null;
  readonly key: string;
  readonly gramSide: number;
}

function sidePlans(geometry: FactorGeometry): SidePlan[] {
  return sidesOf(geometry).map((spec) => {
    const dual = dualPatch(spec.patch);
    const useDual = dual !== null && geometry.rows < spec.d;
    return { spec, dual: useDual ? dual : null, key: `${geometry.layer}.${spec.side}`, gramSide: useDual ? geometry.rows : spec.d };
  });
}

/** The scratch entries of one layer's two factors: each gram output, and the dual route's diagonal. */
function layerEntries(geometry: FactorGeometry): FlatEntry[] {
  return sidePlans(geometry).flatMap(({ spec, dual, key, gramSide }) => [
    { name: `${key}.gram`, shape: [gramSide * gramSide] },
    ...(dual ? [{ name: `${key}.diagonal`, shape: [spec.d] }] : []),
  ]);
}

function layerMeasurements(geometry: FactorGeometry, offsets: ReadonlyMap<string, number>): ShareMeasurement[] {
  return sidePlans(geometry).map(({ spec, dual, key, gramSide }) => {
    const gramOffset = offsets.get(`${key}.gram`)!;
    const diagonalOffset = dual ? offsets.get(`${key}.diagonal`)! : null;
    return {
      layer: geometry.layer,
      side: spec.side,
      route: dual ? 'dual' : 'direct',
      gramPatch: dual ?? spec.patch,
      gramOffset,
      gramSide,
      diagonalOffset,
      diagonalLength: spec.d,
      diagonalRun: diagonalOffset === null ? diagonalRun(gramOffset, gramSide) : vectorRun(diagonalOffset, spec.d),
      totalRun: matrixRun(gramOffset, gramSide),
    };
  });
}

/**
 * The layers' share measurements packed greedily, in order, into groups of at most `capacity`
 * floats, where capacity = max(the largest layer, min(all layers, budget)). Offsets are
 * aligned (alignment in bytes) so every matrix can be bound on its own.
 */
export function shareLayout(layers: readonly FactorGeometry[], alignment: number, budget = SHARE_SCRATCH_BUDGET): { groups: ShareGroup[]; capacity: number } {
  const sizeOf = (members: readonly FactorGeometry[]) => flatLayout(members.flatMap(layerEntries), alignment).totalElements;
  const capacity = Math.max(0, ...layers.map((layer) => sizeOf([layer])), Math.min(budget, sizeOf(layers)));
  const groups: ShareGroup[] = [];
  let members: FactorGeometry[] = [];
  const close = () => {
    if (members.length === 0) return;
    const layout = flatLayout(members.flatMap(layerEntries), alignment);
    const offsets = new Map(layout.entries.map((entry) => [entry.name, entry.offset]));
    groups.push({ measurements: members.flatMap((member) => layerMeasurements(member, offsets)), size: layout.totalElements });
    members = [];
  };
  for (const layer of layers) {
    if (members.length > 0 && sizeOf([...members, layer]) > capacity) close();
    members.push(layer);
  }
  close();
  return { groups, capacity };
}
