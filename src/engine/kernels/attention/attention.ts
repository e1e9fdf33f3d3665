import scoresKernel from '../../../../shaders/attention/scores.wgsl?raw';
import softmaxShader from '../../../../shaders/attention/softmax.wgsl?raw';
import softmaxBackwardShader from '../../../../shaders/attention/softmax-backward.wgsl?raw';
import applyKernel from '../../../../shaders/attention/apply.wgsl?raw';
import { f32, gridFor, MAX_WORKGROUPS_PER_DIMENSION, u32, type ComputePlan, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { tileConstants, tileGrid, withRegisterTile, type RegisterTile } from '../register-tile';
import { headSize } from './attention-shape';

const scoresShader = withRegisterTile(scoresKernel);
const applyShader = withRegisterTile(applyKernel);

/** The register tile of the scores and apply kernels: rows and columns are positions and head features, a few dozen of each. */
const TILE: RegisterTile = { TM: 32, TN: 32 };

/**
 * Rows per workgroup of the softmax kernels, one invocation per row. A workgroup per row with a
 * tree reduction measured 20-40 times slower on SwiftShader, which pays per workgroup and per
 * barrier, and a row is at most T (a few hundred) long.
 */
const ROW_WORKGROUP = 64;

interface Shape {
  readonly D: number;
  /** The Params struct of the tiled shaders: T, C, D, H, scale. */
  readonly params: (scale: number) => UniformField[];
  readonly rowsGrid: [number, number];
  readonly scoresGrid: [number, number, number];
  readonly applyGrid: [number, number, number];
}

/** Checks (B, T, C, H) and the sizes of every tensor, and lays out the dispatches. */
function shapeOf(
  op: string,
  B: number,
  T: number,
  C: number,
  H: number,
  activations: Readonly<Record<string, GpuTensor>>,
  squares: Readonly<Record<string, GpuTensor>>,
): Shape {
  expectPositiveIntegers(op, { B, T, C, H });
  const D = headSize(op, C, H);
  expectSizes(op, activations, B * T * C, `B*T*C = ${B}*${T}*${C}`);
  expectSizes(op, squares, B * H * T * T, `B*H*T*T = ${B}*${H}*${T}*${T}`);
  const rowsGrid = gridFor(B * H * T, ROW_WORKGROUP);
  if (rowsGrid.some((count) => count > MAX_WORKGROUPS_PER_DIMENSION)) {
    throw new Error(`${op}: B=${B} T=${T} C=${C} H=${H} needs ${rowsGrid.join(' x ')} workgroups, over ${MAX_WORKGROUPS_PER_DIMENSION} per dimension`);
  }
  return {
    D,
    params: (scale) => [u32(T), u32(C), u32(D), u32(H), f32(scale)],
    rowsGrid,
    scoresGrid: tileGrid(op, T, T, TILE, B * H),
    applyGrid: tileGrid(op, T, D, TILE, B * H),
  };
}

/**
 * Causal self-attention over q, k, v (B, T, C) with H heads of D = C / H features (head h is
 * features h*D..h*D+D-1, PyTorch's x.view(B, T, H, D)): probs (B, H, T, T) = softmax over
 * j <= i of q_i . k_j / sqrt(D), exactly 0 for j > i, kept for the backward; out (B, T, C),
 * in the same layout, = probs @ v per head. Three dispatches; both outputs are overwritten.
 */
export function attentionForward(
  plan: ComputePlan,
  out: GpuTensor,
  probs: GpuTensor,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const op = 'attentionForward';
  const shape = shapeOf(op, B, T, C, H, { out, q, k, v }, { probs });
  expectNoAliasing(op, { probs }, { q, k });
  expectNoAliasing(op, { out }, { probs, v });
  plan.add({
    op: 'attention_scores',
    shader: scoresShader,
    constants: tileConstants(TILE),
    uniforms: shape.params(1 / Math.sqrt(shape.D)),
    bindings: [q, k, probs],
    workgroups: shape.scoresGrid,
  });
  plan.add({
    op: 'attention_softmax',
    shader: softmaxShader,
    constants: { WG: ROW_WORKGROUP },
    uniforms: [u32(B * H * T), u32(T)],
    bindings: [probs],
    workgroups: shape.rowsGrid,
  });
  plan.add({
    op: 'attention_apply',
    shader: applyShader,
    constants: { ...tileConstants(TILE), TRANSPOSE: 0, ACCUMULATE: 0 },
    uniforms: shape.params(1),
    bindings: [probs, v, out],
    workgroups: shape.applyGrid,
  });
}

/**
 * The gradients of attentionForward from dOut (B, T, C) and its probs, in five dispatches:
 * dP = dOut v^T and then dS = P * (dP - rowsum(P * dP)) in `scratch` (B, H, T, T), whose
 * contents are overwritten and need not survive; dQ = dS k / sqrt(D); dK = dS^T q / sqrt(D);
 * dV = P^T dOut. All three are activation gradients: overwritten unless `options.accumulate`.
 */
export function attentionBackward(
  plan: ComputePlan,
  dQ: GpuTensor,
  dK: GpuTensor,
  dV: GpuTensor,
  dOut: GpuTensor,
  probs: GpuTensor,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  scratch: GpuTensor,
  B: number,
  T: number,
  C: number,
  H: number,
  options: InputGradientOptions,
): void {
  const op = 'attentionBackward';
  const shape = shapeOf(op, B, T, C, H, { dQ, dK, dV, dOut, q, k, v }, { probs, scratch });
  // One check per dispatch, all before the first is added.
  expectNoAliasing(op, { scratch }, { dOut, v });
  expectNoAliasing(op, { scratch }, { probs });
  expectNoAliasing(op, { dQ }, { scratch, k });
  expectNoAliasing(op, { dK }, { scratch, q });
  expectNoAliasing(op, { dV }, { probs, dOut });
  expectNoAliasing(op, { dQ, dK, dV }, {});
  const scale = 1 / Math.sqrt(shape.D);
  const accumulate = options.accumulate ? 1 : 0;
  plan.add({
    op: 'attention_scores',
    shader: scoresShader,
    constants: tileConstants(TILE),
    uniforms: shape.params(1),
    bindings: [dOut, v, scratch],
    workgroups: shape.scoresGrid,
  });
  plan.add({
    op: 'attention_softmax_backward',
    shader: softmaxBackwardShader,
    constants: { WG: ROW_WORKGROUP },
    uniforms: [u32(B * H * T), u32(T)],
    bindings: [probs, scratch],
    workgroups: shape.rowsGrid,
  });
  const gradients: [string, GpuTensor, GpuTensor, GpuTensor, number, number][] = [
    ['attention_backward_query', scratch, k, dQ, 0, scale],
    ['attention_backward_key', scratch, q, dK, 1, scale],
    ['attention_backward_value', probs, dOut, dV, 1, 1],
  ];
  for (const [name, w, x, grad, transpose, factor] of gradients) {
    plan.add({
      op: name,
      shader: applyShader,
      constants: { ...tileConstants(TILE), TRANSPOSE: transpose, ACCUMULATE: accumulate },
      uniforms: shape.params(factor),
      bindings: [w, x, grad],
      workgroups: shape.applyGrid,
    });
  }
}
