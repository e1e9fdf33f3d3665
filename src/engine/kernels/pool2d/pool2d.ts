import maxForwardShader from '../../../../shaders/pool2d/max-forward.wgsl?raw';
import maxBackwardShader from '../../../../shaders/pool2d/max-backward.wgsl?raw';
import avgForwardShader from '../../../../shaders/pool2d/avg-forward.wgsl?raw';
import avgBackwardShader from '../../../../shaders/pool2d/avg-backward.wgsl?raw';
import { gridFor, u32, type ComputePlan, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { InputGradientOptions } from '../backward-options';
import { ELEMENTWISE_WORKGROUP } from '../workgroups';
import { expectNoAliasing, expectSizes, type Tensors } from '../launch-checks';
import { pool2dOutputSize } from './pool2d-shape';

interface PoolShape {
  readonly B: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly K: number;
  readonly stride: number;
}

interface PoolGeometry {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Uniforms without the leading element count, in the order of the WGSL Params struct. */
  readonly shape: readonly UniformField[];
}

/** One launcher's kernel: `name` in error messages, `op` in labels. */
interface PoolKernel {
  readonly name: string;
  readonly op: string;
  readonly shader: string;
}

/** The call's geometry, once the input-shaped and output-shaped tensors are checked against it. */
function checkedGeometry(name: string, inputShaped: Tensors, outputShaped: Tensors, { B, C, H, W, K, stride }: PoolShape): PoolGeometry {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  const text = `B=${B}, C=${C}, H=${H}, W=${W}, K=${K}, stride=${stride}`;
  const geometry = { inputSize: B * C * H * W, outputSize: B * C * Hout * Wout, shape: [u32(H), u32(W), u32(Hout), u32(Wout), u32(K), u32(stride)] };
  expectSizes(name, inputShaped, geometry.inputSize, `B*C*H*W for ${text}`);
  expectSizes(name, outputShaped, geometry.outputSize, `B*C*Hout*Wout for ${text}`);
  return geometry;
}

/** One invocation per output element. */
function poolForward(plan: ComputePlan, kernel: PoolKernel, out: GpuTensor, inp: GpuTensor, shape: PoolShape): void {
  const g = checkedGeometry(kernel.name, { inp }, { out }, shape);
  expectNoAliasing(kernel.name, { out }, { inp });
  plan.add({
    op: kernel.op,
    shader: kernel.shader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(g.outputSize), ...g.shape],
    bindings: [inp, out],
    workgroups: gridFor(g.outputSize, ELEMENTWISE_WORKGROUP),
  });
}

/** One invocation per input element; `inp` is bound only when the kernel reads it (max pooling). */
function poolBackward(
  plan: ComputePlan,
  kernel: PoolKernel,
  dInp: GpuTensor,
  dOut: GpuTensor,
  inp: GpuTensor | null,
  shape: PoolShape,
  options: InputGradientOptions,
): void {
  const g = checkedGeometry(kernel.name, { dInp, inp }, { dOut }, shape);
  expectNoAliasing(kernel.name, { dInp }, { dOut, inp });
  plan.add({
    op: kernel.op,
    shader: kernel.shader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(g.inputSize), ...g.shape],
    bindings: inp ? [dOut, inp, dInp] : [dOut, dInp],
    workgroups: gridFor(g.inputSize, ELEMENTWISE_WORKGROUP),
  });
}

export function maxPool2dForward(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
): void {
  const kernel = { name: 'maxPool2dForward', op: 'max_pool2d_forward', shader: maxForwardShader };
  poolForward(plan, kernel, out, inp, { B, C, H, W, K, stride });
}

export function maxPool2dBackward(
  plan: ComputePlan,
  dInp: GpuTensor,
  dOut: GpuTensor,
  inp: GpuTensor,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
  options: InputGradientOptions,
): void {
  const kernel = { name: 'maxPool2dBackward', op: 'max_pool2d_backward', shader: maxBackwardShader };
  poolBackward(plan, kernel, dInp, dOut, inp, { B, C, H, W, K, stride }, options);
}

export function avgPool2dForward(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
): void {
  const kernel = { name: 'avgPool2dForward', op: 'avg_pool2d_forward', shader: avgForwardShader };
  poolForward(plan, kernel, out, inp, { B, C, H, W, K, stride });
}

export function avgPool2dBackward(
  plan: ComputePlan,
  dInp: GpuTensor,
  dOut: GpuTensor,
  B: number,
  C: number,
  H: number,
  W: number,
  K: number,
  stride: number,
  options: InputGradientOptions,
): void {
  const kernel = { name: 'avgPool2dBackward', op: 'avg_pool2d_backward', shader: avgBackwardShader };
  poolBackward(plan, kernel, dInp, dOut, null, { B, C, H, W, K, stride }, options);
}
