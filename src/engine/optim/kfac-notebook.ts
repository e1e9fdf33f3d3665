// The notebook K-FAC (`variant: notebook`) on the GPU; kfac-notebook.ref.ts is the float64 twin
// and states the arithmetic. Three recorded plans, appended to the model's step:
//   measure (step % interval == 0): A's and G's new values from the layer inputs and output
//     gradients the model's true-label pass left (Gram kernel, plus the bias row and column),
//     folded into their running averages;
//   eigen (step % inverse_interval == 0, and the first step taken): Jacobi eigendecompositions
//     of every factor, and the non-finite check;
//   precondition (every step): V = Q_g [(Q_gᵀ P Q_a) ⊘ (d_g d_aᵀ + λ)] Q_aᵀ per layer through
//     matrix products, Σ⟨V, P⟩ as 1 x 1 products, ν·V back into the gradients, the delayed
//     weight decay; then SGD with momentum.
// Nothing is created or read back during a step.

import { KeptReadback } from '../gpu/kept-readback';
import { ComputePlan } from '../gpu/compute-plan';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../gpu/tensor';
import { writeTensor } from '../gpu/transfer';
import { gram, gramPartialsSize } from '../kernels/gram/gram';
import { middleAxisPatches } from '../kernels/gram/patch-geometry';
import { eigenLayout } from '../kernels/kfac-eigen/kfac-eigen-layout';
import { kfacEigen } from '../kernels/kfac-eigen/kfac-eigen';
import {
  notebookAverage,
  notebookBiasLine,
  notebookEigenScale,
  notebookGather,
  notebookScatter,
  notebookWeightDecay,
  type GradientBlock,
} from '../kernels/kfac-notebook/kfac-notebook';
import { packStatusTable } from '../kernels/kfac-status/kfac-status-layout';
import { kfacStatus } from '../kernels/kfac-status/kfac-status';
import { batchedMatmul } from '../kernels/matmul/matmul';
import { matrixTable, packMatrices } from '../kernels/matrix-table';
import type { GpuModel } from '../nn/gpu-model';
import { checkNotebookConfig, notebookLayers, WEIGHT_DECAY_DELAY_INTERVALS, type NotebookLayer } from './kfac-notebook.ref';
import type { KfacConfig } from './kfac.ref';
import type { GpuOptimizer } from './optimizer';
import { checkStep } from './sgd.ref';
import { createSgd } from './sgd';

export interface GpuNotebookKfacLayer {
  readonly layer: NotebookLayer;
  /** The running factors A (aSide²) and G (bDim²). */
  readonly A: GpuTensor;
  readonly G: GpuTensor;
  /** Eigenvectors (columns) and eigenvalues of A and G from the last eigen step. */
  readonly qA: GpuTensor;
  readonly dA: GpuTensor;
  readonly qG: GpuTensor;
  readonly dG: GpuTensor;
}

export interface GpuNotebookKfac extends GpuOptimizer {
  readonly config: KfacConfig;
  readonly layers: readonly GpuNotebookKfacLayer[];
  checkFactors(): Promise<string | null>;
}

