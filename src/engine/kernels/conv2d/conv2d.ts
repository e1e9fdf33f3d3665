import forwardShader from '../../../../shaders/conv2d-forward.wgsl?raw';
import backwardInputShader from '../../../../shaders/conv2d-backward-input.wgsl?raw';
import backwardWeightShader from '../../../../shaders/conv2d-backward-weight.wgsl?raw';
import backwardBiasShader from '../../../../shaders/conv2d-backward-bias.wgsl?raw';
import { gridFor, u32, type ComputePlan, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import { ELEMENTWISE_WORKGROUP, type BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { placeholderFor } from '../placeholder';
import { conv2dOutputSize } from './conv2d.ref';

export { conv2dOutputSize };

/**
 * Threads per workgroup in the dWeight and dBias reductions (a power of two for the tree).
 * A layer already has Cout * Cin * K * K weight workgroups, so a small group keeps the
 * strided loop busy without idling most threads when B * Hout * Wout is small.
 */
const REDUCTION_WORKGROUP = 64;

/** An element count and the formula behind it, for error messages. */
type Expected = readonly [count: number, formula: string];

interface Geometry {
  readonly Hout: number;
  readonly Wout: number;
  /** Uniforms after the leading element count (and B, for dWeight), in the order of the WGSL Params structs. */
  readonly shape: readonly UniformField[];
  readonly input: Expected;
  readonly weight: Expected;
  readonly bias: Expected;
  readonly output: Expected;
}

/** The sizes of a (B, Cin, H, W) -> (B, Cout, Hout, Wout) convolution's tensors. */
function geometry(op: string, B: number, Cin: number, H: number, W: number, Cout: number, K: number, stride: number, pad: number): Geometry {
  expectPositiveIntegers(op, { B, Cin, Cout });
  let Hout: number, Wout: number;
  try {
    Hout = conv2dOutputSize(H, K, stride, pad);
    Wout = conv2dOutputSize(W, K, stride, pad);
  } catch (error) {
    throw new Error(`${op}: ${(error as Error).message}`, { cause: error });
  }
  return {
    Hout,
    Wout,
    shape: [u32(Cin), u32(H), u32(W), u32(Cout), u32(K), u32(stride), u32(pad), u32(Hout), u32(Wout)],
    input: [B * Cin * H * W, `B*Cin*H*W = ${B}*${Cin}*${H}*${W}`],
    weight: [Cout * Cin * K * K, `Cout*Cin*K*K = ${Cout}*${Cin}*${K}*${K}`],
    bias: [Cout, `Cout = ${Cout}`],
    output: [B * Cout * Hout * Wout, `B*Cout*Hout*Wout = ${B}*${Cout}*${Hout}*${Wout}`],
  };
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
  const g = geometry(op, B, Cin, H, W, Cout, K, stride, pad);
  expectSizes(op, { inp }, ...g.input);
  expectSizes(op, { weight }, ...g.weight);
  expectSizes(op, { bias }, ...g.bias);
  expectSizes(op, { out }, ...g.output);
  expectNoAliasing(op, { out }, { inp, weight, bias });
  const [total] = g.output;
  plan.add({
    op,
    shader: forwardShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, HAS_BIAS: bias ? 1 : 0 },
    uniforms: [u32(total), ...g.shape],
    // Layout 'auto' keeps the bias binding even when HAS_BIAS is off, so something must fill it.
    bindings: [inp, weight, bias ?? placeholderFor(plan), out],
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
  const g = geometry(op, B, Cin, H, W, Cout, K, stride, pad);
  expectSizes(op, { dOut }, ...g.output);
  expectSizes(op, { inp, dInp }, ...g.input);
  expectSizes(op, { weight, dWeight }, ...g.weight);
  expectSizes(op, { dBias }, ...g.bias);
  // One check per dispatch, all before the first is added.
  expectNoAliasing(op, { dInp }, { dOut, weight });
  expectNoAliasing(op, { dWeight }, { dOut, inp });
  expectNoAliasing(op, { dBias }, { dOut });

  if (dInp) {
    const [total] = g.input;
    plan.add({
      op: 'conv2d_backward_input',
      shader: backwardInputShader,
      constants: { WG: ELEMENTWISE_WORKGROUP, ACCUMULATE: options.accumulate ? 1 : 0 },
      uniforms: [u32(total), ...g.shape],
      bindings: [dOut, weight, dInp],
      workgroups: gridFor(total, ELEMENTWISE_WORKGROUP),
    });
  }

  const [weightCount] = g.weight;
  plan.add({
    op: 'conv2d_backward_weight',
    shader: backwardWeightShader,
    constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
    uniforms: [u32(weightCount), u32(B), ...g.shape],
    bindings: [dOut, inp, dWeight],
    workgroups: gridFor(weightCount, 1),
  });

  if (dBias) {
    plan.add({
      op: 'conv2d_backward_bias',
      shader: backwardBiasShader,
      constants: { WG: REDUCTION_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
      uniforms: [u32(Cout), u32(B), u32(g.Hout * g.Wout)],
      bindings: [dOut, dBias],
      workgroups: gridFor(Cout, 1),
    });
  }
}
