import forwardShader from '../../../../shaders/relu/forward.wgsl?raw';
import backwardShader from '../../../../shaders/relu/backward.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { expectNoAliasing, expectSizes } from '../launch-checks';

export function reluForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, n: number): void {
  expectSizes('reluForward', { out, inp }, n, 'n');
  expectNoAliasing('reluForward', { out }, { inp });
  plan.add({
    op: 'relu_forward',
    shader: forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n)],
    bindings: [inp, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

export function reluBackward(plan: ComputePlan, dInp: GpuTensor, dOut: GpuTensor, inp: GpuTensor, n: number, options: InputGradientOptions): void {
  expectSizes('reluBackward', { dInp, dOut, inp }, n, 'n');
  expectNoAliasing('reluBackward', { dInp }, { dOut, inp });
  plan.add({
    op: 'relu_backward',
    shader: backwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(n)],
    bindings: [dOut, inp, dInp],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
