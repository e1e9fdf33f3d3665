// The min-max normalised running average of whole factors on the GPU (minmax-average.ref.ts is
// its float64 twin). AdaFisher's normalizeAndAverage gives each vector one workgroup, right for
// its short diagonals; a full factor is a vector of n² values (4.2 million for a 2049 x 2049 H),
// so here each vector is cut into pieces: a first pass reduces each piece to [min, max], a
// second joins a vector's pieces and updates its entries, both spread over every workgroup.
import applyShader from '../../../../shaders/minmax-average/apply.wgsl?raw';
import rangesShader from '../../../../shaders/minmax-average/ranges.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { REDUCTION_WORKGROUP } from '../workgroups';
import { MINMAX_PIECE, minMaxAverageTable, PIECE_WORDS, type FlatVector } from './minmax-average-shape';

export { MINMAX_PIECE, minMaxAverageTable, PIECE_WORDS, type FlatVector } from './minmax-average-shape';

/**
 * For each vector: D <- keep * D + add * (v - min v) / (max v - min v + 1e-12), D in `factors`
 * and v in `raw` at the same offsets. `table` holds minMaxAverageTable(vectors, piece).table and
 * `ranges` (2 * pieces floats) is scratch; `vectors` and `piece` are given again so the extents
 * are checked while recording.
 */
export function minMaxAverage(
  plan: ComputePlan,
  factors: GpuTensor,
  raw: GpuTensor,
  table: GpuTensor,
  ranges: GpuTensor,
  vectors: readonly FlatVector[],
  keep: number,
  add: number,
  piece = MINMAX_PIECE,
): void {
  const op = 'minMaxAverage';
  if (vectors.length === 0) throw new Error(`${op}: no vectors to average`);
  vectors.forEach(({ offset, length }, index) => {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 1 || offset + length > factors.size) {
      throw new Error(
        `${op}: vector ${index} (offset ${offset}, length ${length}) must be non-empty and lie inside factors "${factors.label}" of ${factors.size}`,
      );
    }
  });
  for (const [name, value] of [
    ['keep', keep],
    ['add', add],
  ] as const) {
    if (!Number.isFinite(value)) throw new Error(`${op}: ${name} must be a finite number, got ${value}`);
  }
  const { pieces } = minMaxAverageTable(vectors, piece);
  expectSizes(op, { raw }, factors.size, 'the factors buffer');
  expectSizes(op, { table }, pieces * PIECE_WORDS, `${PIECE_WORDS} u32 per piece of at most ${piece} values`);
  expectSizes(op, { ranges }, 2 * pieces, '[min, max] per piece');
  expectDtypes(op, { factors, raw, ranges }, 'f32');
  expectDtypes(op, { table }, 'u32');
  expectNoAliasing(op, { ranges }, { raw, table });
  expectNoAliasing(op, { factors }, { raw, table, ranges });
  plan.add({
    op: 'minmax_average_ranges',
    shader: rangesShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(pieces)],
    bindings: [table, raw, ranges],
    workgroups: gridFor(pieces, 1),
  });
  plan.add({
    op: 'minmax_average_apply',
    shader: applyShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(pieces), f32(keep), f32(add)],
    bindings: [table, raw, ranges, factors],
    workgroups: gridFor(pieces, 1),
  });
}
