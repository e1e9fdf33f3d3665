// AdaFisher and AdaFisherW on the GPU. Every `tcov` steps a measurement plan reads each
// preconditioned layer's input and output gradient (kept by GpuModel after the backward),
// reduces them to the diagonal factor measurements h and s, and folds their min-max
// normalised values into the running factors H_D and S_D; every step an update plan applies
// θ <- θ - step * m / F with F = S_D ⊗ H_D + λ over the whole flat parameter buffer in one
// dispatch. The arithmetic is derived in docs/adafisher.md; adafisher-factors.ref.ts is
// its float64 twin and owns the geometry and parameter mapping both sides use.

import patchSquaresShader from '../../../shaders/adafisher/patch-squares.wgsl?raw';
import channelSumsShader from '../../../shaders/adafisher/channel-sums.wgsl?raw';
import normHShader from '../../../shaders/adafisher/norm-h.wgsl?raw';
import normalizeAverageShader from '../../../shaders/adafisher/normalize-average.wgsl?raw';
import updateShader from '../../../shaders/adafisher/update.wgsl?raw';
import { ComputePlan, f32, gridFor, u32 } from '../gpu/compute-plan';
import { FlatBuffer, flatLayout } from '../gpu/flat-buffer';
import { tensorView, type GpuTensor } from '../gpu/tensor';
import { KeptReadback } from '../gpu/kept-readback';
import { readTensor, writeTensor } from '../gpu/transfer';
import { expectNoAliasing, expectPositiveIntegers, expectSizes } from '../kernels/launch-checks';
import { ELEMENTWISE_WORKGROUP, reductionWorkgroupFor } from '../kernels/workgroups';
import type { GpuModel } from '../nn/gpu-model';
import {
  averageWeights,
  layerGeometry,
  parameterPreconditioners,
  patchColumns,
  patchRows,
  preconditionerStats,
  type LayerGeometry,
  type NormGeometry,
  type PatchGeometry,
} from './adafisher-factors.ref';
import type { AdaFisherConfig } from './adafisher.ref';
import type { GpuOptimizer, PreconditionerStats } from './optimizer';
import { NO_PARAMETER_GROUPS, tensorHyperparameters, type ResolvedParameterGroups } from './param-groups';

export type { AdaFisherConfig };

export interface AdaFisherGpuOptimizer extends GpuOptimizer {
  readonly config: AdaFisherConfig;
  /** Each layer's running factors H_D and S_D, read back from the GPU. */
  factors(): Promise<Map<string, { H: Float32Array; S: Float32Array }>>;
  diagnostics(): Promise<PreconditionerStats[]>;
  /**
   * A read-back of the running factors through a staging buffer made on the first call and
   * kept (the inspector's F̃ over time): stage it in a step's command buffer, read after the
   * submit. Every call returns the same one.
   */
  keptFactors(): KeptFactors;
  /** The last measurement's raw h and s of each layer, before normalising (with H's bias entry); its own submit, for tests. */
  measurements(): Promise<Map<string, { H: Float32Array; S: Float32Array }>>;
}

export interface KeptFactors {
  stage(encoder: GPUCommandEncoder): void;
  /** Each layer's H_D and S_D, in the optimizer's layer order. */
  read(): Promise<Map<string, { H: Float32Array; S: Float32Array }>>;
}

/** Invocations of the one-workgroup reductions over a short vector: a factor being normalised, a norm layer's channel means. */
const SHORT_REDUCTION_WORKGROUP = 64;
/** u32 words per update-table entry: start, size, cols, h, s, kronecker, then lrScale and weight decay as float32 bits. */
export const ENTRY_WORDS = 8;

/** What adafisher/channel-sums.wgsl computes per channel; the values are its MODE constant. */
export const ChannelSum = { squareMean: 0, normMean: 1, squaredSum: 2 } as const;

