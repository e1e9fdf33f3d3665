import type { ComputePlan } from '../gpu/compute-plan';
import type { GpuTensor } from '../gpu/tensor';
import { writeTensor } from '../gpu/transfer';

const placeholders = new WeakMap<GPUDevice, GpuTensor[]>();

/**
 * A 4-element zero tensor, one per device, for a binding that an override switches off (a
 * conv2d or linear layer without bias, a LayerNorm gradient not asked for). Layout 'auto' keeps
 * every binding a shader references, even one used only under `if (HAS_BIAS)`, so the bind
 * group still needs a buffer there. Bind it only where the shader neither reads nor writes it,
 * and at most once per dispatch (a dispatch with two switched-off bindings asks for `slot` 0 and
 * 1, two buffers); no dispatch writes it.
 */
export function placeholderFor(plan: ComputePlan, slot: 0 | 1 = 0): GpuTensor {
  const { ctx } = plan;
  const tensors = placeholders.get(ctx.device) ?? [];
  placeholders.set(ctx.device, tensors);
  let tensor = tensors[slot];
  if (!tensor) {
    tensor = ctx.pool.tensor(`placeholder:${slot}`, [4], 'placeholder');
    // The pool may hand back a recycled buffer, so zero it rather than trust creation.
    writeTensor(ctx, tensor, new Float32Array(4));
    tensors[slot] = tensor;
  }
  return tensor;
}
