// SGD on the GPU: one dispatch over the whole flat parameter buffer per step, with the
// momentum buffer laid out like the parameters and each tensor's group lr and weight decay
// read from a per-tensor table. The first momentum step (buf = g) differs
// from the later ones only in two coefficients, so `prepare` writes them and the plan stays one.

import momentumShader from '../../../shaders/sgd/momentum.wgsl?raw';
import plainShader from '../../../shaders/sgd/plain.wgsl?raw';
import { ComputePlan, gridFor } from '../gpu/compute-plan';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';
import { ELEMENTWISE_WORKGROUP } from '../kernels/workgroups';
import type { GpuModel } from '../nn/gpu-model';
import { createGroupTable, withParamGroups } from './group-table';
import type { GpuOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { checkSgdConfig, checkStep, type SgdConfig } from './sgd.ref';

export interface GpuSgd extends GpuOptimizer {
  readonly config: SgdConfig;
  /** The momentum buffer, laid out like `model.params`; null without momentum. */
  readonly momentumBuffer: GpuTensor | null;
}

/** lr, keep, take, momentum (the Scalars struct of sgd/momentum.wgsl; plain.wgsl reads lr only). */
const SCALARS = 4;

export async function createSgd(model: GpuModel, config: SgdConfig, groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS): Promise<GpuSgd> {
  checkSgdConfig(config);
  const { ctx } = model;
  const owner = `${model.owner}:optimizer`;
  const n = model.params.whole.size;
  if (model.grads.whole.size !== n) throw new Error(`SGD: gradients have ${model.grads.whole.size} elements, parameters ${n}`);

  const scalarData = new Float32Array(SCALARS);
  const scalars = tensorView(ctx.pool.acquire(`${owner}:sgd-scalars`, SCALARS * BYTES_PER_ELEMENT, owner), [SCALARS], { label: `${owner}:sgd-scalars` });
  let momentumBuffer: GpuTensor | null = null;
  if (config.momentum !== 0) {
    momentumBuffer = ctx.pool.tensor(`${owner}:momentum`, [n], owner);
    ctx.device.queue.writeBuffer(momentumBuffer.buffer, momentumBuffer.offset, new Float32Array(n));
  }

  const groupTable = createGroupTable(model, owner, groups, config.weight_decay);

  const plan = new ComputePlan(ctx, `${owner}:sgd`, owner);
  plan.add({
    op: momentumBuffer ? 'sgd_momentum' : 'sgd',
    shader: withParamGroups(momentumBuffer ? momentumShader : plainShader),
    constants: momentumBuffer ? { WG: ELEMENTWISE_WORKGROUP, NESTEROV: config.nesterov ? 1 : 0 } : { WG: ELEMENTWISE_WORKGROUP },
    bindings: momentumBuffer
      ? [scalars, model.grads.whole, model.params.whole, momentumBuffer, groupTable]
      : [scalars, model.grads.whole, model.params.whole, groupTable],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
  try {
    await plan.compile();
  } catch (error) {
    ctx.pool.releaseOwner(owner);
    throw error;
  }

  let prepared = -1;
  return {
    config,
    momentumBuffer,
    get stateBytes() {
      return ctx.pool.bytesHeldBy(owner);
    },
    prepare(step: number, lr: number): void {
      checkStep('SGD', step);
      const first = step === 0;
      scalarData[0] = lr;
      scalarData[1] = first ? 0 : config.momentum;
      scalarData[2] = first ? 1 : 1 - config.dampening;
      scalarData[3] = config.momentum;
      ctx.device.queue.writeBuffer(scalars.buffer, scalars.offset, scalarData);
      prepared = step;
    },
    encode(pass: GPUComputePassEncoder, step: number): void {
      if (step !== prepared) throw new Error(`SGD: encode(step ${step}) needs prepare(${step}) first (last prepared: ${prepared})`);
      plan.encode(pass);
    },
    destroy(): void {
      plan.dispose();
      ctx.pool.releaseOwner(owner);
    },
  };
}