/** One workgroup per output element, folded over x and y beyond 65535. */
function groupsFor(count: number): [number, number] {
  return gridFor(count, 1) as [number, number];
}

/** h_j = (1/N) sum_n ā[n, j]^2 over im2col patches (Linear: H = W = K = 1), with 1 for the bias column. */
export function patchSquareMeans(plan: ComputePlan, h: GpuTensor, x: GpuTensor, patch: PatchGeometry, hasBias: boolean): void {
  const op = 'patchSquareMeans';
  const { batch, channels, height, width, kernel, stride, padding, outHeight, outWidth } = patch;
  expectPositiveIntegers(op, { batch, channels, height, width, kernel, stride, outHeight, outWidth });
  const columns = patchColumns(patch) + (hasBias ? 1 : 0);
  expectSizes(op, { h }, columns, `C*K*K${hasBias ? '+1' : ''} = ${channels}*${kernel}*${kernel}${hasBias ? '+1' : ''}`);
  expectSizes(op, { x }, batch * channels * height * width, `B*C*H*W = ${batch}*${channels}*${height}*${width}`);
  expectNoAliasing(op, { h }, { x });
  plan.add({
    op: 'adafisher_patch_squares',
    shader: patchSquaresShader,
    constants: { WG: reductionWorkgroupFor(patchRows(patch)), HAS_BIAS: hasBias ? 1 : 0 },
    uniforms: [u32(batch), u32(channels), u32(height), u32(width), u32(kernel), u32(stride), u32(padding), u32(outHeight), u32(outWidth)],
    bindings: [x, h],
    workgroups: groupsFor(columns),
  });
}

function channelSums(op: string, mode: number, plan: ComputePlan, out: GpuTensor, v: GpuTensor, batch: number, channels: number, spatial: number): void {
  expectPositiveIntegers(op, { batch, channels, spatial });
  expectSizes(op, { out }, channels, `C = ${channels}`);
  expectSizes(op, { v }, batch * channels * spatial, `B*C*S = ${batch}*${channels}*${spatial}`);
  expectNoAliasing(op, { out }, { v });
  plan.add({
    op: `adafisher_channel_sums_${mode}`,
    shader: channelSumsShader,
    constants: { WG: reductionWorkgroupFor(batch * spatial), MODE: mode },
    uniforms: [u32(batch), u32(channels), u32(spatial)],
    bindings: [v, out],
    workgroups: groupsFor(channels),
  });
}

/** s_c = (1/(B*S)) sum_{b,p} g[b,c,p]^2: a Linear or Conv2d layer's s from its output gradient (B, C, S). */
export function channelSquareMeans(plan: ComputePlan, s: GpuTensor, g: GpuTensor, batch: number, channels: number, spatial: number): void {
  channelSums('channelSquareMeans', ChannelSum.squareMean, plan, s, g, batch, channels, spatial);
}

/** m_c = sum_{b,p} x[b,c,p] / S^2 of a normalisation layer's input. */
export function normChannelMeans(plan: ComputePlan, m: GpuTensor, x: GpuTensor, norm: NormGeometry): void {
  channelSums('normChannelMeans', ChannelSum.normMean, plan, m, x, norm.batch, norm.channels, norm.spatial);
}

/** h = [sum_c m_c^2, C] / B^2 from the channel means. */
export function normFactorH(plan: ComputePlan, h: GpuTensor, m: GpuTensor, batch: number): void {
  const op = 'normFactorH';
  expectPositiveIntegers(op, { batch, channels: m.size });
  expectSizes(op, { h }, 2, 'the (γ, β) pair');
  expectNoAliasing(op, { h }, { m });
  plan.add({
    op: 'adafisher_norm_h',
    shader: normHShader,
    constants: { WG: SHORT_REDUCTION_WORKGROUP },
    uniforms: [u32(batch), u32(m.size)],
    bindings: [m, h],
    workgroups: [1],
  });
}