export async function createNotebookKfac(model: GpuModel, config: KfacConfig): Promise<GpuNotebookKfac> {
  checkNotebookConfig(config);
  const { ctx, graph } = model;
  const { pool, device } = ctx;
  const owner = `${model.owner}:optimizer`;
  const layers = notebookLayers(graph, model.shapes, model.batch);
  const limit = ctx.adapter.maxStorageBufferBindingSize;
  const factorTable = matrixTable(layers.length > 0 ? layers.flatMap((layer) => [layer.aSide, layer.bDim]) : [1], ctx.storageAlignment);
  const eigen = eigenLayout(
    factorTable.entries.map((entry) => ({ n: entry.n, inOffset: entry.offset })),
    ctx.storageAlignment,
  );
  for (const [what, elements] of [
    ['factors', factorTable.totalElements],
    ['eigendecompositions', eigen.totalElements],
  ] as const) {
    if (elements * BYTES_PER_ELEMENT > limit) {
      throw new Error(
        `K-FAC: the notebook variant's ${what} of ${graph.preset} take ${(elements * BYTES_PER_ELEMENT).toLocaleString('en-US')} bytes, more than this device's maxStorageBufferBindingSize of ${limit.toLocaleString('en-US')} bytes`,
      );
    }
  }

  const measurePlan = new ComputePlan(ctx, `${owner}:measure`, owner);
  const eigenPlan = new ComputePlan(ctx, `${owner}:eigen`, owner);
  const preconditionPlan = new ComputePlan(ctx, `${owner}:precondition`, owner);
  const disposePlans = () => [measurePlan, eigenPlan, preconditionPlan].forEach((plan) => plan.dispose());
  try {
    const modelLayers = new Map(model.layers.map((tensors) => [tensors.node.name, tensors]));
    const u32Tensor = (name: string, values: ArrayLike<number>) => {
      const tensor = pool.tensor(`${owner}:${name}`, [values.length], owner, 'u32');
      writeTensor(ctx, tensor, values);
      return tensor;
    };
    const largest = (values: number[]) => Math.max(1, ...values);
    const step = u32Tensor('step', [0]);
    const status = u32Tensor('status', [0, 0]);
    const statusReadback = new KeptReadback(ctx, status, owner);
    const scalars = pool.tensor(`${owner}:scalars`, [2], owner);
    const vg = pool.tensor(`${owner}:kl-sum`, [1], owner);

    // The factors start at I; the eigen buffer at 0, so its padding stays finite for the check.
    const factors = pool.tensor(`${owner}:factors`, [factorTable.totalElements], owner);
    const identity = (n: number) => Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? 1 : 0));
    writeTensor(
      ctx,
      factors,
      Float32Array.from(
        packMatrices(
          factorTable,
          factorTable.entries.map((entry) => identity(entry.n)),
        ),
      ),
    );
    const eigenBuffer = pool.tensor(`${owner}:eigen`, [eigen.totalElements], owner);
    writeTensor(ctx, eigenBuffer, new Float32Array(eigen.totalElements));
    const view = (tensor: GpuTensor, offset: number, shape: number[], label: string) =>
      tensorView(tensor.buffer, shape, { offset: tensor.offset + offset * BYTES_PER_ELEMENT, label: `${owner}:${label}` });

    // Gradients in matrix form and natural gradients, one aligned slot per layer; shared scratch.
    const align = ctx.storageAlignment / BYTES_PER_ELEMENT;
    let cursor = 0;
    const slots = layers.map((layer) => {
      const offset = Math.ceil(cursor / align) * align;
      cursor = offset + layer.bDim * layer.aSide;
      return offset;
    });
    const slotElements = Math.max(1, Math.ceil(cursor / align) * align);
    const gathered = pool.tensor(`${owner}:gradient-matrices`, [slotElements], owner);
    const naturals = pool.tensor(`${owner}:natural-gradients`, [slotElements], owner);
    const products = pool.tensor(`${owner}:products`, [largest(layers.map((layer) => layer.bDim * layer.aSide))], owner);
    const squares = pool.tensor(`${owner}:new-factor`, [largest(layers.flatMap((layer) => [layer.aDim ** 2, layer.bDim ** 2]))], owner);
    const outputPatches = (layer: NotebookLayer) => middleAxisPatches(layer.patch.batch, layer.bDim, layer.spatial);
    const partialsSize = largest(layers.flatMap((layer) => [gramPartialsSize(layer.patch), gramPartialsSize(outputPatches(layer))]));
    const partials = partialsSize > 1 ? pool.tensor(`${owner}:gram-partials`, [partialsSize], owner) : null;

    const gpuLayers: GpuNotebookKfacLayer[] = layers.map((layer, index) => {
      const a = eigen.entries[2 * index];
      const g = eigen.entries[2 * index + 1];
      return {
        layer,
        A: view(factors, factorTable.entries[2 * index].offset, [layer.aSide, layer.aSide], `${layer.name}:A`),
        G: view(factors, factorTable.entries[2 * index + 1].offset, [layer.bDim, layer.bDim], `${layer.name}:G`),
        qA: view(eigenBuffer, a.outOffset, [a.n, a.n], `${layer.name}:Q_a`),
        dA: view(eigenBuffer, a.valuesOffset, [a.n], `${layer.name}:d_a`),
        qG: view(eigenBuffer, g.outOffset, [g.n, g.n], `${layer.name}:Q_g`),
        dG: view(eigenBuffer, g.valuesOffset, [g.n], `${layer.name}:d_g`),
      };
    });

    // Measure: A_new = Σ ā āᵀ / (B·T²) (bias row and column from the patch sums), G_new = B·T Σ g gᵀ.
    const decay = config.stat_decay;
    for (const [index, { layer }] of gpuLayers.entries()) {
      const tensors = modelLayers.get(layer.name)!;
      const aOffset = factorTable.entries[2 * index].offset;
      const aScale = 1 / (layer.patch.batch * layer.spatial * layer.spatial);
      const newA = view(squares, 0, [layer.aDim, layer.aDim], `${layer.name}:A-new`);
      gram(measurePlan, newA, tensors.input, layer.patch, { scale: aScale, accumulate: false, partials });
      notebookAverage(measurePlan, factors, newA, layer.aDim, layer.aSide, aOffset, decay);
      if (layer.hasBias) notebookBiasLine(measurePlan, factors, tensors.input, layer.patch, aOffset, aScale, decay);
      const newG = view(squares, 0, [layer.bDim, layer.bDim], `${layer.name}:G-new`);
      gram(measurePlan, newG, tensors.outputGrad, outputPatches(layer), { scale: layer.patch.batch * layer.spatial, accumulate: false, partials });
      notebookAverage(measurePlan, factors, newG, layer.bDim, layer.bDim, factorTable.entries[2 * index + 1].offset, decay);
    }

    // Eigen: every factor in one dispatch, then the check of V and the values (A of layer f >> 1 for even f, G for odd).
    const statusTable = packStatusTable(eigen.entries.map((entry) => ({ offset: entry.outOffset, count: entry.valuesOffset + entry.n - entry.outOffset })));
    if (layers.length > 0) {
      kfacEigen(eigenPlan, eigenBuffer, factors, u32Tensor('eigen-table', eigen.words), eigen);
      const flags = u32Tensor('status-flags', new Uint32Array(eigen.entries.length));
      kfacStatus(eigenPlan, status, flags, eigenBuffer, u32Tensor('status-table', statusTable.words), statusTable.chunks, step);
    }

    // Precondition.
    const blocks: GradientBlock[] = gpuLayers.map(({ layer }) => {
      const tensors = modelLayers.get(layer.name)!;
      return {
        rows: layer.bDim,
        cols: layer.aDim,
        weightOffset: tensors.weightGrad.offset / BYTES_PER_ELEMENT,
        biasOffset: tensors.biasGrad ? tensors.biasGrad.offset / BYTES_PER_ELEMENT : null,
      };
    });
    const grads = model.grads.whole;
    const matrices = gpuLayers.map(({ layer }, index) => ({
      P: view(gathered, slots[index], [layer.bDim, layer.aSide], `${layer.name}:P`),
      V: view(naturals, slots[index], [layer.bDim, layer.aSide], `${layer.name}:V`),
      T: view(products, 0, [layer.bDim, layer.aSide], `${layer.name}:product`),
    }));
    for (const [index, { layer, qA, dA, qG, dG }] of gpuLayers.entries()) {
      const { P, V, T } = matrices[index];
      const [m, n] = [layer.bDim, layer.aSide];
      const product = (c: GpuTensor, a: GpuTensor, b: GpuTensor, k: number, transposeA: boolean, transposeB: boolean) =>
        batchedMatmul(preconditionPlan, c, a, b, { m, n, k, transposeA, transposeB, alpha: 1, beta: 0 });
      notebookGather(preconditionPlan, P, grads, blocks[index]);
      product(T, qG, P, m, true, false);
      product(V, T, qA, n, false, false);
      notebookEigenScale(preconditionPlan, V, dG, dA, config.damping);
      product(T, qG, V, m, false, false);
      product(V, T, qA, n, false, true);
      // Σ⟨V, P⟩ as a (1 x mn)(mn x 1) product, added up over the layers.
      batchedMatmul(preconditionPlan, vg, V, P, { m: 1, n: 1, k: m * n, transposeA: false, transposeB: false, alpha: 1, beta: index === 0 ? 0 : 1 });
    }
    for (const [index, block] of blocks.entries()) notebookScatter(preconditionPlan, grads, matrices[index].V, vg, scalars, block, config.kl_clip);
    if (config.weight_decay !== 0) notebookWeightDecay(preconditionPlan, grads, model.params.whole, scalars);

    await Promise.all([measurePlan.compile(), eigenPlan.compile(), preconditionPlan.compile()]);
    const sgd = await createSgd(model, { type: 'sgd', lr: config.lr, momentum: config.momentum, dampening: 0, nesterov: false, weight_decay: 0 });

    const describe = (code: number, atStep: number) => {
      const matrix = code - 1;
      const layer = layers[matrix >> 1];
      return `K-FAC: layer ${layer?.name ?? `#${matrix >> 1}`}'s factor ${matrix % 2 === 0 ? 'A' : 'G'} became non-finite at step ${atStep}`;
    };
    const scalarData = new Float32Array(2);
    let prepared = -1;
    let decomposed = false;
    return {
      config,
      layers: gpuLayers,
      get stateBytes() {
        return pool.bytesHeldBy(owner);
      },
      prepare(at: number, lr: number): void {
        checkStep('K-FAC', at);
        device.queue.writeBuffer(step.buffer, step.offset, Uint32Array.of(at));
        scalarData[0] = lr;
        scalarData[1] = at >= WEIGHT_DECAY_DELAY_INTERVALS * config.interval ? config.weight_decay : 0;
        device.queue.writeBuffer(scalars.buffer, scalars.offset, scalarData);
        sgd.prepare(at, lr);
        prepared = at;
      },
      encode(pass: GPUComputePassEncoder, at: number): void {
        if (at !== prepared) throw new Error(`K-FAC: encode(step ${at}) needs prepare(${at}) first (last prepared: ${prepared})`);
        if (at % config.interval === 0) measurePlan.encode(pass);
        // The first step taken decomposes whatever its number, so there are always eigenvectors.
        if (at % config.inverse_interval === 0 || !decomposed) {
          eigenPlan.encode(pass);
          decomposed = true;
        }
        preconditionPlan.encode(pass);
        sgd.encode(pass, at);
      },
      stageFactorCheck(encoder: GPUCommandEncoder): void {
        statusReadback.stage(encoder);
      },
      async checkFactors(): Promise<string | null> {
        const [code, atStep] = await statusReadback.readU32();
        return code === 0 ? null : describe(code, atStep);
      },
      destroy(): void {
        disposePlans();
        sgd.destroy();
        pool.releaseOwner(owner);
      },
    };
  } catch (error) {
    disposePlans();
    pool.releaseOwner(owner);
    throw error;
  }
}
