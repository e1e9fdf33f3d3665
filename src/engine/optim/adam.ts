// Adam and AdamW on the GPU: one dispatch over the whole flat parameter buffer per step, with
// the first and second moments laid out like the parameters. Bias corrections are computed in
// float64 on the host each step (adamStepScalars); each tensor's group lr scale and weight
// decay come from a per-tensor table.

import updateShader from '../../../shaders/adam/update.wgsl?raw';
import { ComputePlan, gridFor } from '../gpu/compute-plan';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';
import { ELEMENTWISE_WORKGROUP } from '../kernels/workgroups';
import type { GpuModel } from '../nn/gpu-model';
import { adamStepScalars, type AdamConfig } from './adam.ref';
import { createGroupTable, withParamGroups } from './group-table';
import type { GpuOptimizer } from './optimizer';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';

export interface GpuAdam extends GpuOptimizer {
  readonly config: AdamConfig;
  /** First moments m, laid out like `model.params`. */
  readonly expAvg: GpuTensor;
  /** Second moments v, laid out like `model.params`. */
  readonly expAvgSq: GpuTensor;
}

/** The Scalars struct of adam/update.wgsl. */
const SCALARS = 8;

export async function createAdam(model: GpuModel, config: AdamConfig, groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS): Promise<GpuAdam> {
  const name = config.type === 'adamw' ? 'AdamW' : 'Adam';
  const { ctx } = model;
  const owner = `${model.owner}:optimizer`;
  const n = model.params.whole.size;
  if (model.grads.whole.size !== n) throw new Error(`${name}: gradients have ${model.grads.whole.size} elements, parameters ${n}`);

  const scalarData = new Float32Array(SCALARS);
  const scalars = tensorView(ctx.pool.acquire(`${owner}:adam-scalars`, SCALARS * BYTES_PER_ELEMENT, owner), [SCALARS], { label: `${owner}:adam-scalars` });
  const zeros = new Float32Array(n);
  const expAvg = ctx.pool.tensor(`${owner}:exp-avg`, [n], owner);
  const expAvgSq = ctx.pool.tensor(`${owner}:exp-avg-sq`, [n], owner);
  for (const state of [expAvg, expAvgSq]) ctx.device.queue.writeBuffer(state.buffer, state.offset, zeros);

  const groupTable = createGroupTable(model, owner, groups, config.weight_decay);

  const plan = new ComputePlan(ctx, `${owner}:${config.type}`, owner);
  plan.add({
    op: 'adam_update',
    shader: withParamGroups(updateShader),
    constants: { WG: ELEMENTWISE_WORKGROUP, DECOUPLED: config.type === 'adamw' ? 1 : 0 },
    bindings: [scalars, model.grads.whole, model.params.whole, expAvg, expAvgSq, groupTable],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
  try {
    await plan.compile();
  } catch (error) {
    ctx.pool.releaseOwner(owner);
    throw error;
  }

  const [beta1, beta2] = config.betas;
  let prepared = -1;
  return {
    config,
    expAvg,
    expAvgSq,
    get stateBytes() {
      return ctx.pool.bytesHeldBy(owner);
    },
    prepare(step: number, lr: number): void {
      const { stepSize, biasCorrection2Sqrt } = adamStepScalars(config, step, lr);
      scalarData.set([stepSize, biasCorrection2Sqrt, config.eps, beta1, 1 - beta1, beta2, 1 - beta2, lr]);
      ctx.device.queue.writeBuffer(scalars.buffer, scalars.offset, scalarData);
      prepared = step;
    },
    encode(pass: GPUComputePassEncoder, step: number): void {
      if (step !== prepared) throw new Error(`${name}: encode(step ${step}) needs prepare(${step}) first (last prepared: ${prepared})`);
      plan.encode(pass);
    },
    destroy(): void {
      plan.dispose();
      ctx.pool.releaseOwner(owner);
    },
  };
}