/** s_c = (sum_{b,p} g[b,c,p])^2 / B of a normalisation layer. */
export function normFactorS(plan: ComputePlan, s: GpuTensor, g: GpuTensor, norm: NormGeometry): void {
  channelSums('normFactorS', ChannelSum.squaredSum, plan, s, g, norm.batch, norm.channels, norm.spatial);
}

/**
 * For each (offset, length) of `table` (u32 pairs): D <- keep * D + add * minmax(raw), with D
 * and the measurement at the same offset in `factors` and `raw`.
 */
export function normalizeAndAverage(plan: ComputePlan, factors: GpuTensor, raw: GpuTensor, table: GpuTensor, keep: number, add: number): void {
  const op = 'normalizeAndAverage';
  expectSizes(op, { raw }, factors.size, 'the factors buffer');
  if (table.dtype !== 'u32' || table.size % 2 !== 0 || table.size === 0)
    throw new Error(`${op}: table "${table.label}" must hold (offset, length) u32 pairs, got ${table.size} ${table.dtype}`);
  expectNoAliasing(op, { factors }, { raw, table });
  const count = table.size / 2;
  plan.add({
    op: 'adafisher_normalize_average',
    shader: normalizeAverageShader,
    constants: { WG: SHORT_REDUCTION_WORKGROUP },
    uniforms: [u32(count), f32(keep), f32(add)],
    bindings: [table, raw, factors],
    workgroups: groupsFor(count),
  });
}

/** The update's hyperparameters shared by every tensor; the lr scale and weight decay are per tensor, in the table. */
export interface UpdateHyperparameters {
  readonly beta: number;
  readonly damping: number;
  readonly decoupled: boolean;
}

/**
 * The element-wise update over a whole flat buffer. `table` holds ENTRY_WORDS u32 per tensor
 * (start, size, cols, h, s, kronecker, lrScale, weightDecay; the last two float32 bits) sorted by start; `step` holds [lr, lr/(1-β^t), 1-β^t].
 */
export function adaFisherUpdate(
  plan: ComputePlan,
  theta: GpuTensor,
  momentum: GpuTensor,
  grads: GpuTensor,
  factors: GpuTensor,
  table: GpuTensor,
  step: GpuTensor,
  hyper: UpdateHyperparameters,
): void {
  const op = 'adaFisherUpdate';
  const n = theta.size;
  expectSizes(op, { momentum, grads }, n, 'the flat parameter buffer');
  if (table.dtype !== 'u32' || table.size % ENTRY_WORDS !== 0 || table.size === 0)
    throw new Error(`${op}: table "${table.label}" must hold ${ENTRY_WORDS} u32 per tensor, got ${table.size} ${table.dtype}`);
  if (step.size < 3) throw new Error(`${op}: step "${step.label}" has ${step.size} elements, expected at least 3`);
  expectNoAliasing(op, { theta, momentum }, { grads, factors, table, step });
  plan.add({
    op: 'adafisher_update',
    shader: updateShader,
    constants: { WG: ELEMENTWISE_WORKGROUP, DECOUPLED: hyper.decoupled ? 1 : 0 },
    uniforms: [u32(n), u32(table.size / ENTRY_WORDS), f32(hyper.beta), f32(1 - hyper.beta), f32(hyper.damping)],
    bindings: [step, table, factors, grads, theta, momentum],
    workgroups: gridFor(n, ELEMENTWISE_WORKGROUP),
  });
}

/** The [lr, lr/(1-β^t), 1-β^t] that adafisher/update.wgsl reads, computed in float64, t = step + 1. */
export function stepScalars(step: number, lr: number, beta: number): Float32Array<ArrayBuffer> {
  const correction = 1 - beta ** (step + 1);
  return Float32Array.from([lr, lr / correction, correction, 0]);
}

interface GpuLayer {
  readonly name: string;
  readonly geometry: LayerGeometry;
  readonly input: GpuTensor;
  readonly outputGrad: GpuTensor;
}

