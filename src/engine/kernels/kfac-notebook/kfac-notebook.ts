// The notebook K-FAC's own small kernels on the GPU (kfac-notebook.ref.ts is the float64 twin):
// the running average of a factor and its bias row and column, the gradient in matrix form and
// back, the eigenvalue scaling of the natural gradient, and the delayed coupled weight decay.
import averageShader from '../../../../shaders/kfac-notebook/average.wgsl?raw';
import biasLineShader from '../../../../shaders/kfac-notebook/bias-line.wgsl?raw';
import eigenScaleShader from '../../../../shaders/kfac-notebook/eigen-scale.wgsl?raw';
import gatherShader from '../../../../shaders/kfac-notebook/gather.wgsl?raw';
import scatterShader from '../../../../shaders/kfac-notebook/scatter.wgsl?raw';
import weightDecayShader from '../../../../shaders/kfac-notebook/weight-decay.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import { BYTES_PER_ELEMENT, type GpuTensor } from '../../gpu/tensor';
import { patchColumns, patchRows, type PatchGeometry } from '../gram/patch-geometry';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP, reductionWorkgroupFor } from '../workgroups';
import type { GradientBlock } from './kfac-notebook-layout';

export type { GradientBlock };

function checkDecay(op: string, decay: number): void {
  if (!(decay >= 0 && decay < 1)) throw new Error(`${op}: decay must be in [0, 1), got ${decay}`);
}

