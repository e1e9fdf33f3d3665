// Counter-based random numbers on the GPU (Philox4x32-10): the same numbers as philox.ref.ts,
// so a float64 twin follows a GPU optimizer that samples (labels, Rademacher vectors) step for step.
import philoxSource from '../../../../shaders/common/philox.wgsl?raw';
import uniformShader from '../../../../shaders/philox/uniform.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { expectDtypes, expectSizes } from '../launch-checks';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';

/** A kernel's WGSL with the shared Philox functions (WGSL has no #include). */
export function withPhilox(kernelSource: string): string {
  return `${kernelSource}\n${philoxSource}`;
}

/**
 * out[i] = uniform [0, 1) from key (seed, stream) and counter (floor(i / 4), step[0], 0, 0);
 * `step` is a u32 tensor of one element, written before each submit.
 */
export function philoxUniform(plan: ComputePlan, out: GpuTensor, n: number, seed: number, stream: number, step: GpuTensor): void {
  expectSizes('philoxUniform', { out }, n, 'n');
  expectSizes('philoxUniform', { step }, 1, '1');
  expectDtypes('philoxUniform', { step }, 'u32');
  for (const [name, value] of [
    ['seed', seed],
    ['stream', stream],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new Error(`philoxUniform: ${name} must be a whole number in 0..2^32-1, got ${value}`);
  }
  plan.add({
    op: 'philox_uniform',
    shader: withPhilox(uniformShader),
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n), u32(seed), u32(stream)],
    bindings: [step, out],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}
