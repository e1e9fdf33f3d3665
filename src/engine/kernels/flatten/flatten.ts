// Flatten on the GPU is a view: NCHW memory read as (B, C*H*W) is already the flattened
// tensor, so neither direction dispatches anything. The backward view is the gradient
// buffer itself, so the next backward kernel reads dOut directly (and decides whether to
// accumulate into its own dInp).
import { reshape, type GpuTensor } from '../../gpu/tensor';
import { expectSizes } from '../launch-checks';

const shapeText = (B: number, C: number, H: number, W: number) => `B*C*H*W for B=${B}, C=${C}, H=${H}, W=${W}`;

/** The (B, C, H, W) tensor seen as (B, C*H*W); same buffer, same offset. */
export function flattenForward(inp: GpuTensor, B: number, C: number, H: number, W: number): GpuTensor {
  expectSizes('flattenForward', { inp }, B * C * H * W, shapeText(B, C, H, W));
  return reshape(inp, [B, C * H * W]);
}

/** The (B, C*H*W) gradient seen as (B, C, H, W); same buffer, same offset. */
export function flattenBackward(dOut: GpuTensor, B: number, C: number, H: number, W: number): GpuTensor {
  expectSizes('flattenBackward', { dOut }, B * C * H * W, shapeText(B, C, H, W));
  return reshape(dOut, [B, C, H, W]);
}
