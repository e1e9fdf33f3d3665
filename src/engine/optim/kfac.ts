// K-FAC on the GPU as AdaFisher's CIFAR experiments ran it (ASDL's KfacGradientMaker with the
// Monte-Carlo Fisher, around SGD with clipping); kfac.ref.ts is the float64 twin and
// docs/optimizers.md the arithmetic. Three recorded plans, appended to the model's step:
//   curvature (step % interval == 0, and the first step taken): one label per prediction row
//     drawn from softmax(logits) with Philox, the gradient pass of those labels into scratch
//     gradients (the layer inputs and output gradients then hold its values, model.grads keeps
//     the true gradient), the factors A and B of every Conv2d and Linear layer, the damping
//     split from their traces, A⁻¹ and B⁻¹ (batched Cholesky; the Woodbury identity for a Linear
//     layer whose input has fewer rows than columns), and the non-finite check;
//   preconditioning (every step): weight gradient <- B⁻¹ G A⁻¹, bias gradient <- B⁻¹ g;
//   the clipped SGD tail (clipped-sgd.ts).
// Nothing is created or read back during a step; checkFactors reads two words when asked.

import { KeptReadback } from '../gpu/kept-readback';
import { ComputePlan } from '../gpu/compute-plan';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';
import { writeTensor } from '../gpu/transfer';
import { choleskyInverse } from '../kernels/cholesky/cholesky';
import { gram, gramPartialsSize } from '../kernels/gram/gram';
import { middleAxisPatches, type PatchGeometry } from '../kernels/gram/patch-geometry';
import { packBiasTable } from '../kernels/kfac-bias/kfac-bias-layout';
import { kfacBias } from '../kernels/kfac-bias/kfac-bias';
import { packDampingTable } from '../kernels/kfac-damping/kfac-damping-layout';
import { kfacDamping } from '../kernels/kfac-damping/kfac-damping';
import { packStatusTable } from '../kernels/kfac-status/kfac-status-layout';
import { kfacStatus } from '../kernels/kfac-status/kfac-status';
import { woodburyFinish } from '../kernels/kfac-woodbury/kfac-woodbury';
import { batchedMatmul } from '../kernels/matmul/matmul';
import { matrixView } from '../kernels/matrix-table';
import { sampleLabels } from '../kernels/sample-labels/sample-labels';
import type { GpuModel } from '../nn/gpu-model';
import { createClippedSgd, type ClippedSgd } from './clipped-sgd';
import { NO_PARAMETER_GROUPS, type ResolvedParameterGroups } from './param-groups';
import { kfacLayers, type KfacLayer } from './kfac-factors.ref';
import { kfacBanks, type KfacBank } from './kfac-layout';
import { checkKfacConfig, type KfacConfig } from './kfac.ref';
import { DEFAULT_RANDOMNESS, type GpuOptimizer, type OptimizerRandomness } from './optimizer';
import { checkStep } from './sgd.ref';

export type { KfacConfig };

/** One layer's tensors: the model's, and its factors' and inverses' views. */
export interface GpuKfacLayer {
  readonly layer: KfacLayer;
  readonly input: GpuTensor;
  readonly outputGrad: GpuTensor;
  readonly weightGrad: GpuTensor;
  readonly biasGrad: GpuTensor | null;
  /** A (d x d), or K = s·XXᵀ (rows x rows) on the Woodbury route. */
  readonly aFactor: GpuTensor;
  readonly bFactor: GpuTensor;
  readonly aInverse: GpuTensor;
  readonly bInverse: GpuTensor;
  /** K⁻¹ on the Woodbury route. */
  readonly kInverse: GpuTensor | null;
}

export interface GpuKfac extends GpuOptimizer {
  readonly config: KfacConfig;
  readonly layers: readonly GpuKfacLayer[];
  readonly banks: readonly KfacBank[];
  /** The labels drawn at the last curvature step (u32, one per prediction row). */
  readonly sampledLabels: GpuTensor;
  /** Per bank, the λ_A, λ_B of each layer (2k, 2k + 1) from the last curvature step. */
  readonly ridges: readonly GpuTensor[];
  readonly tail: ClippedSgd;
  checkFactors(): Promise<string | null>;
}

/** The output gradient (B, C, H, W) or (rows, out) as rows of the channel axis, for B's Gram. */
function outputPatches(layer: KfacLayer): PatchGeometry {
  const { patch } = layer;
  return middleAxisPatches(patch.batch, layer.bDim, patch.outHeight * patch.outWidth);
}

