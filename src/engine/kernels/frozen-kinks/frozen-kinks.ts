// Passes that stay on one smooth piece of a ReLU/max-pool network: a copy of a forward's ReLU
// and max-pool inputs, and max pooling at that copy's arg-max. (ReLU at a frozen mask needs no
// kernel of its own: reluBackward(out, x, saved) computes out = x · [saved > 0].) A central
// difference of gradients taken this way differentiates the piece, as autograd does, instead
// of jumping across kinks.
import copyShader from '../../../../shaders/frozen-kinks/copy.wgsl?raw';
import maxPoolAtShader from '../../../../shaders/frozen-kinks/max-pool-at.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { pool2dOutputSize } from '../pool2d/pool2d-shape';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';

/** out[i] = inp[i] for i < n. */
export function copyValues(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, n: number): void {
  const op = 'copy_values';
  expectPositiveIntegers(op, { n });
  expectSizes(op, { out, inp }, n, 'n');
  expectDtypes(op, { out, inp }, 'f32');
  expectNoAliasing(op, { out }, { inp });
  plan.add({
    op,
    shader: copyShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n)],
    bindings: [inp, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * out[b, c, oh, ow] = inp at the first arg-max (row-major, strictly greater replaces) of the
 * same K×K window of `at`; inp and at are (B, C, H, W), out (B, C, Hout, Wout), no padding.
 */
export function maxPool2dForwardAt(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  at: GpuTensor,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
): void {
  const op = 'maxPool2dForwardAt';
  expectPositiveIntegers(op, { B, C });
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  const text = `B=${B}, C=${C}, H=${H}, W=${W}, K=${K}, stride=${stride}`;
  expectSizes(op, { inp, at }, B * C * H * W, `B*C*H*W for ${text}`);
  expectSizes(op, { out }, B * C * Hout * Wout, `B*C*Hout*Wout for ${text}`);
  expectDtypes(op, { out, inp, at }, 'f32');
  expectNoAliasing(op, { out }, { inp, at });
  const n = B * C * Hout * Wout;
  plan.add({
    op: 'max_pool2d_forward_at',
    shader: maxPoolAtShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n), u32(H), u32(W), u32(Hout), u32(Wout), u32(K), u32(stride)],
    bindings: [inp, at, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
