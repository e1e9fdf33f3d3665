// A model on the GPU: flat buffers of trainable parameters, their gradients, frozen parameters
// (no gradient) and running statistics, one buffer per activation and per activation gradient
// (all kept after the step, so the optimizer can read each layer's input and output
// gradient), and two recorded plans: a training step
// (forward, loss, backward, metrics) and an evaluation pass. Optimizers record further gradient
// passes of the same batch into their own plans (recordGradientPass).

import type { GpuContext } from '../gpu/context';
import { ComputePlan, type StepPhase } from '../gpu/compute-plan';
import { FlatBuffer, flatLayout, type FlatLayout } from '../gpu/flat-buffer';
import { reshape, type GpuTensor } from '../gpu/tensor';
import { decodeModelCheckpoint, encodeModelCheckpoint } from './checkpoint';
import { readTensor, writeTensor } from '../gpu/transfer';
import { addBackward, addForward } from '../kernels/add/add';
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from '../kernels/batchnorm2d/batchnorm2d';
import { conv2dBackward, conv2dForward } from '../kernels/conv2d/conv2d';
import { crossEntropyTotals, softmaxCrossEntropy } from '../kernels/cross-entropy/cross-entropy';
import { linearBackward, linearForward } from '../kernels/linear/linear';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from '../kernels/pool2d/pool2d';
import { reluBackward, reluForward } from '../kernels/relu/relu';
import { copyValues, maxPool2dForwardAt } from '../kernels/frozen-kinks/frozen-kinks';
import { attentionBackward, attentionForward } from '../kernels/attention/attention';
import {
  createEmbeddingIndex,
  embeddingBackward,
  embeddingBackwardIndex,
  embeddingForward,
  uploadEmbeddingIndex,
  type EmbeddingIndex,
  type EmbeddingIndexTensors,
} from '../kernels/embedding/embedding';
import { geluBackward, geluForward } from '../kernels/gelu/gelu';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm/layernorm';
import { softmaxBackward, softmaxForward } from '../kernels/softmax/softmax';
import type { BackwardOptions } from '../kernels/backward-options';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { consumerCounts, GRAPH_INPUT, nodeInputs, predictionRows, type GraphNode, type ModelGraph, type PreconditionedNode } from './graph';
import { parameterSpecs, trainedLayerNodes, type ParameterSpec } from './parameters';
import { inferShapes, type Shape } from './shapes';

/** What a Kronecker-factored optimizer needs of one layer, all live on the GPU after a step. */
export interface LayerTensors {
  readonly node: PreconditionedNode;
  /** The layer's input: (N, in) for Linear, (B, Cin, H, W) for Conv2d, BatchNorm's input before normalising. */
  readonly input: GpuTensor;
  /** dLoss/d(layer output), same shape as the output. */
  readonly outputGrad: GpuTensor;
  readonly weight: GpuTensor;
  readonly bias: GpuTensor | null;
  readonly weightGrad: GpuTensor;
  readonly biasGrad: GpuTensor | null;
}

export interface EvaluationMetrics {
  /** Mean cross-entropy over every evaluated example. */
  loss: number;
  correct: number;
  examples: number;
}

export interface StepMetrics {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** Rows whose arg-max equals the label. */
  correct: number;
}

/**
 * An extra gradient pass of the current batch, recorded after the training step (what K-FAC's
 * sampled-label backward and AdaHessian's perturbed gradients need).
 */
export interface GradientPassOptions {
  /** Weights the forward and the backward read; the model's parameters unless given. */
  readonly params?: FlatBuffer;
  /** Overwritten with dLoss/dparams, laid out like the parameters (see createParameterBuffer). */
  readonly grads: FlatBuffer;
  /**
   * Where the training-mode forward's BatchNorm running-statistics update goes, laid out like
   * `model.statistics`; a scratch the model makes once unless given, so the model's running
   * statistics see only the ordinary training step.
   */
  readonly statistics?: FlatBuffer;
  /** Targets of the softmax cross-entropy (u32, one per prediction row); the batch's labels unless given. */
  readonly labels?: GpuTensor;
  /**
   * Run the training-mode forward first (default). Without it the loss and backward start from
   * the last forward's activations, which must have been made with the same weights.
   */
  readonly forward?: boolean;
  /**
   * Stay on the smooth piece of the loss that the snapshot's forward was on: each ReLU keeps
   * that forward's mask (x · [saved > 0]) and each max pool its arg-max, in the forward and
   * the backward, as autograd's derivatives do. A central difference of two such gradients
   * then differentiates the piece instead of jumping across kinks.
   */
  readonly kinks?: KinkSnapshot;
}

/** Copies of a forward's ReLU and max-pool inputs, by activation name (see recordKinkSnapshot). */
export interface KinkSnapshot {
  readonly inputs: ReadonlyMap<string, GpuTensor>;
}

/** The buffers one recorded pass reads and writes. */
interface PassBuffers {
  readonly params: FlatBuffer;
  readonly grads: FlatBuffer;
  readonly statistics: FlatBuffer;
  /** Frozen ReLU and max-pool inputs, or none (each op sees its own input). */
  readonly kinks: ReadonlyMap<string, GpuTensor>;
}

const NO_KINKS: ReadonlyMap<string, GpuTensor> = new Map();

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/** The layer a node's dispatches are profiled under: its name, or its output for ops without one (relu1, pool2). */
const layerOf = (node: GraphNode): string => ('name' in node ? node.name : node.output);

/** What a step profile calls the loss's dispatches (softmax cross-entropy and the metric totals). */
export const LOSS_LAYER = 'loss';

