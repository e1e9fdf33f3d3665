// The tail that ASDL's K-FAC and Shampoo share in AdaFisher's training loop, on the GPU: after
// the preconditioner has replaced the gradients in the model's flat gradient buffer, PyTorch's
// clip_grad_norm_ over the whole buffer (its alignment gaps hold zeros), then the existing SGD
// with momentum (dampening 0, no Nesterov) and coupled weight decay, each tensor with its
// parameter group's lr and weight decay (torch.optim.SGD's param_groups). clipped-sgd.ref.ts is
// the float64 twin.

import { ComputePlan } from '../gpu/compute-plan';
import type { GpuTensor } from '../gpu/tensor';
import { clipGradNorm, clipNormScratchSize } from '../kernels/clip-norm/clip-norm';
import type { GpuModel } from '../nn/gpu-model';
import { checkClip, tailSgdConfig, type ClippedSgdSettings } from './clipped-sgd.ref';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { createSgd, type GpuSgd } from './sgd';

export type { ClippedSgdSettings };

export interface ClippedSgd {
  readonly sgd: GpuSgd;
  /** clip-norm's scratch; after a step, element 0 holds the gradient norm before clipping. */
  readonly normScratch: GpuTensor;
  /** Writes the step's SGD scalars (learning rate, first-step momentum). */
  prepare(step: number, lr: number): void;
  /** Records the clip and the SGD update into the open pass, after the preconditioner's dispatches. */
  encode(pass: GPUComputePassEncoder, step: number): void;
  /**
   * Disposes the clip plan and destroys the SGD, which releases every buffer of the model's
   * optimizer owner (`<model owner>:optimizer`), the caller's too: dispose the caller's plans first.
   */
  destroy(): void;
}

/** `optimizer` names the owner in messages ("K-FAC", "Shampoo"). Buffers are held by `<model owner>:optimizer`, as SGD's. */
export async function createClippedSgd(
  model: GpuModel,
  settings: ClippedSgdSettings,
  optimizer: string,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): Promise<ClippedSgd> {
  checkClip(optimizer, settings.clip);
  const { ctx } = model;
  const owner = `${model.owner}:optimizer`;
  const grads = model.grads.whole;
  const normScratch = ctx.pool.tensor(`${owner}:clip-norm`, [clipNormScratchSize(grads.size)], owner);
  const clipPlan = new ComputePlan(ctx, `${owner}:clip`, owner);
  clipGradNorm(clipPlan, grads, normScratch, settings.clip);
  let sgd: GpuSgd;
  try {
    await clipPlan.compile();
    sgd = await createSgd(model, tailSgdConfig(settings), groups);
  } catch (error) {
    clipPlan.dispose();
    ctx.pool.releaseOwner(owner);
    throw error;
  }
  return {
    sgd,
    normScratch,
    prepare(step: number, lr: number): void {
      sgd.prepare(step, lr);
    },
    encode(pass: GPUComputePassEncoder, step: number): void {
      clipPlan.encode(pass);
      sgd.encode(pass, step);
    },
    destroy(): void {
      clipPlan.dispose();
      sgd.destroy();
    },
  };
}