/** M's leading side x side block (M of side mSide at element mOffset of `M`) <- decay·M + (1 − decay)·S. */
export function notebookAverage(plan: ComputePlan, M: GpuTensor, S: GpuTensor, side: number, mSide: number, mOffset: number, decay: number): void {
  const op = 'notebookAverage';
  expectPositiveIntegers(op, { side, mSide });
  checkDecay(op, decay);
  if (mSide < side) throw new Error(`${op}: mSide ${mSide} is smaller than side ${side}`);
  if (S.size < side * side) throw new Error(`${op}: S "${S.label}" has ${S.size} elements, needs ${side * side} (side*side)`);
  if (mOffset + mSide * mSide > M.size) throw new Error(`${op}: the ${mSide}x${mSide} factor at ${mOffset} runs past M "${M.label}" of ${M.size} elements`);
  expectDtypes(op, { M, S }, 'f32');
  expectNoAliasing(op, { M }, { S });
  plan.add({
    op: 'kfac_notebook_average',
    shader: averageShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(side), u32(mSide), u32(mOffset), f32(decay)],
    bindings: [S, M],
    workgroups: gridFor(side * side, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * The bias row and column of an A factor of side d + 1 at mOffset: the running average of
 * scale·Σ_r a_r (the im2col patches of x) and of scale·rows in the corner.
 */
export function notebookBiasLine(plan: ComputePlan, M: GpuTensor, x: GpuTensor, patch: PatchGeometry, mOffset: number, scale: number, decay: number): void {
  const op = 'notebookBiasLine';
  const { batch, channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  expectPositiveIntegers(op, { batch, channels, height, width, kernel, stride, outHeight, outWidth });
  checkDecay(op, decay);
  const d = patchColumns(patch);
  if (mOffset + (d + 1) ** 2 > M.size) throw new Error(`${op}: the ${d + 1}x${d + 1} factor at ${mOffset} runs past M "${M.label}" of ${M.size} elements`);
  expectSizes(op, { x }, batch * channels * height * width, `B*C*H*W = ${batch}*${channels}*${height}*${width}`);
  expectDtypes(op, { M, x }, 'f32');
  expectNoAliasing(op, { M }, { x });
  plan.add({
    op: 'kfac_notebook_bias_line',
    shader: biasLineShader,
    constants: { WG: reductionWorkgroupFor(patchRows(patch)) },
    uniforms: [...[batch, channels, height, width, kernel, stride, padding, outHeight, outWidth, mOffset].map(u32), f32(scale), f32(decay)],
    bindings: [x, M],
    workgroups: [d + 1],
  });
}

function checkBlock(op: string, block: GradientBlock, grads: GpuTensor): number {
  const { rows, cols, weightOffset, biasOffset } = block;
  expectPositiveIntegers(op, { rows, cols });
  if (weightOffset + rows * cols > grads.size) throw new Error(`${op}: the ${rows}x${cols} weight at ${weightOffset} runs past grads "${grads.label}"`);
  if (biasOffset !== null && biasOffset + rows > grads.size) throw new Error(`${op}: the bias of ${rows} at ${biasOffset} runs past grads "${grads.label}"`);
  return rows * (cols + (biasOffset === null ? 0 : 1));
}

/** P (rows x (cols [+ 1])) <- [G_w | g_b] from the flat gradient buffer. */
export function notebookGather(plan: ComputePlan, P: GpuTensor, grads: GpuTensor, block: GradientBlock): void {
  const op = 'notebookGather';
  const size = checkBlock(op, block, grads);
  expectSizes(op, { P }, size, 'rows*(cols + bias)');
  expectDtypes(op, { P, grads }, 'f32');
  expectNoAliasing(op, { P }, { grads });
  plan.add({
    op: 'kfac_notebook_gather',
    shader: gatherShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, HAS_BIAS: block.biasOffset === null ? 0 : 1 },
    uniforms: [u32(block.rows), u32(block.cols), u32(block.weightOffset), u32(block.biasOffset ?? 0)],
    bindings: [grads, P],
    workgroups: gridFor(size, ELEMENTWISE_WORKGROUP),
  });
}

/** V (rows x cols) /= d_g[i]·d_a[j] + damping, in place. */
export function notebookEigenScale(plan: ComputePlan, V: GpuTensor, dG: GpuTensor, dA: GpuTensor, damping: number): void {
  const op = 'notebookEigenScale';
  const rows = dG.size;
  const cols = dA.size;
  expectSizes(op, { V }, rows * cols, `dG x dA = ${rows}*${cols}`);
  if (!(damping > 0) || !Number.isFinite(damping)) throw new Error(`${op}: damping must be > 0, got ${damping}`);
  expectDtypes(op, { V, dG, dA }, 'f32');
  expectNoAliasing(op, { V }, { dG, dA });
  plan.add({
    op: 'kfac_notebook_eigen_scale',
    shader: eigenScaleShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(rows), u32(cols), f32(damping)],
    bindings: [dG, dA, V],
    workgroups: gridFor(rows * cols, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * grads' weight and bias <- ν·V with ν = min(1, sqrt(klClip / (lr²·vg))) (1 when lr²·vg is not
 * > 0), lr = scalars[0], vg = vg[0].
 */
export function notebookScatter(
  plan: ComputePlan,
  grads: GpuTensor,
  V: GpuTensor,
  vg: GpuTensor,
  scalars: GpuTensor,
  block: GradientBlock,
  klClip: number,
): void {
  const op = 'notebookScatter';
  const size = checkBlock(op, block, grads);
  expectSizes(op, { V }, size, 'rows*(cols + bias)');
  if (vg.size < 1 || scalars.size < 1) throw new Error(`${op}: vg "${vg.label}" and scalars "${scalars.label}" must hold at least one value`);
  if (!(klClip > 0) || !Number.isFinite(klClip)) throw new Error(`${op}: klClip must be > 0, got ${klClip}`);
  expectDtypes(op, { grads, V, vg, scalars }, 'f32');
  expectNoAliasing(op, { grads }, { V, vg, scalars });
  plan.add({
    op: 'kfac_notebook_scatter',
    shader: scatterShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, HAS_BIAS: block.biasOffset === null ? 0 : 1 },
    uniforms: [u32(block.rows), u32(block.cols), u32(block.weightOffset), u32(block.biasOffset ?? 0), f32(klClip)],
    bindings: [V, vg, scalars, grads],
    workgroups: gridFor(size, ELEMENTWISE_WORKGROUP),
  });
}

/** grads += scalars[1]·params over the whole flat buffers. */
export function notebookWeightDecay(plan: ComputePlan, grads: GpuTensor, params: GpuTensor, scalars: GpuTensor): void {
  const op = 'notebookWeightDecay';
  expectSizes(op, { params }, grads.size, 'the flat gradient buffer');
  if (scalars.size < 2) throw new Error(`${op}: scalars "${scalars.label}" has ${scalars.size} elements, needs 2 (lr, weight decay)`);
  expectDtypes(op, { grads, params, scalars }, 'f32');
  expectNoAliasing(op, { grads }, { params, scalars });
  plan.add({
    op: 'kfac_notebook_weight_decay',
    shader: weightDecayShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(grads.size)],
    bindings: [params, scalars, grads],
    workgroups: gridFor(grads.size, ELEMENTWISE_WORKGROUP),
  });
}

/** Element offset of a view in its buffer (views are 256-byte aligned). */
export function elementOffset(view: GpuTensor, within: GpuTensor): number {
  if (view.buffer !== within.buffer) throw new Error(`elementOffset: "${view.label}" is not in "${within.label}"'s buffer`);
  return (view.offset - within.offset) / BYTES_PER_ELEMENT;
}
