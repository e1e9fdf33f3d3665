// Gradient-norm clipping over a whole flat gradient buffer on the GPU, as
// torch.nn.utils.clip_grad_norm_ (clip-norm.ref.ts is the float64 twin): chunk sums of squares,
// their total and square root, then one scale pass. The flat buffer's alignment gaps hold zeros,
// so the whole buffer can be reduced and scaled.
import sumSquaresShader from '../../../../shaders/clip-norm/sum-squares.wgsl?raw';
import normShader from '../../../../shaders/clip-norm/norm.wgsl?raw';
import scaleShader from '../../../../shaders/clip-norm/scale.wgsl?raw';
import { f32, gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP, REDUCTION_WORKGROUP } from '../workgroups';

/** Most chunks the first pass splits the gradient into (what the norm's one workgroup adds up). */
const MAX_CHUNKS = 256;
/** Fewest elements per chunk, so a short buffer is not spread over many near-empty workgroups. */
const MIN_CHUNK = 4096;

function chunking(n: number): { chunks: number; chunk: number } {
  const wanted = Math.min(MAX_CHUNKS, Math.max(1, Math.floor(n / MIN_CHUNK)));
  const chunk = Math.ceil(n / wanted);
  return { chunks: Math.ceil(n / chunk), chunk };
}

/**
 * Elements of clipGradNorm's scratch for an n-element gradient: the total norm at [0], then one
 * sum of squares per chunk.
 */
export function clipNormScratchSize(n: number): number {
  return 1 + chunking(n).chunks;
}

/**
 * grads *= min(1, maxNorm / (||grads||_2 + 1e-6)) in place over all grads.size elements; after
 * the dispatches scratch[0] holds ||grads||_2 before clipping. maxNorm is fixed when the plan is
 * built; scratch (clipNormScratchSize elements) must be in a buffer of its own.
 */
export function clipGradNorm(plan: ComputePlan, grads: GpuTensor, scratch: GpuTensor, maxNorm: number): void {
  const op = 'clipGradNorm';
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new Error(`${op}: maxNorm must be a finite number > 0, got ${maxNorm}`);
  const n = grads.size;
  const { chunks, chunk } = chunking(n);
  expectSizes(op, { scratch }, 1 + chunks, `clipNormScratchSize(${n}) = 1 + ${chunks} chunks`);
  expectDtypes(op, { grads, scratch }, 'f32');
  expectNoAliasing(op, { scratch }, { grads });
  plan.add({
    op: 'clip_norm_sum_squares',
    shader: sumSquaresShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(n), u32(chunk)],
    bindings: [grads, scratch],
    workgroups: [chunks],
  });
  plan.add({
    op: 'clip_norm_norm',
    shader: normShader,
    constants: { WG: REDUCTION_WORKGROUP },
    uniforms: [u32(chunks)],
    bindings: [scratch],
    workgroups: [1],
  });
  plan.add({
    op: 'clip_norm_scale',
    shader: scaleShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n), f32(maxNorm)],
    bindings: [scratch, grads],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