/**
 * The activations whose gradient the backward must compute: the output of a node that owns a
 * trainable parameter (layers named in `trainedLayers`), and of any node reading such an
 * activation. Upstream of the last trainable parameter (a frozen feature extractor, frozen
 * embeddings) the backward stops.
 */
function activationsNeedingGradient(graph: ModelGraph, trainedLayers: ReadonlySet<string>): Set<string> {
  const needed = new Set<string>();
  for (const node of graph.nodes) {
    const owned =
      node.op === 'embedding' ? [node.tokenTable, node.positionTable] : node.op === 'tied_linear' ? [node.table] : 'name' in node ? [node.name] : [];
    const ownsTrained = owned.some((layer) => trainedLayers.has(layer));
    if (ownsTrained || nodeInputs(node).some((input) => needed.has(input))) needed.add(node.output);
  }
  return needed;
}

function sameLayout(a: FlatLayout, b: FlatLayout): boolean {
  return (
    a.totalElements === b.totalElements &&
    a.entries.length === b.entries.length &&
    a.entries.every((entry, i) => entry.name === b.entries[i].name && entry.offset === b.entries[i].offset && entry.size === b.entries[i].size)
  );
}

/** What beginEvaluation writes, made once: the landscape begins an evaluation per grid point. */
const ZERO_TOTALS = new Float32Array(3);

export class GpuModel {
  readonly shapes: Map<string, Shape>;
  readonly specs: ParameterSpec[];
  /** Trainable parameters: all an optimizer updates (frozen ones live in `frozen`). */
  readonly params: FlatBuffer;
  /** dLoss/d(trainable parameters), laid out like `params`. */
  readonly grads: FlatBuffer;
  /**
   * Frozen parameters (ModelGraph.frozen): read by every forward, never written by a step, no
   * gradient buffer; empty layout when none.
   */
  readonly frozen: FlatBuffer;
  /** BatchNorm running means and variances (PyTorch's "buffers"); empty layout without BatchNorm. */
  readonly statistics: FlatBuffer;
  readonly input: GpuTensor;
  readonly labels: GpuTensor;
  /** [loss sum, correct, rows] of the last training step, overwritten by each step. */
  readonly metrics: GpuTensor;
  /** [loss sum, correct, examples] accumulated over an evaluation pass. */
  readonly evaluationTotals: GpuTensor;
  /** How many rows of the current evaluation batch are real (the rest is padding). */
  private readonly validRows: GpuTensor;
  /** Always the batch size, written once: a training batch has no padding, and evaluation never changes it. */
  private readonly trainRows: GpuTensor;
  private readonly totalsStaging: GPUBuffer;
  readonly layers: LayerTensors[];
  /** Prediction rows per batch: the batch size, or B*T tokens for a language model. */
  readonly rows: number;
  /** BatchNorm's num_batches_tracked, the same for every BatchNorm layer: training steps taken. */
  numBatchesTracked = 0;
  private readonly activations = new Map<string, GpuTensor>();
  private readonly activationGrads = new Map<string, GpuTensor>();
  private readonly batchStats = new Map<string, { mean: GpuTensor; invStd: GpuTensor }>();
  /** Attention probabilities (B, H, T, T) per attention node, and one scratch tensor all their backwards share. */
  private readonly attentionProbs = new Map<string, GpuTensor>();
  private attentionScratch: GpuTensor | null = null;
  /** A language model's batch tokens sorted by id, built on the CPU for the embedding's scatter-add. */
  private readonly embeddingIndex: EmbeddingIndex | null = null;
  private readonly embeddingIndexTensors: EmbeddingIndexTensors | null = null;
  private readonly losses: GpuTensor;
  private readonly metricsStaging: GPUBuffer;
  private logitsStaging: GPUBuffer | null = null;
  private trainPlan!: ComputePlan;
  private evalPlan!: ComputePlan;
  /** Receives the running-statistics update of extra gradient passes; made by the first that needs it. */
  private scratchStatistics: FlatBuffer | null = null;
  private readonly frozenNames: ReadonlySet<string>;
  /** Activations whose gradient someone reads: those with a trainable parameter upstream. */
  private readonly gradientNeeded: ReadonlySet<string>;

