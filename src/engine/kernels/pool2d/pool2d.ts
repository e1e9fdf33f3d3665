import maxForwardShader from '../../../../shaders/pool2d-max-forward.wgsl?raw';
import maxBackwardShader from '../../../../shaders/pool2d-max-backward.wgsl?raw';
import avgForwardShader from '../../../../shaders/pool2d-avg-forward.wgsl?raw';
import avgBackwardShader from '../../../../shaders/pool2d-avg-backward.wgsl?raw';
import { gridFor, u32, type ComputePlan, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { ELEMENTWISE_WORKGROUP, type BackwardOptions } from '../backward-options';
import { pool2dOutputSize } from './pool2d.ref';

export { pool2dOutputSize };

interface PoolGeometry {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Uniforms without the leading element count, in the order of the WGSL Params struct. */
  readonly shape: readonly UniformField[];
}

function geometry(B: number, C: number, H: number, W: number, K: number, stride: number): PoolGeometry {
  const Hout = pool2dOutputSize(H, K, stride);
  const Wout = pool2dOutputSize(W, K, stride);
  return {
    inputSize: B * C * H * W,
    outputSize: B * C * Hout * Wout,
    shape: [u32(H), u32(W), u32(Hout), u32(Wout), u32(K), u32(stride)],
  };
}

function expectSize(op: string, name: string, tensor: GpuTensor, expected: number, what: string): void {
  if (tensor.size !== expected) {
    throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, expected ${expected} (${what})`);
  }
}

const shapeText = (B: number, C: number, H: number, W: number, K: number, stride: number) => `B=${B}, C=${C}, H=${H}, W=${W}, K=${K}, stride=${stride}`;

export function maxPool2dForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, B: number, C: number, H: number, W: number, K: number, stride: number): void {
  const g = geometry(B, C, H, W, K, stride);
  const text = shapeText(B, C, H, W, K, stride);
  expectSize('maxPool2dForward', 'inp', inp, g.inputSize, `B*C*H*W for ${text}`);
  expectSize('maxPool2dForward', 'out', out, g.outputSize, `B*C*Hout*Wout for ${text}`);
  plan.add({
    op: 'max_pool2d_forward',
    shader: maxForwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(g.outputSize), ...g.shape],
    bindings: [inp, out],
    workgroups: gridFor(g.outputSize, ELEMENTWISE_WORKGROUP),
  });
}

export function maxPool2dBackward(
  plan: ComputePlan, dInp: GpuTensor, dOut: GpuTensor, inp: GpuTensor,
  B: number, C: number, H: number, W: number, K: number, stride: number,
  options: BackwardOptions = {},
): void {
  const g = geometry(B, C, H, W, K, stride);
  const text = shapeText(B, C, H, W, K, stride);
  expectSize('maxPool2dBackward', 'dInp', dInp, g.inputSize, `B*C*H*W for ${text}`);
  expectSize('maxPool2dBackward', 'inp', inp, g.inputSize, `B*C*H*W for ${text}`);
  expectSize('maxPool2dBackward', 'dOut', dOut, g.outputSize, `B*C*Hout*Wout for ${text}`);
  plan.add({
    op: 'max_pool2d_backward',
    shader: maxBackwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(g.inputSize), ...g.shape],
    bindings: [dOut, inp, dInp],
    workgroups: gridFor(g.inputSize, ELEMENTWISE_WORKGROUP),
  });
}

export function avgPool2dForward(plan: ComputePlan, out: GpuTensor, inp: GpuTensor, B: number, C: number, H: number, W: number, K: number, stride: number): void {
  const g = geometry(B, C, H, W, K, stride);
  const text = shapeText(B, C, H, W, K, stride);
  expectSize('avgPool2dForward', 'inp', inp, g.inputSize, `B*C*H*W for ${text}`);
  expectSize('avgPool2dForward', 'out', out, g.outputSize, `B*C*Hout*Wout for ${text}`);
  plan.add({
    op: 'avg_pool2d_forward',
    shader: avgForwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(g.outputSize), ...g.shape],
    bindings: [inp, out],
    workgroups: gridFor(g.outputSize, ELEMENTWISE_WORKGROUP),
  });
}

export function avgPool2dBackward(
  plan: ComputePlan, dInp: GpuTensor, dOut: GpuTensor,
  B: number, C: number, H: number, W: number, K: number, stride: number,
  options: BackwardOptions = {},
): void {
  const g = geometry(B, C, H, W, K, stride);
  const text = shapeText(B, C, H, W, K, stride);
  expectSize('avgPool2dBackward', 'dInp', dInp, g.inputSize, `B*C*H*W for ${text}`);
  expectSize('avgPool2dBackward', 'dOut', dOut, g.outputSize, `B*C*Hout*Wout for ${text}`);
  plan.add({
    op: 'avg_pool2d_backward',
    shader: avgBackwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
    uniforms: [u32(g.inputSize), ...g.shape],
    bindings: [dOut, dInp],
    workgroups: gridFor(g.inputSize, ELEMENTWISE_WORKGROUP),
  });
}