export async function createAdaFisher(
  model: GpuModel,
  config: AdaFisherConfig,
  groups: ResolvedParameterGroups = NO_PARAMETER_GROUPS,
): Promise<AdaFisherGpuOptimizer> {
  const { ctx } = model;
  const owner = `${model.owner}:optimizer`;
  const { pool } = ctx;
  const measurePlan = new ComputePlan(ctx, `${owner}:measure`, owner);
  const updatePlan = new ComputePlan(ctx, `${owner}:update`, owner);
  try {
    const layers: GpuLayer[] = model.layers.map((layer) => ({
      name: layer.node.name,
      geometry: layerGeometry(layer.node, layer.input.shape),
      input: layer.input,
      outputGrad: layer.outputGrad,
    }));
    // H_D and S_D of every layer in one buffer (each view aligned so it binds alone), and the
    // raw measurements in a twin buffer with the same offsets.
    const factorEntries = layers.flatMap((layer) => [
      { name: `${layer.name}.H`, shape: [layer.geometry.hLength] },
      { name: `${layer.name}.S`, shape: [layer.geometry.sLength] },
    ]);
    const layout = flatLayout(factorEntries, ctx.storageAlignment);
    const factors = new FlatBuffer(layout, pool, `${owner}:factors`, owner);
    const raw = new FlatBuffer(layout, pool, `${owner}:measurements`, owner);
    const ones = new Map(layout.entries.map((entry) => [entry.name, new Float32Array(entry.size).fill(1)]));
    ctx.device.queue.writeBuffer(factors.buffer, 0, factors.pack(ones));

    const normChannels = Math.max(0, ...layers.map((layer) => (layer.geometry.kind === 'norm' ? layer.geometry.norm.channels : 0)));
    const channelMeans = normChannels > 0 ? pool.tensor(`${owner}:channel-means`, [normChannels], owner) : null;

    for (const layer of layers) {
      const h = raw.view(`${layer.name}.H`);
      const s = raw.view(`${layer.name}.S`);
      const { geometry } = layer;
      measurePlan.within(layer.name, null, () => {
        if (geometry.kind === 'kronecker') {
          const { patch } = geometry;
          patchSquareMeans(measurePlan, h, layer.input, patch, geometry.hasBias);
          channelSquareMeans(measurePlan, s, layer.outputGrad, patch.batch, geometry.outputs, patch.outHeight * patch.outWidth);
        } else {
          // Layers run one after another in the pass, so they can share the channel-means scratch.
          const m = tensorView(channelMeans!.buffer, [geometry.norm.channels], { label: `${owner}:${layer.name}:channel-means` });
          normChannelMeans(measurePlan, m, layer.input, geometry.norm);
          normFactorH(measurePlan, h, m, geometry.norm.batch);
          normFactorS(measurePlan, s, layer.outputGrad, geometry.norm);
        }
      });
    }
    const vectorTable = pool.tensor(`${owner}:factor-table`, [layout.entries.length * 2], owner, 'u32');
    writeTensor(
      ctx,
      vectorTable,
      layout.entries.flatMap((entry) => [entry.offset, entry.size]),
    );
    const { keep, add } = averageWeights(config);
    normalizeAndAverage(measurePlan, factors.whole, raw.whole, vectorTable, keep, add);

    // Each parameter tensor's preconditioner, found by its layer's name and its role.
    const mapping = parameterPreconditioners(
      model.specs,
      model.layers.map((layer) => layer.node),
    );
    const offsetOf = new Map(layout.entries.map((entry) => [entry.name, entry.offset]));
    const tensors = [...model.params.layout.entries].sort((a, b) => a.offset - b.offset);
    if (tensors.length === 0) throw new Error(`AdaFisher: ${model.graph.preset} has no trainable parameters`);
    const table = new Uint32Array(tensors.length * ENTRY_WORDS);
    const tableFloats = new Float32Array(table.buffer);
    tensors.forEach((tensor, index) => {
      const entry = mapping.get(tensor.name);
      if (!entry) throw new Error(`AdaFisher: no preconditioner for parameter "${tensor.name}"`);
      const row =
        entry.kind === 'kronecker'
          ? [tensor.offset, tensor.size, entry.cols, offsetOf.get(`${entry.layer}.H`)! + entry.hOffset, offsetOf.get(`${entry.layer}.S`)!, 1]
          : [tensor.offset, tensor.size, 1, 0, 0, 0];
      table.set(row, index * ENTRY_WORDS);
      const { lrScale, weightDecay } = tensorHyperparameters(groups, tensor.name, config.weight_decay);
      tableFloats[index * ENTRY_WORDS + 6] = lrScale;
      tableFloats[index * ENTRY_WORDS + 7] = weightDecay;
    });
    const updateTable = pool.tensor(`${owner}:update-table`, [table.length], owner, 'u32');
    writeTensor(ctx, updateTable, table);
    const momentum = pool.tensor(`${owner}:momentum`, [model.params.layout.totalElements], owner);
    writeTensor(ctx, momentum, new Float32Array(momentum.size));
    const scalars = pool.tensor(`${owner}:step`, [4], owner);
    writeTensor(ctx, scalars, stepScalars(0, config.lr, config.beta));
    adaFisherUpdate(updatePlan, model.params.whole, momentum, model.grads.whole, factors.whole, updateTable, scalars, {
      beta: config.beta,
      damping: config.damping,
      decoupled: config.type === 'adafisherw',
    });
    await Promise.all([measurePlan.compile(), updatePlan.compile()]);

    const readFactors = async () => factors.unpack(await readTensor(ctx, factors.whole));
    const byLayer = (values: Map<string, Float32Array>) =>
      new Map(layers.map((layer) => [layer.name, { H: values.get(`${layer.name}.H`)!, S: values.get(`${layer.name}.S`)! }]));
    let kept: KeptFactors | null = null;
    let prepared = -1;
    return {
      config,
      get stateBytes() {
        return pool.bytesHeldBy(owner);
      },
      prepare(step: number, lr: number) {
        if (!Number.isInteger(step) || step < 0) throw new Error(`AdaFisher: step must be a whole number >= 0, got ${step}`);
        prepared = step;
        ctx.device.queue.writeBuffer(scalars.buffer, scalars.offset, stepScalars(step, lr, config.beta));
      },
      encode(pass: GPUComputePassEncoder, step: number) {
        // The step scalars (bias correction) and the measurement schedule must agree.
        if (step !== prepared) throw new Error(`AdaFisher: encode(step ${step}) needs prepare(${step}) first (last prepared: ${prepared})`);
        if (step % config.tcov === 0) measurePlan.encode(pass);
        updatePlan.encode(pass);
      },
      async factors() {
        return byLayer(await readFactors());
      },
      keptFactors() {
        if (!kept) {
          const readback = new KeptReadback(ctx, factors.whole, owner);
          kept = { stage: (encoder) => readback.stage(encoder), read: async () => byLayer(factors.unpack(await readback.read())) };
        }
        return kept;
      },
      async measurements() {
        return byLayer(raw.unpack(await readTensor(ctx, raw.whole)));
      },
      async diagnostics() {
        const values = await readFactors();
        return layers.map((layer) => preconditionerStats(layer.name, values.get(`${layer.name}.S`)!, values.get(`${layer.name}.H`)!, config.damping));
      },
      destroy() {
        measurePlan.dispose();
        updatePlan.dispose();
        pool.releaseOwner(owner);
      },
    };
  } catch (error) {
    measurePlan.dispose();
    updatePlan.dispose();
    pool.releaseOwner(owner);
    throw error;
  }
}
