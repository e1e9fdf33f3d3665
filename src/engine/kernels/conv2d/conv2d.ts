import forwardKernel from '../../../../shaders/conv2d/forward.wgsl?raw';
import backwardInputKernel from '../../../../shaders/conv2d/backward-input.wgsl?raw';
import backwardWeightKernel from '../../../../shaders/conv2d/backward-weight.wgsl?raw';
import backwardBiasShader from '../../../../shaders/conv2d/backward-bias.wgsl?raw';
import { gridFor, u32, type ComputePlan, type UniformField } from '../../gpu/compute-plan';
import type { GpuTensor } from '../../gpu/tensor';
import type { BackwardOptions } from '../backward-options';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../launch-checks';
import { placeholderFor } from '../placeholder';
import { registerTileFor, tileConstants, tileGrid, withRegisterTile } from '../register-tile';
import { conv2dOutputSize } from './conv2d-shape';

const forwardShader = withRegisterTile(forwardKernel);
const backwardInputShader = withRegisterTile(backwardInputKernel);
const backwardWeightShader = withRegisterTile(backwardWeightKernel);

/** Threads per workgroup in the dBias reduction, one workgroup per channel (a power of two for the tree). */
const BIAS_WORKGROUP = 64;

/** An element count and the formula behind it, for error messages. */
type Expected = readonly [count: number, formula: string];

interface Geometry {
  readonly Hout: number;
  readonly Wout: number;
  /** The uniforms of the GEMM shaders, in the order of their WGSL Params structs. */
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
    shape: [u32(B), u32(Cin), u32(H), u32(W), u32(Cout), u32(K), u32(stride), u32(pad), u32(Hout), u32(Wout)],
    input: [B * Cin * H * W, `B*Cin*H*W = ${B}*${Cin}*${H}*${W}`],
    weight: [Cout * Cin * K * K, `Cout*Cin*K*K = ${Cout}*${Cin}*${K}*${K}`],
    bias: [Cout, `Cout = ${Cout}`],
    output: [B * Cout * Hout * Wout, `B*Cout*Hout*Wout = ${B}*${Cout}*${Hout}*${Wout}`],
  };
}

/** out = conv2d(inp, weight) + bias, NCHW; bias may be null. One dispatch, a tiled implicit GEMM. */
export function conv2dForward(
  plan: ComputePlan,
  out: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor | null,
  B: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  K: number,
  stride: number,
  pad: number,
): void {
  const op = bias ? 'conv2d_forward' : 'conv2d_forward_no_bias';
  const g = geometry(op, B, Cin, H, W, Cout, K, stride, pad);
  expectSizes(op, { inp }, ...g.input);
  expectSizes(op, { weight }, ...g.weight);
  expectSizes(op, { bias }, ...g.bias);
  expectSizes(op, { out }, ...g.output);
  expectNoAliasing(op, { out }, { inp, weight, bias });
  const columns = B * g.Hout * g.Wout;
  const tile = registerTileFor(Cout, columns);
  plan.add({
    op,
    shader: forwardShader,
    constants: { ...tileConstants(tile), HAS_BIAS: bias ? 1 : 0 },
    uniforms: g.shape,
    // Layout 'auto' keeps the bias binding even when HAS_BIAS is off, so something must fill it.
    bindings: [inp, weight, bias ?? placeholderFor(plan), out],
    workgroups: tileGrid(op, Cout, columns, tile),
  });
}

/**
 * dInp, dWeight and dBias of conv2dForward, one dispatch each (dInp and dWeight tiled implicit
 * GEMMs); a null gradient is skipped.
 * dInp is overwritten unless `options.accumulate`, dWeight and dBias unless `options.accumulateParams`.
 */
export function conv2dBackward(
  plan: ComputePlan,
  dInp: GpuTensor | null,
  dWeight: GpuTensor | null,
  dBias: GpuTensor | null,
  dOut: GpuTensor,
  inp: GpuTensor,
  weight: GpuTensor,
  B: number,
  Cin: number,
  H: number,
  W: number,
  Cout: number,
  K: number,
  stride: number,
  pad: number,
  options: BackwardOptions,
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
    // One workgroup layer per phase (y mod stride, x mod stride); the phase with y and x
    // divisible by the stride has the most pixels.
    const columns = B * Math.ceil(H / stride) * Math.ceil(W / stride);
    const tile = registerTileFor(Cin, columns);
    plan.add({
      op: 'conv2d_backward_input',
      shader: backwardInputShader,
      constants: { ...tileConstants(tile), ACCUMULATE: options.accumulate ? 1 : 0 },
      uniforms: g.shape,
      bindings: [dOut, weight, dInp],
      workgroups: tileGrid('conv2d_backward_input', Cin, columns, tile, stride * stride),
    });
  }

  if (dWeight) {
    const columns = Cin * K * K;
    const tile = registerTileFor(Cout, columns);
    plan.add({
      op: 'conv2d_backward_weight',
      shader: backwardWeightShader,
      constants: { ...tileConstants(tile), ACCUMULATE: options.accumulateParams ? 1 : 0 },
      uniforms: g.shape,
      bindings: [dOut, inp, dWeight],
      workgroups: tileGrid('conv2d_backward_weight', Cout, columns, tile),
    });
  }

  if (dBias) {
    plan.add({
      op: 'conv2d_backward_bias',
      shader: backwardBiasShader,
      constants: { WG: BIAS_WORKGROUP, ACCUMULATE: options.accumulateParams ? 1 : 0 },
      uniforms: [u32(Cout), u32(B), u32(g.Hout * g.Wout)],
      bindings: [dOut, dBias],
      workgroups: gridFor(Cout, 1),
    });
  }
}
