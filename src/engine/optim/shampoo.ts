// Shampoo on the GPU, as shampoo.ref.ts writes it in float64 (ASDL's ShampooGradientMaker, then
// the clipped SGD tail). Two recorded plans:
//   curvature (when step % interval == 0): S_i += G_(i) G_(i)^T for every statistic (the gram
//     kernel on the gradient seen as (pre, d_i, post), accumulating), then ComputePower on all
//     statistics at once (kernels/matrix-root: one set of dispatches for every matrix);
//   precondition (every step): the raw gradients copied once, then per parameter the chain of
//     mode products G x_0 P_0 x_1 P_1 ... (batched matmuls over `pre`), the last one writing the
//     model's gradient; parameters without a statistic keep their raw gradient.
// The clip and the SGD update follow in the same pass. Nothing is created or read back in a step;
// the first non-finite root is kept in a three-word status that checkFactors reads.

import copyShader from '../../../shaders/shampoo/copy.wgsl?raw';
import { ComputePlan, gridFor } from '../gpu/compute-plan';
import { FlatBuffer } from '../gpu/flat-buffer';
import { KeptReadback } from '../gpu/kept-readback';
import { reshape, tensorView, type GpuTensor } from '../gpu/tensor';
import { readTensor, writeTensor } from '../gpu/transfer';
import { gram, gramPartialsSize } from '../kernels/gram/gram';
import { middleAxisPatches } from '../kernels/gram/patch-geometry';
import { batchedMatmul } from '../kernels/matmul/matmul';
import { createInverseRoots, type InverseRootBatch, type MatrixRootState } from '../kernels/matrix-root/matrix-root';
import { GPU_EXPONENTS } from '../kernels/matrix-root/matrix-root-shape';
import { matrixView, type MatrixTable } from '../kernels/matrix-table';
import { ELEMENTWISE_WORKGROUP } from '../kernels/workgroups';
import type { GpuModel } from '../nn/gpu-model';
import { createClippedSgd, type ClippedSgd } from './clipped-sgd';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { DEFAULT_RANDOMNESS, type GpuOptimizer, type OptimizerRandomness } from './optimizer';
import { checkStep } from './sgd.ref';
import { checkShampooConfig, INITIAL_STATISTIC_SCALE, shampooPlan, statisticsTable, type ShampooConfig, type ShampooPlan } from './shampoo.ref';

export type { ShampooConfig };

export interface GpuShampoo extends GpuOptimizer {
  readonly config: ShampooConfig;
  readonly plan: ShampooPlan;
  readonly table: MatrixTable | null;
  /** Shampoo's own dispatches (the clip and SGD follow): the statistics and roots on curvature steps, the mode products every step. */
  readonly dispatches: { readonly curvature: number; readonly precondition: number };
  /** The packed statistics and roots, read back (tests and diagnostics). */
  readStatistics(): Promise<Float32Array>;
  readRoots(): Promise<Float32Array>;
  /** Each statistic's last ComputePower: how it stopped, its Newton steps, λmax. */
  readRootStates(): Promise<MatrixRootState[]>;
}

const BYTES = 4;

/**
 * Refuses, before anything is made, a statistic (or all of them together) larger than one
 * storage binding of the device can hold; max_factor_dim is the way to leave a dimension out.
 */
function checkStatisticSizes(model: GpuModel, config: ShampooConfig, plan: ShampooPlan, table: MatrixTable | null): void {
  const limit = Math.min(model.ctx.adapter.maxStorageBufferBindingSize, model.ctx.adapter.maxBufferSize);
  for (const factor of plan.factors) {
    const bytes = factor.n * factor.n * BYTES;
    if (bytes > limit) {
      throw new Error(
        `Shampoo: the statistic of ${factor.param} along dimension ${factor.dim} is ${factor.n} x ${factor.n} (${bytes} bytes), over this device's ` +
          `storage buffer limit of ${limit} bytes; set optimizer.max_factor_dim below ${factor.n} (now ${config.max_factor_dim}) to leave that dimension without a statistic`,
      );
    }
  }
  if (table && table.totalElements * BYTES > limit) {
    const largest = plan.factors.reduce((a, b) => (b.n > a.n ? b : a));
    throw new Error(
      `Shampoo: the statistics of ${model.graph.preset} take ${table.totalElements * BYTES} bytes together, over this device's storage buffer limit of ` +
        `${limit} bytes; lower optimizer.max_factor_dim (now ${config.max_factor_dim}) below ${largest.n} to leave the largest (${largest.param}, dimension ${largest.dim}) without a statistic`,
    );
  }
}

