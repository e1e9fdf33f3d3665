import forwardShader from '../../../../shaders/gelu/forward.wgsl?raw';
import backwardShader from '../../../../shaders/gelu/backward.wgsl?raw';
import exactForwardShader from '../../../../shaders/gelu/forward-exact.wgsl?raw';
import exactBackwardShader from '../../../../shaders/gelu/backward-exact.wgsl?raw';
import normalCdfSource from '../../../../shaders/common/normal-cdf.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { expectNoAliasing, expectSizes } from '../launch-checks';
import type { GeluApproximation } from './gelu-approximation';

// WGSL has no #include: the exact kernels are followed by the shared Phi and phi.
const EXACT_FORWARD = `${exactForwardShader}\n${normalCdfSource}`;
const EXACT_BACKWARD = `${exactBackwardShader}\n${normalCdfSource}`;

function expectApproximation(kernel: string, approximate: GeluApproximation): void {
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`${kernel}: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
}

/**
 * out = gelu(inp), element-wise: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) for 'none',
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) for 'tanh'.
 */
export function geluForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, n: number, approximate: GeluApproximation): void {
  expectSizes('geluForward', { out, inp }, n, 'n');
  expectNoAliasing('geluForward', { out }, { inp });
  expectApproximation('geluForward', approximate);
  const exact = approximate === 'none';
  plan.add({
    op: exact ? 'gelu_exact_forward' : 'gelu_forward',
    shader: exact ? EXACT_FORWARD : forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n)],
    bindings: [inp, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * dInp = dOut * gelu'(inp): Phi(x) + x phi(x) for 'none', the exact derivative of the approximation
 * for 'tanh'; adds into dInp with `options.accumulate`.
 */
export function geluBackward(
  plan: ComputePlan,
  dInp: GpuTensor,
  dOut: GpuTensor,
  inp: GpuTensor,
  n: number,
  approximate: GeluApproximation,
  options: InputGradientOptions,
): void {
  expectSizes('geluBackward', { dInp, dOut, inp }, n, 'n');
  expectNoAliasing('geluBackward', { dInp }, { dOut, inp });
  expectApproximation('geluBackward', approximate);
  const exact = approximate === 'none';
  plan.add({
    op: exact ? 'gelu_exact_backward' : 'gelu_backward',
    shader: exact ? EXACT_BACKWARD : backwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(n)],
    bindings: [dOut, inp, dInp],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
