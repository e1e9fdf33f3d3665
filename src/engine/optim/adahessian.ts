// AdaHessian on the GPU. After the training step's forward and backward (g in model.grads),
// the same pass records: a copy of the ReLU and max-pool inputs (the smooth piece of the loss),
// θ + εv into a scratch parameter buffer, a gradient there into G+, θ − εv, a gradient into G−
// (both with the frozen piece and without touching running statistics), then one update
// dispatch that forms D = |G+ − G−| / (2ε), window-averaged for convolution weights, and
// applies the Adam-style step. Two extra forward+backward passes, one submit, nothing created.

import { KeptReadback } from '../gpu/kept-readback';
import entriesSource from '../../../shaders/adahessian/entries.wgsl?raw';
import perturbShader from '../../../shaders/adahessian/perturb.wgsl?raw';
import updateShader from '../../../shaders/adahessian/update.wgsl?raw';
import { ComputePlan, f32, gridFor, u32 } from '../gpu/compute-plan';
import type { FlatBuffer } from '../gpu/flat-buffer';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';
import { withPhilox } from '../kernels/philox/philox';
import { ELEMENTWISE_WORKGROUP } from '../kernels/workgroups';
import type { GpuModel } from '../nn/gpu-model';
import { ADAHESSIAN_EPSILON, adaHessianStepScalars, hessianWindow, type AdaHessianConfig } from './adahessian.ref';
import { createGroupTable, withParamGroups } from './group-table';
import { DEFAULT_RANDOMNESS, type GpuOptimizer, type OptimizerRandomness } from './optimizer';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';

/** Where entries.wgsl finds the step's float scalars and the parameter table in the step table. */
const STEP_SCALARS = 1;
const STEP_ENTRIES = 16;
const SCALARS = 10;
const NO_STEP = 0xffffffff;

export interface GpuAdaHessian extends GpuOptimizer {
  readonly config: AdaHessianConfig;
  readonly epsilon: number;
  /** m, laid out like `model.params`. */
  readonly expAvg: GpuTensor;
  /** v (second moments of D), laid out like `model.params`. */
  readonly expHessianDiagSq: GpuTensor;
  /** The gradients at θ + εv and θ − εv of the last step. */
  readonly gradsPlus: FlatBuffer;
  readonly gradsMinus: FlatBuffer;
  /** Dispatches the optimizer adds to a step: the kink copies, two perturbations, two gradient passes and the update. */
  readonly dispatchesPerStep: number;
  /** "AdaHessian: the Hessian diagonal of <parameter> became non-finite at step <n>" (n from 1), or null. */
  checkFactors(): Promise<string | null>;
}

export interface AdaHessianOptions {
  /** The difference step; ADAHESSIAN_EPSILON unless given (tests measure others). */
  epsilon?: number;
  /** The Philox key of the Rademacher vectors: the run's seed and index. */
  randomness?: OptimizerRandomness;
  /** Each tensor's lr scale and weight decay (the run's parameter groups). */
  groups?: ResolvedParameterGroups;
}