/** `groups`: each tensor's lr and weight decay in the SGD tail (torch.optim.SGD's param_groups under ASDL's gradient maker). */
export async function createKfac(
  model: GpuModel,
  config: KfacConfig,
  randomness: OptimizerRandomness = DEFAULT_RANDOMNESS,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): Promise<GpuKfac> {
  checkKfacConfig(config);
  if (config.variant !== 'asdl') throw new Error(`K-FAC: createKfac runs the asdl variant, got "${config.variant}"`);
  const { ctx, graph } = model;
  const { pool, device } = ctx;
  const owner = `${model.owner}:optimizer`;
  const layers = kfacLayers(graph, model.shapes, model.batch, model.rows);
  // Refused before any buffer is made.
  const banks = kfacBanks(layers, ctx.adapter.maxStorageBufferBindingSize, ctx.storageAlignment);

  const curvaturePlan = new ComputePlan(ctx, `${owner}:curvature`, owner);
  const preconditionPlan = new ComputePlan(ctx, `${owner}:precondition`, owner);
  let tail: ClippedSgd | null = null;
  try {
    const modelLayers = new Map(model.layers.map((tensors) => [tensors.node.name, tensors]));
    const u32Tensor = (name: string, values: ArrayLike<number>) => {
      const tensor = pool.tensor(`${owner}:${name}`, [values.length], owner, 'u32');
      writeTensor(ctx, tensor, values);
      return tensor;
    };
    const step = u32Tensor('step', [0]);
    const status = u32Tensor('status', [0, 0]);
    const sampled = pool.tensor(`${owner}:sampled-labels`, [model.rows], owner, 'u32');
    const scratchGrads = model.createParameterBuffer(`${owner}:sampled-label-grads`, owner);
    const statusReadback = new KeptReadback(ctx, status, owner);

    // Scratch shared by the layers, which run one after another in the pass.
    const largest = (values: number[]) => Math.max(1, ...values);
    const partialsSize = largest(layers.flatMap((layer) => [layer.woodbury ? 0 : gramPartialsSize(layer.patch), gramPartialsSize(outputPatches(layer))]));
    const partials = partialsSize > 1 ? pool.tensor(`${owner}:gram-partials`, [partialsSize], owner) : null;
    const products = pool.tensor(`${owner}:products`, [largest(layers.map((layer) => layer.bDim * layer.aDim))], owner);
    const woodburyRows = pool.tensor(`${owner}:woodbury-rows`, [largest(layers.map((layer) => (layer.woodbury ? layer.patchRows * layer.aDim : 0)))], owner);

    const gpuLayers: GpuKfacLayer[] = new Array(layers.length);
    const ridges: GpuTensor[] = [];
    const bankTensors = banks.map((bank, b) => {
      const factors = pool.tensor(`${owner}:factors:${b}`, [bank.factors.totalElements], owner);
      const inverses = pool.tensor(`${owner}:inverses:${b}`, [bank.inverseElements], owner);
      const choleskyOut = tensorView(inverses.buffer, [bank.factors.totalElements], { label: `${owner}:cholesky:${b}` });
      const ridge = pool.tensor(`${owner}:ridges:${b}`, [2 * bank.layers.length], owner);
      ridges.push(ridge);
      bank.layers.forEach((index, k) => {
        const layer = layers[index];
        const tensors = modelLayers.get(layer.name)!;
        const woodburyOffset = bank.woodburyOffsets.get(index);
        const aFactor = matrixView(factors, bank.factors, 2 * k, `${owner}:${layer.name}:${layer.woodbury ? 'K' : 'A'}`);
        const kInverse = layer.woodbury ? matrixView(choleskyOut, bank.factors, 2 * k, `${owner}:${layer.name}:K⁻¹`) : null;
        const aInverse =
          woodburyOffset === undefined
            ? matrixView(choleskyOut, bank.factors, 2 * k, `${owner}:${layer.name}:A⁻¹`)
            : tensorView(inverses.buffer, [layer.aDim, layer.aDim], { offset: woodburyOffset * BYTES_PER_ELEMENT, label: `${owner}:${layer.name}:A⁻¹` });
        gpuLayers[index] = {
          layer,
          input: tensors.input,
          outputGrad: tensors.outputGrad,
          weightGrad: tensors.weightGrad,
          biasGrad: tensors.biasGrad,
          aFactor,
          bFactor: matrixView(factors, bank.factors, 2 * k + 1, `${owner}:${layer.name}:B`),
          aInverse,
          bInverse: matrixView(choleskyOut, bank.factors, 2 * k + 1, `${owner}:${layer.name}:B⁻¹`),
          kInverse,
        };
      });
      const dampingTable = u32Tensor(
        `damping-table:${b}`,
        packDampingTable(
          bank.layers.map((index, k) => ({
            aOffset: bank.factors.entries[2 * k].offset,
            aSide: bank.factors.entries[2 * k].n,
            aDim: layers[index].aDim,
            bOffset: bank.factors.entries[2 * k + 1].offset,
            bSide: layers[index].bDim,
            ridgeA: 2 * k,
            ridgeB: 2 * k + 1,
          })),
        ),
      );
      const inverseOffset = (view: GpuTensor) => (view.offset - inverses.offset) / BYTES_PER_ELEMENT;
      const statusTable = packStatusTable(
        bank.layers.flatMap((index) => [
          { offset: inverseOffset(gpuLayers[index].aInverse), count: layers[index].aDim ** 2 },
          { offset: inverseOffset(gpuLayers[index].bInverse), count: layers[index].bDim ** 2 },
        ]),
      );
      const biased = bank.layers.filter((index) => layers[index].hasBias);
      const bias = packBiasTable(
        biased.map((index) => ({
          gradOffset: gpuLayers[index].biasGrad!.offset / BYTES_PER_ELEMENT,
          inverseOffset: inverseOffset(gpuLayers[index].bInverse),
          side: layers[index].bDim,
        })),
      );
      return {
        bank,
        factors,
        inverses,
        choleskyOut,
        ridge,
        table: u32Tensor(`cholesky-table:${b}`, bank.factors.words),
        dampingTable,
        statusTable: u32Tensor(`status-table:${b}`, statusTable.words),
        statusChunks: statusTable.chunks,
        flags: u32Tensor(`status-flags:${b}`, new Uint32Array(2 * bank.layers.length)),
        biasTable: biased.length > 0 ? u32Tensor(`bias-table:${b}`, bias.words) : null,
        biasScratch: bias.scratch,
        biasMaxSide: largest(biased.map((index) => layers[index].bDim)),
      };
    });
    const biasScratch = pool.tensor(`${owner}:bias-scratch`, [largest(bankTensors.map((bank) => bank.biasScratch))], owner);

    // Curvature: the sampled labels' gradient pass, the factors, the dampings, the inverses.
    if (layers.length > 0) {
      sampleLabels(curvaturePlan, sampled, model.activation(graph.output), model.labels, step, model.rows, graph.classes, randomness.seed, randomness.stream);
      model.recordGradientPass(curvaturePlan, { grads: scratchGrads, labels: sampled, forward: false });
    }
    for (const gpuLayer of gpuLayers) {
      const { layer } = gpuLayer;
      curvaturePlan.within(layer.name, null, () => {
        if (layer.woodbury) {
          const rows = layer.patchRows;
          const spec = { m: rows, n: rows, k: layer.aDim, transposeA: false, transposeB: true, alpha: layer.aScale, beta: 0 };
          batchedMatmul(curvaturePlan, gpuLayer.aFactor, gpuLayer.input, gpuLayer.input, spec);
        } else {
          gram(curvaturePlan, gpuLayer.aFactor, gpuLayer.input, layer.patch, { scale: layer.aScale, accumulate: false, partials });
        }
        gram(curvaturePlan, gpuLayer.bFactor, gpuLayer.outputGrad, outputPatches(layer), { scale: layer.bScale, accumulate: false, partials });
      });
    }
    let base = 0;
    for (const bank of bankTensors) {
      kfacDamping(curvaturePlan, bank.ridge, bank.factors, bank.dampingTable, config.damping);
      choleskyInverse(curvaturePlan, bank.choleskyOut, bank.factors, bank.ridge, bank.table, bank.bank.factors);
      bank.bank.layers.forEach((index, k) => {
        const { layer, input, aInverse, kInverse } = gpuLayers[index];
        if (!kInverse) return;
        // A⁻¹ = (I − s·Xᵀ K⁻¹ X) / λ_A with K⁻¹ = (s·XXᵀ + λ_A I)⁻¹.
        const rows = layer.patchRows;
        const M = tensorView(woodburyRows.buffer, [rows, layer.aDim], { label: `${owner}:${layer.name}:K⁻¹X` });
        batchedMatmul(curvaturePlan, M, kInverse, input, { m: rows, n: layer.aDim, k: rows, transposeA: false, transposeB: false, alpha: 1, beta: 0 });
        batchedMatmul(curvaturePlan, aInverse, input, M, { m: layer.aDim, n: layer.aDim, k: rows, transposeA: true, transposeB: false, alpha: 1, beta: 0 });
        woodburyFinish(curvaturePlan, aInverse, bank.ridge, layer.aDim, layer.aScale, 2 * k);
      });
      kfacStatus(curvaturePlan, status, bank.flags, bank.inverses, bank.statusTable, bank.statusChunks, step, base);
      base += 2 * bank.bank.layers.length;
    }

    // Preconditioning: G <- B⁻¹ (G A⁻¹) through the products scratch, then every bias in place.
    for (const { layer, weightGrad, aInverse, bInverse } of gpuLayers) {
      const { aDim, bDim } = layer;
      // The weight gradient seen as (bDim, aDim): a convolution's (out, in, k, k) is ASDL's weight.view(out, -1).
      const product = tensorView(products.buffer, [bDim, aDim], { label: `${owner}:${layer.name}:GA⁻¹` });
      preconditionPlan.within(layer.name, null, () => {
        batchedMatmul(preconditionPlan, product, weightGrad, aInverse, { m: bDim, n: aDim, k: aDim, transposeA: false, transposeB: false, alpha: 1, beta: 0 });
        batchedMatmul(preconditionPlan, weightGrad, bInverse, product, { m: bDim, n: aDim, k: bDim, transposeA: false, transposeB: false, alpha: 1, beta: 0 });
      });
    }
    for (const bank of bankTensors) {
      if (bank.biasTable) kfacBias(preconditionPlan, model.grads.whole, bank.inverses, biasScratch, bank.biasTable, bank.biasScratch, bank.biasMaxSide);
    }

    await Promise.all([curvaturePlan.compile(), preconditionPlan.compile()]);
    tail = await createClippedSgd(model, config, 'K-FAC', groups);
    const clipped = tail;

    // Matrix base + f of the status: layer f >> 1 in the list order, A for even f, B for odd.
    const describe = (code: number, atStep: number) => {
      const matrix = code - 1;
      const layer = layers[matrix >> 1];
      return `K-FAC: layer ${layer?.name ?? `#${matrix >> 1}`}'s factor ${matrix % 2 === 0 ? 'A' : 'B'}⁻¹ became non-finite at step ${atStep}`;
    };
    let prepared = -1;
    let curvatureRecorded = false;
    return {
      config,
      layers: gpuLayers,
      banks,
      sampledLabels: sampled,
      ridges,
      tail: clipped,
      get stateBytes() {
        return pool.bytesHeldBy(owner);
      },
      prepare(at: number, lr: number): void {
        checkStep('K-FAC', at);
        if (at > 0xffffffff) throw new Error(`K-FAC: step ${at} does not fit the generator's 32-bit counter`);
        device.queue.writeBuffer(step.buffer, step.offset, Uint32Array.of(at));
        clipped.prepare(at, lr);
        prepared = at;
      },
      encode(pass: GPUComputePassEncoder, at: number): void {
        if (at !== prepared) throw new Error(`K-FAC: encode(step ${at}) needs prepare(${at}) first (last prepared: ${prepared})`);
        // The first step taken computes the curvature whatever its number, so there are always inverses.
        if (at % config.interval === 0 || !curvatureRecorded) {
          curvaturePlan.encode(pass);
          curvatureRecorded = true;
        }
        preconditionPlan.encode(pass);
        clipped.encode(pass, at);
      },
      stageFactorCheck(encoder: GPUCommandEncoder): void {
        statusReadback.stage(encoder);
      },
      async checkFactors(): Promise<string | null> {
        const [code, atStep] = await statusReadback.readU32();
        return code === 0 ? null : describe(code, atStep);
      },
      destroy(): void {
        curvaturePlan.dispose();
        preconditionPlan.dispose();
        clipped.destroy();
        pool.releaseOwner(owner);
      },
    };
  } catch (error) {
    curvaturePlan.dispose();
    preconditionPlan.dispose();
    if (tail) tail.destroy();
    pool.releaseOwner(owner);
    throw error;
  }
}
