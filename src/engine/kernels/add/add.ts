import forwardShader from '../../../../shaders/add-forward.wgsl?raw';
import backwardShader from '../../../../shaders/add-backward.wgsl?raw';
import backwardOneShader from '../../../../shaders/add-backward-one.wgsl?raw';
import { gridFor, u32, type ComputePlan } from '../../gpu/compute-plan';
import { BYTES_PER_ELEMENT, type GpuTensor } from '../../gpu/tensor';
import { ELEMENTWISE_WORKGROUP } from '../backward-options';

/** The two operands' gradients are both "input" gradients, so each has its own switch. */
export interface AddBackwardOptions {
  /** Add into dA instead of overwriting it. */
  accumulateA?: boolean;
  /** Add into dB instead of overwriting it. */
  accumulateB?: boolean;
}

function expectSize(op: string, name: string, tensor: GpuTensor, n: number): void {
  if (tensor.size !== n) throw new Error(`${op}: ${name} "${tensor.label}" has ${tensor.size} elements, expected n = ${n}`);
}

// WebGPU rejects a dispatch that binds one buffer both read-only and writable, so an
// in-place add (out = a) must be caught here, with the op's name, rather than at compile.
function expectSeparateBuffers(op: string, written: [string, GpuTensor], read: [string, GpuTensor]): void {
  if (written[1].buffer === read[1].buffer) {
    throw new Error(`${op}: ${written[0]} "${written[1].label}" and ${read[0]} "${read[1].label}" share a GPU buffer; a dispatch cannot read and write one buffer`);
  }
}

function overlaps(x: GpuTensor, y: GpuTensor): boolean {
  return x.buffer === y.buffer && x.offset < y.offset + y.size * BYTES_PER_ELEMENT && y.offset < x.offset + x.size * BYTES_PER_ELEMENT;
}

export function addForward(plan: ComputePlan, out: GpuTensor, a: GpuTensor, b: GpuTensor, n: number): void {
  for (const [name, tensor] of [['out', out], ['a', a], ['b', b]] as const) expectSize('addForward', name, tensor, n);
  expectSeparateBuffers('addForward', ['out', out], ['a', a]);
  expectSeparateBuffers('addForward', ['out', out], ['b', b]);
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
export function addBackward(
  plan: ComputePlan, dA: GpuTensor | null, dB: GpuTensor | null, dOut: GpuTensor, n: number,
  options: AddBackwardOptions = {},
): void {
  expectSize('addBackward', 'dOut', dOut, n);
  if (dA) {
    expectSize('addBackward', 'dA', dA, n);
    expectSeparateBuffers('addBackward', ['dA', dA], ['dOut', dOut]);
  }
  if (dB) {
    expectSize('addBackward', 'dB', dB, n);
    expectSeparateBuffers('addBackward', ['dB', dB], ['dOut', dOut]);
  }
  if (dA && dB) {
    if (overlaps(dA, dB)) {
      throw new Error(`addBackward: dA "${dA.label}" and dB "${dB.label}" overlap; for out = x + x pass one gradient and call again with accumulateA`);
    }
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
