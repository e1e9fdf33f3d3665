import forwardShader from '../../../../shaders/add/forward.wgsl?raw';
import backwardShader from '../../../../shaders/add/backward.wgsl?raw';
import backwardOneShader from '../../../../shaders/add/backward-one.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { AddBackwardOptions } from '../backward-options';
import { expectNoAliasing, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';

export function addForward(plan: ComputePlan, out: GpuTensor, a: GpuTensor, b: GpuTensor, n: number): void {
  expectSizes('addForward', { out, a, b }, n, 'n');
  // An in-place add (out = a) is caught here, with the op's name, rather than at compile.
  expectNoAliasing('addForward', { out }, { a, b });
  plan.add({
    op: 'add_forward',
    shader: forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n)],
    bindings: [a, b, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/** dA (+)= dOut, dB (+)= dOut; a null gradient is skipped, and both given means one dispatch. */
export function addBackward(plan: ComputePlan, dA: GpuTensor | null, dB: GpuTensor | null, dOut: GpuTensor, n: number, options: AddBackwardOptions): void {
  expectSizes('addBackward', { dOut, dA, dB }, n, 'n');
  expectNoAliasing('addBackward', { dA, dB }, { dOut }, 'for out = x + x pass one gradient and call again with accumulateA');
  if (dA && dB) {
    plan.add({
      op: 'add_backward',
      shader: backwardShader,
      constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE_A: options.accumulateA ? 1 : 0, ACCUMULATE_B: options.accumulateB ? 1 : 0 },
      uniforms: [u32(n)],
      bindings: [dOut, dA, dB],
      workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
    });
    return;
  }
  const only = dA ?? dB;
  if (!only) return;
  const accumulate = dA ? options.accumulateA : options.accumulateB;
  plan.add({
    op: 'add_backward_one',
    shader: backwardOneShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: accumulate ? 1 : 0 },
    uniforms: [u32(n)],
    bindings: [dOut, only],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