/** I times `scale` at every matrix of the table (the statistics' 1e-12 I start, the roots' I). */
function scaledIdentities(table: MatrixTable, scale: number): Float32Array<ArrayBuffer> {
  const values = new Float32Array(table.totalElements);
  for (const { offset, n } of table.entries) for (let i = 0; i < n; i++) values[offset + i * n + i] = scale;
  return values;
}

/** `groups`: each tensor's lr and weight decay in the SGD tail (torch.optim.SGD's param_groups under ASDL's gradient maker). */
export async function createShampoo(
  model: GpuModel,
  config: ShampooConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): Promise<GpuShampoo> {
  checkShampooConfig(config);
  const { ctx } = model;
  const { pool } = ctx;
  const owner = `${model.owner}:optimizer`;
  const plan = shampooPlan(model.specs, config.max_factor_dim);
  const table = statisticsTable(plan, ctx.storageAlignment);
  checkStatisticSizes(model, config, plan, table);
  for (const factor of plan.factors) {
    if (!(GPU_EXPONENTS as readonly number[]).includes(factor.p)) {
      throw new Error(
        `Shampoo: ${factor.param} has ${factor.p / 2} dimensions, so its root exponent is -1/${factor.p}; the GPU forms T^p by repeated squaring and takes p in ${GPU_EXPONENTS.join(', ')}`,
      );
    }
  }

  const curvaturePlan = new ComputePlan(ctx, `${owner}:shampoo-curvature`, owner);
  const preconditionPlan = new ComputePlan(ctx, `${owner}:shampoo-precondition`, owner);
  let tail: ClippedSgd | null = null;
  try {
    tail = await createClippedSgd(model, config, 'Shampoo', groups);
    const step = pool.tensor(`${owner}:shampoo-step`, [1], owner, 'u32');
    const status = pool.tensor(`${owner}:shampoo-status`, [3], owner, 'u32');
    writeTensor(ctx, step, [0]);
    writeTensor(ctx, status, [0, 0, 0]);
    let statistics: GpuTensor | null = null;
    let roots: GpuTensor | null = null;
    let rootBatch: InverseRootBatch | null = null;

    if (table) {
      statistics = pool.tensor(`${owner}:shampoo-statistics`, [table.totalElements], owner);
      roots = pool.tensor(`${owner}:shampoo-roots`, [table.totalElements], owner);
      writeTensor(ctx, statistics, scaledIdentities(table, INITIAL_STATISTIC_SCALE));
      writeTensor(ctx, roots, scaledIdentities(table, 1));

      // S_i += G_(i) G_(i)^T: the gradient as (pre, d_i, post) is gram's (batch, channels, height) geometry.
      const patches = plan.factors.map((factor) => middleAxisPatches(factor.pre, factor.n, factor.post));
      const partialsSize = Math.max(0, ...patches.map(gramPartialsSize));
      const partials = partialsSize > 0 ? pool.tensor(`${owner}:shampoo-gram-partials`, [partialsSize], owner) : null;
      plan.factors.forEach((factor, index) => {
        const grad = reshape(model.grads.view(factor.param), [factor.pre * factor.n * factor.post]);
        gram(curvaturePlan, matrixView(statistics!, table, index), grad, patches[index], { scale: 1, accumulate: true, partials });
      });
      rootBatch = createInverseRoots(ctx, owner, {
        statistics,
        roots,
        table,
        exponents: plan.factors.map((factor) => factor.p),
        step,
        status,
        seed: randomness.seed,
        stream: randomness.stream,
        damping: config.damping,
      });
      rootBatch.record(curvaturePlan);

      // G x_i P_i for the factored dimensions in order, from a copy of the raw gradients through
      // two scratch buffers (a dispatch cannot read and write one buffer) to the model's gradient.
      const raw = new FlatBuffer(model.grads.layout, pool, `${owner}:shampoo-raw-grads`, owner);
      preconditionPlan.add({
        op: 'shampoo_copy_grads',
        shader: copyShader,
        constants: { WG: ELEMENTWISE_WORKGROUP },
        bindings: [model.grads.whole, raw.whole],
        workgroups: gridFor(raw.whole.size, ELEMENTWISE_WORKGROUP),
      });
      const chained = plan.parameters.filter((parameter) => parameter.factors.length > 1);
      const scratchSize = Math.max(0, ...chained.map((parameter) => parameter.shape.reduce((a, b) => a * b, 1)));
      const scratch = scratchSize > 0 ? [0, 1].map((i) => pool.tensor(`${owner}:shampoo-chain-${i}`, [scratchSize], owner)) : [];
      for (const parameter of plan.parameters) {
        const size = parameter.shape.reduce((a, b) => a * b, 1);
        const flat = (tensor: GpuTensor) => tensorView(tensor.buffer, [size], { offset: tensor.offset, label: tensor.label });
        let source = flat(raw.view(parameter.name));
        parameter.factors.forEach((index, position) => {
          const last = position === parameter.factors.length - 1;
          const target = last ? flat(model.grads.view(parameter.name)) : flat(scratch[position % 2]);
          const { pre, n, post } = plan.factors[index];
          const root = matrixView(roots!, table, index);
          if (post === 1) {
            // The last dimension: one (pre x n)(n x n) product.
            batchedMatmul(preconditionPlan, target, source, root, { m: pre, n, k: n, transposeA: false, transposeB: false, alpha: 1, beta: 0 });
          } else {
            // out[i] = P^T G[i] for each of the pre (n x post) slices.
            batchedMatmul(preconditionPlan, target, root, source, {
              m: n,
              n: post,
              k: n,
              transposeA: true,
              transposeB: false,
              alpha: 1,
              beta: 0,
              batch: pre,
              strideA: 0,
              strideB: n * post,
              strideC: n * post,
            });
          }
          source = target;
        });
      }
    }
    await Promise.all([curvaturePlan.compile(), preconditionPlan.compile()]);

    const statusReadback = new KeptReadback(ctx, status, owner);
    let prepared = -1;
    const clippedSgd = tail;
    return {
      config,
      plan,
      table,
      dispatches: { curvature: curvaturePlan.dispatchCount, precondition: preconditionPlan.dispatchCount },
      get stateBytes() {
        return pool.bytesHeldBy(owner);
      },
      prepare(stepIndex: number, lr: number): void {
        checkStep('Shampoo', stepIndex);
        ctx.device.queue.writeBuffer(step.buffer, step.offset, Uint32Array.of(stepIndex));
        clippedSgd.prepare(stepIndex, lr);
        prepared = stepIndex;
      },
      encode(pass: GPUComputePassEncoder, stepIndex: number): void {
        if (stepIndex !== prepared) throw new Error(`Shampoo: encode(step ${stepIndex}) needs prepare(${stepIndex}) first (last prepared: ${prepared})`);
        if (stepIndex % config.interval === 0) curvaturePlan.encode(pass);
        preconditionPlan.encode(pass);
        clippedSgd.encode(pass, stepIndex);
      },
      stageFactorCheck(encoder: GPUCommandEncoder): void {
        statusReadback.stage(encoder);
      },
      async checkFactors(): Promise<string | null> {
        const words = await statusReadback.readU32();
        if (words[0] === 0) return null;
        const factor = plan.factors[words[1]];
        return `Shampoo: the preconditioner of ${factor.param} for dimension ${factor.dim} (${factor.n} x ${factor.n}) became non-finite at step ${words[2]}`;
      },
      async readStatistics() {
        return statistics ? readTensor(ctx, statistics) : new Float32Array(0);
      },
      async readRoots() {
        return roots ? readTensor(ctx, roots) : new Float32Array(0);
      },
      async readRootStates() {
        return rootBatch ? rootBatch.readState() : [];
      },
      destroy(): void {
        curvaturePlan.dispose();
        preconditionPlan.dispose();
        clippedSgd.destroy();
        pool.releaseOwner(owner);
      },
    };
  } catch (error) {
    curvaturePlan.dispose();
    preconditionPlan.dispose();
    tail?.destroy();
    pool.releaseOwner(owner);
    throw error;
  }
}
