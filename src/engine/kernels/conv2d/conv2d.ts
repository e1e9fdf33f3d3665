import forwardShader from '../../../../shaders/conv2d-forward.wgsl?raw';
import forwardNoBiasShader from '../../../../shaders/conv2d-forward-no-bias.wgsl?raw';
import backwardInputShader from '../../../../shaders/conv2d-backward-input.wgsl?raw';
import backwardWeightShader from '../../../../shaders/conv2d-backward-weight.wgsl?raw';
import backwardBiasShader from '../../../../shaders/conv2d-backward-bias.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { ELEMENTWISE_WORKGROUP, type BackwardOptions } from '../backward-options';
import { conv2dOutputSize } from './conv2d.ref';

export { conv2dOutputSize };

/**
 * Threads per workgroup in the dWeight and dBias reductions (a power of two for the tree).
 * A layer already has Cout * Cin * K * K weight workgroups, so a small group keeps the
 * strided loop busy without idling most threads when B * Hout * Wout is small.
 */
const REDUCTION_WORKGROUP = 64;

interface Shape {
  Hout: number;
  Wout: number;
}

function checkSize(op: string, name: string, tensor: GpuTensor, expected: number, shape: string): void {
  if (tensor.size !== expected) {
    throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, expected ${expected} (${shape})`);
  }
}

/** WebGPU rejects a dispatch that binds one buffer both read-only and writable. */
function checkNoAlias(op: string, written: GpuTensor, name: string, read: readonly GpuTensor[]): void {
  for (const tensor of read) {
    if (tensor.buffer === written.buffer) {
      throw new Error(`${op}: ${name} "${written.label}" shares a GPU buffer with the input "${tensor.label}"`);
    }
  }
}

function outputShape(op: string, H: number, W: number, K: number, stride: number, pad: number): Shape {
  try {
    return { Hout: conv2dOutputSize(H, K, stride, pad), Wout: conv2dOutputSize(W, K, stride, pad) };
  } catch (error) {
    throw new Error(`${op}: ${(error as Error).message}`, { cause: error });
  }
}

function checkCounts(op: string, counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${value}`);
  }
}

export function conv2dForward(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor | null,
  B: number, Cin: number, H: number, W: number, Cout: number, K: number, stride: number, pad: number,
): void {
  const op = bias ? 'conv2d_forward' : 'conv2d_forward_no_bias';
  checkCounts(op, { B, Cin, Cout });
  const { Hout, Wout } = outputShape(op, H, W, K, stride, pad);
  checkSize(op, 'inp', inp, B * Cin * H * W, `B*Cin*H*W = ${B}*${Cin}*${H}*${W}`);
  checkSize(op, 'weight', weight, Cout * Cin * K * K, `Cout*Cin*K*K = ${Cout}*${Cin}*${K}*${K}`);
  if (bias) checkSize(op, 'bias', bias, Cout, `Cout = ${Cout}`);
  checkSize(op, 'out', out, B * Cout * Hout * Wout, `B*Cout*Hout*Wout = ${B}*${Cout}*${Hout}*${Wout}`);
  const read = bias ? [inp, weight, bias] : [inp, weight];
  checkNoAlias(op, out, 'out', read);
  const total = B * Cout * Hout * Wout;
  plan.add({
    op,
    shader: bias ? forwardShader : forwardNoBiasShader,
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(total), u32(Cin), u32(H), u32(W), u32(Cout), u32(K), u32(stride), u32(pad), u32(Hout), u32(Wout)],
    bindings: [...read, out],
    workgroups: gridFor(total, ELEMENTWISE_WORKGROUP),
  });
}

/**
 * dInp, dWeight and dBias of conv2dForward, one dispatch each; a null gradient is skipped.
 * dInp is overwritten unless `options.accumulate`, dWeight and dBias unless `options.accumulateParams`.
 */
export function conv2dBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dWeight: GpuTensor,
  dBias: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  B: number, Cin: number, H: number, W: number, Cout: number, K: number, stride: number, pad: number,
  options: BackwardOptions = {},
): void {
  const op = 'conv2d_backward';
  checkCounts(op, { B, Cin, Cout });
  const { Hout, Wout } = outputShape(op, H, W, K, stride, pad);
  const inpShape = `B*Cin*H*W = ${B}*${Cin}*${H}*${W}`;
  const weightShape = `Cout*Cin*K*K = ${Cout}*${Cin}*${K}*${K}`;
  checkSize(op, 'dOut', dOut, B * Cout * Hout * Wout, `B*Cout*Hout*Wout = ${B}*${Cout}*${Hout}*${Wout}`);
  checkSize(op, 'inp', inp, B * Cin * H * W, inpShape);
  checkSize(op, 'weight', weight, Cout * Cin * K * K, weightShape);
  checkSize(op, 'dWeight', dWeight, Cout * Cin * K * K, weightShape);
  if (dInp) checkSize(op, 'dInp', dInp, B * Cin * H * W, inpShape);
  if (dBias) checkSize(op, 'dBias', dBias, Cout, `Cout = ${Cout}`);

  if (dInp) {
    checkNoAlias(op, dInp, 'dInp', [dOut, weight]);
    const total = B * Cin * H * W;
    plan.add({
      op: 'conv2d_backward_input',
      shader: backwardInputShader,
      constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
      uniforms: [u32(total), u32(Cin), u32(H), u32(W), u32(Cout), u32(K), u32(stride), u32(pad), u32(Hout), u32(Wout)],
      bindings: [dOut, weight, dInp],
      workgroups: gridFor(total, ELEMENTWISE_WORKGROUP),
    });
  }

  checkNoAlias(op, dWeight, 'dWeight', [dOut, inp]);
  const weightCount = Cout * Cin * K * K;
  plan.add({
    op: 'conv2d_backward_weight',
    shader: backwardWeightShader,
    constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
    uniforms: [u32(weightCount), u32(B), u32(Cin), u32(H), u32(W), u32(Cout), u32(K), u32(stride), u32(pad), u32(Hout), u32(Wout)],
    bindings: [dOut, inp, dWeight],
    workgroups: gridFor(weightCount, 1),
  });

  if (dBias) {
    checkNoAlias(op, dBias, 'dBias', [dOut]);
    plan.add({
      op: 'conv2d_backward_bias',
      shader: backwardBiasShader,
      constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
      uniforms: [u32(Cout), u32(B), u32(Hout * Wout)],
      bindings: [dOut, dBias],
      workgroups: gridFor(Cout, 1),
    });
  }
}