export async function createAdaHessian(model: GpuModel, config: AdaHessianConfig, options: AdaHessianOptions = {}): Promise<GpuAdaHessian> {
  const { ctx } = model;
  const owner = `${model.owner}:optimizer`;
  const epsilon = options.epsilon ?? ADAHESSIAN_EPSILON;
  const randomness = options.randomness ?? DEFAULT_RANDOMNESS;
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`AdaHessian: the difference step must be a positive number, got ${epsilon}`);
  const { layout } = model.params;
  const n = layout.totalElements;
  const entries = layout.entries;
  const windows = entries.map((entry) => hessianWindow(entry.name, entry.shape));

  const stepTableData = new Uint32Array(STEP_ENTRIES + 3 * entries.length);
  entries.forEach((entry, e) => stepTableData.set([entry.offset, entry.size, windows[e]], STEP_ENTRIES + 3 * e));
  const scalarView = new Float32Array(stepTableData.buffer, STEP_SCALARS * BYTES_PER_ELEMENT, SCALARS);
  const stepTable = ctx.pool.tensor(`${owner}:adahessian-step`, [stepTableData.length], owner, 'u32');
  ctx.device.queue.writeBuffer(stepTable.buffer, stepTable.offset, stepTableData);
  const moments = ctx.pool.tensor(`${owner}:adahessian-moments`, [2 * n], owner);
  ctx.device.queue.writeBuffer(moments.buffer, moments.offset, new Float32Array(2 * n));
  const expAvg = tensorView(moments.buffer, [n], { offset: moments.offset, label: `${owner}:exp-avg` });
  const expHessianDiagSq = tensorView(moments.buffer, [n], { offset: moments.offset + n * BYTES_PER_ELEMENT, label: `${owner}:exp-hessian-diag-sq` });
  const status = ctx.pool.tensor(`${owner}:adahessian-status`, [2], owner, 'u32');
  ctx.device.queue.writeBuffer(status.buffer, status.offset, Uint32Array.of(NO_STEP, NO_STEP));
  const statusReadback = new KeptReadback(ctx, status, owner);
  // The update's eighth storage binding: WebGPU's default limit per stage is eight.
  const groupTable = createGroupTable(model, owner, options.groups ?? NO_PARAMETER_GROUPS, config.weight_decay);
  const perturbed = model.createParameterBuffer(`${owner}:perturbed-params`, owner);
  const gradsPlus = model.createParameterBuffer(`${owner}:grads-plus`, owner);
  const gradsMinus = model.createParameterBuffer(`${owner}:grads-minus`, owner);
  const kinks = model.createKinkSnapshot(owner);

  const plan = new ComputePlan(ctx, `${owner}:adahessian`, owner);
  const perturb = (h: number) =>
    plan.add({
      op: 'adahessian_perturb',
      shader: withPhilox(`${perturbShader}\n${entriesSource}`),
      constants: { WG: ELEMENTWISE_WORKGROUP },
      uniforms: [u32(n), u32(entries.length), u32(randomness.seed), u32(randomness.stream), f32(h)],
      bindings: [stepTable, model.params.whole, perturbed.whole],
      workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
    });
  model.recordKinkSnapshot(plan, kinks);
  perturb(epsilon);
  model.recordGradientPass(plan, { params: perturbed, grads: gradsPlus, kinks });
  perturb(-epsilon);
  model.recordGradientPass(plan, { params: perturbed, grads: gradsMinus, kinks });
  plan.add({
    op: 'adahessian_update',
    shader: withParamGroups(`${updateShader}\n${entriesSource}`),
    constants: { WG: ELEMENTWISE_WORKGROUP },
    uniforms: [u32(n), u32(entries.length)],
    bindings: [stepTable, model.grads.whole, gradsPlus.whole, gradsMinus.whole, model.params.whole, moments, status, groupTable],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
  try {
    await plan.compile();
  } catch (error) {
    plan.dispose();
    ctx.pool.releaseOwner(owner);
    throw error;
  }

  const [beta1, beta2] = config.betas;
  let prepared = -1;
  return {
    config,
    epsilon,
    expAvg,
    expHessianDiagSq,
    gradsPlus,
    gradsMinus,
    dispatchesPerStep: plan.dispatchCount,
    get stateBytes() {
      return ctx.pool.bytesHeldBy(owner);
    },
    prepare(step: number, lr: number): void {
      const { stepSize, invBiasCorrection2Pow } = adaHessianStepScalars(config, step, lr);
      stepTableData[0] = step;
      scalarView.set([stepSize, beta1, 1 - beta1, beta2, 1 - beta2, invBiasCorrection2Pow, config.hessian_power, config.eps, lr, 1 / (2 * epsilon)]);
      ctx.device.queue.writeBuffer(stepTable.buffer, stepTable.offset, stepTableData, 0, STEP_ENTRIES);
      prepared = step;
    },
    encode(pass: GPUComputePassEncoder, step: number): void {
      if (step !== prepared) throw new Error(`AdaHessian: encode(step ${step}) needs prepare(${step}) first (last prepared: ${prepared})`);
      plan.encode(pass);
    },
    stageFactorCheck(encoder: GPUCommandEncoder): void {
      statusReadback.stage(encoder);
    },
    async checkFactors(): Promise<string | null> {
      const [step, entry] = await statusReadback.readU32();
      if (step === NO_STEP) return null;
      return `AdaHessian: the Hessian diagonal of ${entries[entry]?.name ?? `parameter ${entry}`} became non-finite at step ${step + 1}`;
    },
    destroy(): void {
      plan.dispose();
      ctx.pool.releaseOwner(owner);
    },
  };
}
