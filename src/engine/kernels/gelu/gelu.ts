import forwardShader from '../../../../shaders/gelu/forward.wgsl?raw';
import backwardShader from '../../../../shaders/gelu/backward.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { expectNoAliasing, expectSizes } from '../launch-checks';

/** out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), element-wise (GELU, tanh approximation). */
export function geluForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, n: number): void {
  expectSizes('geluForward', { out, inp }, n, 'n');
  expectNoAliasing('geluForward', { out }, { inp });
  plan.add({
    op: 'gelu_forward',
    shader: forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n)],
    bindings: [inp, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/** dInp = dOut * gelu'(inp), the exact derivative of the approximation; adds into dInp with `options.accumulate`. */
export function geluBackward(plan: ComputePlan, dInp: GpuTensor, dOut: GpuTensor, inp: GpuTensor, n: number, options: InputGradientOptions): void {
  expectSizes('geluBackward', { dInp, dOut, inp }, n, 'n');
  expectNoAliasing('geluBackward', { dInp }, { dOut, inp });
  plan.add({
    op: 'gelu_backward',
    shader: backwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(n)],
    bindings: [dOut, inp, dInp],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