  private constructor(
    readonly ctx: GpuContext,
    readonly graph: ModelGraph,
    readonly batch: number,
    readonly owner: string,
  ) {
    const { pool, storageAlignment } = ctx;
    this.shapes = inferShapes(graph, batch);
    this.specs = parameterSpecs(graph);
    const trainable = this.specs.filter((spec) => spec.trainable);
    const frozen = this.specs.filter((spec) => spec.frozen);
    const running = this.specs.filter((spec) => !spec.trainable && !spec.frozen);
    this.params = new FlatBuffer(flatLayout(trainable, storageAlignment), pool, `${owner}:params`, owner);
    this.grads = new FlatBuffer(flatLayout(trainable, storageAlignment), pool, `${owner}:grads`, owner);
    this.frozen = new FlatBuffer(flatLayout(frozen, storageAlignment), pool, `${owner}:frozen`, owner);
    this.frozenNames = new Set(frozen.map((spec) => spec.name));
    this.gradientNeeded = activationsNeedingGradient(graph, new Set(trainable.map((spec) => spec.layer)));
    this.statistics = new FlatBuffer(flatLayout(running, storageAlignment), pool, `${owner}:statistics`, owner);

    this.rows = predictionRows(graph, batch);
    this.allocateActivations();
    this.input = this.activations.get(GRAPH_INPUT)!;
    this.labels = pool.tensor(`${owner}:labels`, [this.rows], owner, 'u32');
    this.losses = pool.tensor(`${owner}:losses`, [this.rows], owner);
    this.metrics = pool.tensor(`${owner}:metrics`, [3], owner);
    this.metricsStaging = pool.acquire(`${owner}:metrics-readback`, 12, owner, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    this.evaluationTotals = pool.tensor(`${owner}:evaluation-totals`, [3], owner);
    this.validRows = pool.tensor(`${owner}:valid-rows`, [1], owner, 'u32');
    this.trainRows = pool.tensor(`${owner}:train-rows`, [1], owner, 'u32');
    ctx.device.queue.writeBuffer(this.trainRows.buffer, this.trainRows.offset, Uint32Array.of(this.rows));
    this.totalsStaging = pool.acquire(`${owner}:totals-readback`, 12, owner, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    for (const node of graph.nodes) {
      if (node.op === 'batchnorm2d' || node.op === 'layernorm') {
        // BatchNorm keeps per-channel statistics, LayerNorm per-row ones.
        const count = node.op === 'batchnorm2d' ? node.channels : this.rows;
        this.batchStats.set(node.name, {
          mean: pool.tensor(`${owner}:${node.name}:batch-mean`, [count], owner),
          invStd: pool.tensor(`${owner}:${node.name}:batch-inv-std`, [count], owner),
        });
      } else if (node.op === 'attention') {
        const [B, T] = this.shapes.get(node.inputs[0])!;
        const shape = [B, node.heads, T, T];
        this.attentionProbs.set(node.name, pool.tensor(`${owner}:${node.name}:probs`, shape, owner));
        if (!this.attentionScratch || this.attentionScratch.size < size(shape))
          this.attentionScratch = pool.tensor(`${owner}:attention-scratch:${node.name}`, shape, owner);
      } else if (node.op === 'embedding') {
        this.embeddingIndex = createEmbeddingIndex(this.rows, node.vocab);
        const indexTensor = (name: string, length: number) => pool.tensor(`${owner}:embedding-index:${name}`, [length], owner, 'u32');
        this.embeddingIndexTensors = {
          uniqueTokens: indexTensor('unique-tokens', this.rows),
          offsets: indexTensor('offsets', this.rows + 1),
          positions: indexTensor('positions', this.rows),
          count: indexTensor('count', 1),
        };
      }
    }
    // A layer with a frozen parameter is left out (resolveParameterGroups refuses a partly frozen one for the Kronecker-factored optimizers).
    this.layers = trainedLayerNodes(graph).map((node) => this.layerTensors(node));
  }

  static async create(
    ctx: GpuContext,
    graph: ModelGraph,
    batch: number,
    options: {
      owner: string;
      initial: ReadonlyMap<string, ArrayLike<number>>;
      /** Compile the evaluation pass in the background (ComputePlan.compileInBackground); evaluate only after `compileEvaluation()`. */
      deferEvaluation?: boolean;
    },
  ): Promise<GpuModel> {
    const model = new GpuModel(ctx, graph, batch, options.owner);
    model.writeParameters(options.initial);
    // Backward writes every gradient but not the alignment gaps between them; a recycled
    // buffer may hold old values there, and element-wise optimizers read the whole buffer.
    ctx.device.queue.writeBuffer(model.grads.buffer, 0, new Float32Array(model.grads.layout.totalElements));
    model.trainPlan = model.record('train');
    model.evalPlan = model.record('eval');
    if (options.deferEvaluation) {
      model.evalPlan.compileInBackground();
      await model.trainPlan.compile();
    } else await Promise.all([model.trainPlan.compile(), model.evalPlan.compile()]);
    return model;
  }

  /** Resolves once the evaluation pass is compiled (at once unless created with deferEvaluation). */
  compileEvaluation(): Promise<void> {
    return this.evalPlan.compile();
  }

  get dispatchesPerTrainStep(): number {
    return this.trainPlan.dispatchCount;
  }

  activation(name: string): GpuTensor {
    const tensor = this.activations.get(name);
    if (!tensor) throw new Error(`No activation "${name}" in ${this.graph.preset}`);
    return tensor;
  }

  /** Whether the backward computes `name`'s gradient: not for the input, nor upstream of every trainable parameter. */
  hasActivationGrad(name: string): boolean {
    return this.gradientNeeded.has(name);
  }

  activationGrad(name: string): GpuTensor {
    const tensor = this.activationGrads.get(name);
    if (!tensor) throw new Error(`No activation gradient "${name}" in ${this.graph.preset}`);
    if (!this.gradientNeeded.has(name)) throw new Error(`${this.graph.preset}: "${name}" gets no gradient: nothing upstream of it is trained`);
    return tensor;
  }

  /**
   * Images and labels (B), or token ids (B, T) and next-token targets (B*T) where
   * IGNORE_TARGET marks a token that is not scored. A language model's token ids are also
   * sorted on the CPU here, for the embedding's scatter-add.
   */
  writeBatch(inputs: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (labels.length !== this.rows) throw new Error(`Expected ${this.rows} labels, got ${labels.length}`);
    const ignorable = this.graph.task === 'language-modeling';
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (ignorable && label === IGNORE_TARGET) continue;
      if (!Number.isInteger(label) || label < 0 || label >= this.graph.classes) {
        throw new Error(`Label ${label} at position ${i} is outside 0..${this.graph.classes - 1}`);
      }
    }
    if (this.embeddingIndex && this.embeddingIndexTensors && this.tokenTableTrained) {
      embeddingBackwardIndex(inputs instanceof Uint32Array ? inputs : Uint32Array.from(inputs), this.embeddingIndex);
      uploadEmbeddingIndex(this.ctx, this.embeddingIndexTensors, this.embeddingIndex);
    }
    writeTensor(this.ctx, this.input, inputs);
    writeTensor(this.ctx, this.labels, labels);
  }

  /** The token table gets a gradient (the embedding's scatter-add needs the batch's sorted index). */
  private get tokenTableTrained(): boolean {
    const node = this.graph.nodes.find((n) => n.op === 'embedding');
    return node?.op === 'embedding' && !this.frozenNames.has(`${node.tokenTable}.weight`);
  }

  /** A parameter the forward reads: a frozen one from `frozen`, whatever `params` a pass uses. */
  private weight(params: FlatBuffer, name: string): GpuTensor {
    return this.frozenNames.has(name) ? this.frozen.view(name) : params.view(name);
  }

  /** Where a parameter's gradient goes; none for a frozen one, whose gradient is never computed. */
  private gradient(grads: FlatBuffer, name: string): GpuTensor | null {
    return this.frozenNames.has(name) ? null : grads.view(name);
  }

  /** Records the training step into an open pass (an optimizer appends to the same pass). */
  encodeTrainStep(pass: GPUComputePassEncoder): void {
    this.trainPlan.encode(pass);
    this.numBatchesTracked++;
  }

  encodeEval(pass: GPUComputePassEncoder): void {
    this.evalPlan.encode(pass);
  }

  /**
   * Forward, loss, backward, and whatever `then` records (an optimizer's update), in one
   * submit; metrics are copied back only when asked for.
   */
  async trainStep(
    options: {
      readMetrics?: boolean;
      then?: (pass: GPUComputePassEncoder) => void;
      stage?: (encoder: GPUCommandEncoder) => void;
      /** Times the step's pass (RunStepTimes). */
      timestampWrites?: GPUComputePassTimestampWrites;
    } = {},
  ): Promise<StepMetrics | null> {
    return this.submit(
      (pass) => {
        this.encodeTrainStep(pass);
        options.then?.(pass);
      },
      options.readMetrics ?? false,
      options.stage,
      options.timestampWrites,
    );
  }

  /**
   * Records into `plan` (an optimizer's, encoded after the training step) one more gradient of
   * the current batch's mean softmax cross-entropy: the training-mode forward with `params`,
   * the loss against `labels`, and the backward into `grads`. The model's metrics, running
   * statistics and gradients are untouched; its activations and activation gradients (what
   * `layers` exposes) are overwritten and then hold this pass's values. Dispatches are added
   * to the caller's plan, which compiles them.
   */
  recordGradientPass(plan: ComputePlan, options: GradientPassOptions): void {
    const where = `${this.owner}: recordGradientPass`;
    const params = options.params ?? this.params;
    const { grads } = options;
    for (const [role, flat] of [
      ['params', params],
      ['grads', grads],
    ] as const) {
      if (!sameLayout(flat.layout, this.params.layout)) throw new Error(`${where}: ${role} "${flat.buffer.label}" is not laid out like the model's parameters`);
    }
    if (grads.buffer === params.buffer || grads.buffer === this.params.buffer) {
      throw new Error(`${where}: grads "${grads.buffer.label}" must be a buffer of its own, not the parameters`);
    }
    if (grads.buffer === this.grads.buffer) throw new Error(`${where}: grads must not be the model's gradients, which the optimizer reads`);
    const statistics = options.statistics ?? this.gradientPassStatistics();
    if (!sameLayout(statistics.layout, this.statistics.layout)) {
      throw new Error(`${where}: statistics "${statistics.buffer.label}" is not laid out like the model's running statistics`);
    }
    if (statistics.layout.entries.length > 0 && statistics.buffer === this.statistics.buffer) {
      throw new Error(`${where}: statistics must not be the model's running statistics, which only the training step updates`);
    }
    const labels = options.labels ?? this.labels;
    if (labels.dtype !== 'u32' || labels.size !== this.rows) {
      throw new Error(`${where}: labels "${labels.label}" must be ${this.rows} u32 values (one per prediction row), got ${labels.size} ${labels.dtype}`);
    }
    const kinks = options.kinks?.inputs ?? NO_KINKS;
    for (const name of kinks.keys())
      if (!this.kinkInputs().includes(name)) throw new Error(`${where}: kinks hold "${name}", which is no ReLU or max-pool input`);
    const buffers: PassBuffers = { params, grads, statistics, kinks };
    // Layers tagged, phase left to whoever encodes the plan: an optimizer's extra gradient is optimizer time.
    if (options.forward ?? true) for (const node of this.graph.nodes) plan.within(layerOf(node), null, () => this.recordForward(plan, node, true, buffers));
    const logits = this.activations.get(this.graph.output)!;
    plan.within(LOSS_LAYER, null, () =>
      softmaxCrossEntropy(plan, this.losses, this.activationGrads.get(this.graph.output)!, logits, labels, this.rows, this.graph.classes),
    );
    this.recordBackwardPass(plan, buffers, null);
  }

  /**
   * Buffers for a copy of every ReLU and max-pool input (not the graph's input, which no
   * parameter moves), held by `owner`; none for a model without them. Fill with recordKinkSnapshot.
   */
  createKinkSnapshot(owner: string): KinkSnapshot {
    const inputs = new Map<string, GpuTensor>();
    for (const name of this.kinkInputs()) inputs.set(name, this.ctx.pool.tensor(`${owner}:kinks:${name}`, this.shapes.get(name)!, owner));
    return { inputs };
  }

  /** Records copies of the current ReLU and max-pool inputs (the last forward's) into `snapshot`. */
  recordKinkSnapshot(plan: ComputePlan, snapshot: KinkSnapshot): void {
    for (const [name, saved] of snapshot.inputs) copyValues(plan, saved, this.activations.get(name)!, saved.size);
  }

  /**
   * A zeroed buffer laid out like the parameters, held by `owner` (an optimizer's, so its state
   * bytes count it): perturbed parameters or scratch gradients for `recordGradientPass`. Zeroed
   * because a backward never writes the alignment gaps, and element-wise kernels read them.
   */
  createParameterBuffer(label: string, owner: string): FlatBuffer {
    const flat = new FlatBuffer(this.params.layout, this.ctx.pool, label, owner);
    this.ctx.device.queue.writeBuffer(flat.buffer, 0, new Float32Array(this.params.layout.totalElements));
    return flat;
  }

  /** Zeroes the evaluation totals; then `evaluateBatch` per batch and `finishEvaluation` once. */
  beginEvaluation(): void {
    this.ctx.device.queue.writeBuffer(this.evaluationTotals.buffer, this.evaluationTotals.offset, ZERO_TOTALS);
  }

  /**
   * Runs the evaluation plan (BatchNorm on running statistics) on one batch of the model's
   * batch size whose first `validRows` rows are real; a short last batch is padded by the caller.
   */
  evaluateBatch(inputs: ArrayLike<number>, labels: ArrayLike<number>, validRows = this.batch): void {
    this.loadEvaluationBatch(inputs, labels, validRows);
    void this.submit((pass) => this.encodeEval(pass), false);
  }

  /**
   * Writes one evaluation batch to be run again and again with `encodeEval` (the landscape
   * evaluates many weights on one fixed set); pair each run with beginEvaluation and finishEvaluation.
   */
  loadEvaluationBatch(inputs: ArrayLike<number>, labels: ArrayLike<number>, validRows = this.batch): void {
    if (!Number.isInteger(validRows) || validRows < 1 || validRows > this.batch) {
      throw new Error(`validRows must be in 1..${this.batch}, got ${validRows}`);
    }
    this.writeBatch(inputs, labels);
    // A language model's padding rows are all IGNORE_TARGET, which the totals skip by themselves.
    const predictionRows = this.graph.task === 'language-modeling' ? this.rows : validRows;
    this.ctx.device.queue.writeBuffer(this.validRows.buffer, this.validRows.offset, Uint32Array.of(predictionRows));
  }

  async finishEvaluation(): Promise<EvaluationMetrics> {
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:evaluation-readback` });
    encoder.copyBufferToBuffer(this.evaluationTotals.buffer, this.evaluationTotals.offset, this.totalsStaging, 0, 12);
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.totalsStaging.mapAsync(GPUMapMode.READ);
    const [lossSum, correct, examples] = new Float32Array(this.totalsStaging.getMappedRange(0, 12).slice(0));
    this.totalsStaging.unmap();
    return { loss: lossSum / examples, correct, examples };
  }

  /** Loss and correct count of one full batch in evaluation mode. */
  async evaluate(images: ArrayLike<number>, labels: ArrayLike<number>): Promise<EvaluationMetrics> {
    this.beginEvaluation();
    this.evaluateBatch(images, labels);
    return this.finishEvaluation();
  }

  /** Logits of one prediction row after the last pass (for sampling); the staging buffer is made once. */
  async readLogitsRow(row: number): Promise<Float32Array> {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) throw new Error(`Row ${row} is outside 0..${this.rows - 1}`);
    const logits = this.activations.get(this.graph.output)!;
    const bytes = this.graph.classes * 4;
    this.logitsStaging ??= this.ctx.pool.acquire(`${this.owner}:logits-readback`, bytes, this.owner, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:logits-readback` });
    encoder.copyBufferToBuffer(logits.buffer, logits.offset + row * bytes, this.logitsStaging, 0, bytes);
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.logitsStaging.mapAsync(GPUMapMode.READ);
    const values = new Float32Array(this.logitsStaging.getMappedRange(0, bytes).slice(0));
    this.logitsStaging.unmap();
    return values;
  }

  /** Copies another model's parameters of the same graph (one buffer copy, on the GPU). */
  copyParametersFrom(source: GpuModel): void {
    if (source.graph.preset !== this.graph.preset || source.params.buffer.size !== this.params.buffer.size) {
      throw new Error(`Cannot copy parameters of ${source.graph.preset} into ${this.graph.preset}`);
    }
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:copy-parameters` });
    encoder.copyBufferToBuffer(source.params.buffer, 0, this.params.buffer, 0, this.params.buffer.size);
    if (this.frozen.layout.totalElements > 0) encoder.copyBufferToBuffer(source.frozen.buffer, 0, this.frozen.buffer, 0, this.frozen.buffer.size);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Appends the metrics copy to an encoder whose pass has ended; pair with `readStagedMetrics`. */
  copyMetrics(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.metrics.buffer, this.metrics.offset, this.metricsStaging, 0, 12);
  }

  async readStagedMetrics(): Promise<StepMetrics> {
    await this.metricsStaging.mapAsync(GPUMapMode.READ);
    const [lossSum, correct, rows] = new Float32Array(this.metricsStaging.getMappedRange(0, 12).slice(0));
    this.metricsStaging.unmap();
    return { loss: lossSum / rows, correct };
  }

  writeParameters(values: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const flat of [this.params, this.frozen, this.statistics]) {
      if (flat.layout.entries.length > 0) this.ctx.device.queue.writeBuffer(flat.buffer, 0, flat.pack(values));
    }
  }

  /** Every parameter (trainable and frozen) and running statistic by state_dict name. */
  async readParameters(): Promise<Map<string, Float32Array>> {
    const result = this.params.unpack(await readTensor(this.ctx, this.params.whole));
    for (const flat of [this.frozen, this.statistics]) {
      if (flat.layout.entries.length) for (const [name, values] of flat.unpack(await readTensor(this.ctx, flat.whole))) result.set(name, values);
    }
    return result;
  }

  async readGradients(): Promise<Map<string, Float32Array>> {
    return this.grads.unpack(await readTensor(this.ctx, this.grads.whole));
  }

  /** A safetensors file with PyTorch's state_dict names (parameters, running statistics, num_batches_tracked). */
  async saveCheckpoint(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    const values = await this.readParameters();
    return encodeModelCheckpoint(this.graph, { values, numBatchesTracked: this.numBatchesTracked }, metadata);
  }

  /** Loads a checkpoint of this preset; throws a CheckpointError saying what is wrong with any other file. */
  loadCheckpoint(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
    const state = decodeModelCheckpoint(this.graph, bytes);
    this.writeParameters(state.values);
    this.numBatchesTracked = state.numBatchesTracked;
    return state.metadata;
  }

  destroy(): void {
    this.trainPlan?.dispose();
    this.evalPlan?.dispose();
    this.ctx.pool.releaseOwner(this.owner);
  }

  /** `stage` copies more small values to read back (an optimizer's status) into the same command buffer, after the pass. */
  private async submit(
    encode: (pass: GPUComputePassEncoder) => void,
    readMetrics: boolean,
    stage?: (encoder: GPUCommandEncoder) => void,
    timestampWrites?: GPUComputePassTimestampWrites,
  ): Promise<StepMetrics | null> {
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.owner}:step` });
    const pass = encoder.beginComputePass({ label: `${this.owner}:step`, timestampWrites });
    encode(pass);
    pass.end();
    if (readMetrics) this.copyMetrics(encoder);
    stage?.(encoder);
    this.ctx.device.queue.submit([encoder.finish()]);
    return readMetrics ? this.readStagedMetrics() : null;
  }

  /**
   * One buffer per tensor, except that flatten's output is a reshaped view of its input (and
   * its input's gradient a view of its output's), which is free in NCHW.
   */
  private allocateActivations(): void {
    const { pool } = this.ctx;
    const consumers = consumerCounts(this.graph);
    const flattenOf = new Map<string, string>();
    for (const node of this.graph.nodes) if (node.op === 'flatten') flattenOf.set(node.output, node.input);
    for (const [name, shape] of this.shapes) {
      const source = flattenOf.get(name);
      if (source !== undefined) {
        if ((consumers.get(source) ?? 0) !== 1) throw new Error(`${this.graph.preset}: flatten input "${source}" must have no other reader`);
        this.activations.set(name, reshape(this.activations.get(source)!, shape, name));
        continue;
      }
      const tokenIds = name === GRAPH_INPUT && this.graph.task === 'language-modeling';
      this.activations.set(name, pool.tensor(`${this.owner}:${name}`, shape, this.owner, tokenIds ? 'u32' : 'f32'));
    }
    for (const [name, shape] of [...this.shapes].reverse()) {
      if (name === GRAPH_INPUT) continue;
      const flattened = [...flattenOf].find(([, input]) => input === name)?.[0];
      if (flattened !== undefined) {
        this.activationGrads.set(name, reshape(this.activationGrads.get(flattened)!, shape, `d:${name}`));
        continue;
      }
      this.activationGrads.set(name, pool.tensor(`${this.owner}:d:${name}`, shape, this.owner));
    }
  }

  private layerTensors(node: PreconditionedNode): LayerTensors {
    const hasBias = node.op === 'batchnorm2d' || node.op === 'layernorm' || node.bias;
    return {
      node,
      input: this.activations.get(node.input)!,
      outputGrad: this.activationGrads.get(node.output)!,
      weight: this.params.view(`${node.name}.weight`),
      bias: hasBias ? this.params.view(`${node.name}.bias`) : null,
      weightGrad: this.grads.view(`${node.name}.weight`),
      biasGrad: hasBias ? this.grads.view(`${node.name}.bias`) : null,
    };
  }

  private record(mode: 'train' | 'eval'): ComputePlan {
    const plan = new ComputePlan(this.ctx, `${this.owner}:${mode}`, this.owner);
    const buffers: PassBuffers = { params: this.params, grads: this.grads, statistics: this.statistics, kinks: NO_KINKS };
    for (const node of this.graph.nodes) plan.within(layerOf(node), 'forward', () => this.recordForward(plan, node, mode === 'train', buffers));
    const logits = this.activations.get(this.graph.output)!;
    const { rows, graph } = this;
    plan.within(LOSS_LAYER, 'forward', () => {
      softmaxCrossEntropy(plan, this.losses, this.activationGrads.get(graph.output)!, logits, this.labels, rows, graph.classes);
      if (mode === 'eval') crossEntropyTotals(plan, this.evaluationTotals, this.losses, logits, this.labels, this.validRows, rows, graph.classes);
      else crossEntropyTotals(plan, this.metrics, this.losses, logits, this.labels, this.trainRows, rows, graph.classes, { accumulate: false });
    });
    if (mode === 'train') this.recordBackwardPass(plan, buffers, 'backward');
    return plan;
  }

  /** Backward in reverse graph order: the first gradient written into a tensor overwrites, later ones (a residual input read twice) add. */
  private recordBackwardPass(plan: ComputePlan, buffers: PassBuffers, phase: StepPhase | null): void {
    const { graph } = this;
    const written = new Set<string>([graph.output]);
    const accumulate = (name: string) => {
      const seen = written.has(name);
      written.add(name);
      return seen;
    };
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const node = graph.nodes[i];
      plan.within(layerOf(node), phase, () => this.recordBackward(plan, node, accumulate, buffers));
    }
  }

  private kinkInputs(): string[] {
    const names = this.graph.nodes.flatMap((node) => ((node.op === 'relu' || node.op === 'maxpool2d') && node.input !== GRAPH_INPUT ? [node.input] : []));
    return [...new Set(names)];
  }

  private gradientPassStatistics(): FlatBuffer {
    if (this.statistics.layout.entries.length === 0) return this.statistics; // nothing to update
    if (!this.scratchStatistics) {
      const { layout } = this.statistics;
      this.scratchStatistics = new FlatBuffer(layout, this.ctx.pool, `${this.owner}:gradient-pass-statistics`, this.owner);
      this.ctx.device.queue.writeBuffer(this.scratchStatistics.buffer, 0, new Float32Array(layout.totalElements));
    }
    return this.scratchStatistics;
  }

  private recordForward(plan: ComputePlan, node: GraphNode, training: boolean, { params, statistics, kinks }: PassBuffers): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const act = (name: string) => this.activations.get(name)!;
    const out = act(node.output);
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const bias = node.bias ? this.weight(params, `${node.name}.bias`) : null;
        conv2dForward(
          plan,
          out,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          bias,
          B,
          Cin,
          H,
          W,
          node.outChannels,
          node.kernel,
          node.stride,
          node.padding,
        );
        break;
      }
      case 'batchnorm2d': {
        const [B, C, H, W] = inShape;
        const gamma = this.weight(params, `${node.name}.weight`);
        const beta = this.weight(params, `${node.name}.bias`);
        const runningMean = statistics.view(`${node.name}.running_mean`);
        const runningVar = statistics.view(`${node.name}.running_var`);
        if (training) {
          const stats = this.batchStats.get(node.name)!;
          batchNorm2dForwardTrain(
            plan,
            out,
            stats.mean,
            stats.invStd,
            runningMean,
            runningVar,
            act(node.input),
            gamma,
            beta,
            B,
            C,
            H * W,
            node.momentum,
            node.eps,
          );
        } else {
          batchNorm2dForwardEval(plan, out, act(node.input), gamma, beta, runningMean, runningVar, B, C, H * W, node.eps);
        }
        break;
      }
      case 'linear': {
        const bias = node.bias ? this.weight(params, `${node.name}.bias`) : null;
        linearForward(
          plan,
          out,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          bias,
          size(inShape) / node.inFeatures,
          node.inFeatures,
          node.outFeatures,
        );
        break;
      }
      case 'embedding': {
        const [B, T] = inShape;
        embeddingForward(
          plan,
          out,
          act(node.input),
          this.weight(params, `${node.tokenTable}.weight`),
          this.weight(params, `${node.positionTable}.weight`),
          B,
          T,
          node.width,
          node.vocab,
          node.context,
        );
        break;
      }
      case 'layernorm': {
        const stats = this.batchStats.get(node.name)!;
        const p = (role: string) => this.weight(params, `${node.name}.${role}`);
        layerNormForward(plan, out, stats.mean, stats.invStd, act(node.input), p('weight'), p('bias'), size(inShape) / node.features, node.features, node.eps);
        break;
      }
      case 'attention': {
        const [B, T, C] = inShape;
        const [q, k, v] = node.inputs.map(act);
        attentionForward(plan, out, this.attentionProbs.get(node.name)!, q, k, v, B, T, C, node.heads);
        break;
      }
      case 'gelu':
        geluForward(plan, out, act(node.input), size(inShape), node.approximate);
        break;
      case 'softmax': {
        const C = inShape.at(-1)!;
        softmaxForward(plan, out, act(node.input), size(inShape) / C, C);
        break;
      }
      case 'tied_linear':
        linearForward(plan, out, act(node.input), this.weight(params, `${node.table}.weight`), null, size(inShape) / node.width, node.width, node.vocab);
        break;
      case 'relu': {
        // At a frozen mask: out = x · [saved > 0], which is ReLU's backward applied to x.
        const saved = kinks.get(node.input);
        if (saved) reluBackward(plan, out, act(node.input), saved, size(inShape), { accumulate: false });
        else reluForward(plan, out, act(node.input), size(inShape));
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        const saved = kinks.get(node.input);
        if (node.op === 'maxpool2d' && saved) maxPool2dForwardAt(plan, out, act(node.input), saved, B, C, H, W, node.kernel, node.stride);
        else (node.op === 'maxpool2d' ? maxPool2dForward : avgPool2dForward)(plan, out, act(node.input), B, C, H, W, node.kernel, node.stride);
        break;
      }
      case 'add':
        addForward(plan, out, act(node.inputs[0]), act(node.inputs[1]), size(inShape));
        break;
      case 'flatten':
        break; // a view, made in allocateActivations
    }
  }

  private recordBackward(plan: ComputePlan, node: GraphNode, accumulate: (name: string) => boolean, { params, grads, kinks }: PassBuffers): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const dOut = this.activationGrads.get(node.output)!;
    const act = (name: string) => this.activations.get(name)!;
    // None for the graph's input and for a tensor with nothing trainable upstream: nobody reads it.
    const dInput = (name: string) => (this.gradientNeeded.has(name) ? this.activationGrads.get(name)! : null);
    // A parameter's gradient has one writer per step, which overwrites it; the tied token table
    // has two, the output layer (which overwrites) and the embedding's scatter (which always adds).
    const options = (name: string): BackwardOptions => ({ accumulate: name !== GRAPH_INPUT && accumulate(name), accumulateParams: false });
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const dBias = node.bias ? this.gradient(grads, `${node.name}.bias`) : null;
        conv2dBackward(
          plan,
          dInput(node.input),
          this.gradient(grads, `${node.name}.weight`),
          dBias,
          dOut,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          B,
          Cin,
          H,
          W,
          node.outChannels,
          node.kernel,
          node.stride,
          node.padding,
          options(node.input),
        );
        break;
      }
      case 'batchnorm2d': {
        const [B, C, H, W] = inShape;
        const stats = this.batchStats.get(node.name)!;
        batchNorm2dBackward(
          plan,
          dInput(node.input),
          this.gradient(grads, `${node.name}.weight`),
          this.gradient(grads, `${node.name}.bias`),
          dOut,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          stats.mean,
          stats.invStd,
          B,
          C,
          H * W,
          options(node.input),
        );
        break;
      }
      case 'linear': {
        const dBias = node.bias ? this.gradient(grads, `${node.name}.bias`) : null;
        linearBackward(
          plan,
          dInput(node.input),
          this.gradient(grads, `${node.name}.weight`),
          dBias,
          dOut,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          size(inShape) / node.inFeatures,
          node.inFeatures,
          node.outFeatures,
          options(node.input),
        );
        break;
      }
      case 'embedding': {
        // After the tied output layer wrote the table's gradient: the scatter-add always adds into it.
        // A frozen table gets none; the embedding has no input gradient, so both frozen means no work.
        const [B, T] = inShape;
        const [dTokens, dPositions] = [node.tokenTable, node.positionTable].map((table) => this.gradient(grads, `${table}.weight`));
        if (!dTokens && !dPositions) break;
        embeddingBackward(plan, dTokens, dPositions, dOut, this.embeddingIndexTensors!, B, T, node.width, node.vocab, node.context, {
          accumulateParams: false,
        });
        break;
      }
      case 'layernorm': {
        const stats = this.batchStats.get(node.name)!;
        const g = (role: string) => this.gradient(grads, `${node.name}.${role}`);
        layerNormBackward(
          plan,
          dInput(node.input),
          g('weight'),
          g('bias'),
          dOut,
          act(node.input),
          this.weight(params, `${node.name}.weight`),
          stats.mean,
          stats.invStd,
          size(inShape) / node.features,
          node.features,
          options(node.input),
        );
        break;
      }
      case 'attention': {
        const [B, T, C] = inShape;
        const [q, k, v] = node.inputs;
        if (!dInput(q) && !dInput(k) && !dInput(v)) break;
        // q, k and v are separate projections, each read only here: their gradients are written, never added.
        attentionBackward(
          plan,
          dInput(q)!,
          dInput(k)!,
          dInput(v)!,
          dOut,
          this.attentionProbs.get(node.name)!,
          act(q),
          act(k),
          act(v),
          this.attentionScratch!,
          B,
          T,
          C,
          node.heads,
          options(q),
        );
        accumulate(k);
        accumulate(v);
        break;
      }
      case 'gelu':
        if (dInput(node.input)) geluBackward(plan, dInput(node.input)!, dOut, act(node.input), size(inShape), node.approximate, options(node.input));
        break;
      case 'softmax': {
        // From the forward's output, which stays in its activation buffer.
        const C = inShape.at(-1)!;
        if (dInput(node.input)) softmaxBackward(plan, dInput(node.input)!, dOut, act(node.output), size(inShape) / C, C, options(node.input));
        break;
      }
      case 'tied_linear':
        // A frozen table still passes the gradient on to the last block (dInput); it gets none itself.
        linearBackward(
          plan,
          dInput(node.input),
          this.gradient(grads, `${node.table}.weight`),
          null,
          dOut,
          act(node.input),
          this.weight(params, `${node.table}.weight`),
          size(inShape) / node.width,
          node.width,
          node.vocab,
          options(node.input),
        );
        break;
      case 'relu':
        if (dInput(node.input)) reluBackward(plan, dInput(node.input)!, dOut, kinks.get(node.input) ?? act(node.input), size(inShape), options(node.input));
        break;
      case 'maxpool2d': {
        const [B, C, H, W] = inShape;
        if (dInput(node.input))
          maxPool2dBackward(
            plan,
            dInput(node.input)!,
            dOut,
            kinks.get(node.input) ?? act(node.input),
            B,
            C,
            H,
            W,
            node.kernel,
            node.stride,
            options(node.input),
          );
        break;
      }
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        if (dInput(node.input)) avgPool2dBackward(plan, dInput(node.input)!, dOut, B, C, H, W, node.kernel, node.stride, options(node.input));
        break;
      }
      case 'add': {
        const [a, b] = node.inputs;
        addBackward(plan, dInput(a), dInput(b), dOut, size(inShape), { accumulateA: options(a).accumulate, accumulateB: options(b).accumulate });
        break;
      }
      case 'flatten':
        // The input's gradient is a view of the output's; mark it written so a later writer adds.
        accumulate(node.input);
        break;
    }
  }
}
