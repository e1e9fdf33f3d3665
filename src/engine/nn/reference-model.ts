// The float64 twin of GpuModel: the same graph run with the reference ops, used to check
// the GPU's loss and gradients (and, later, whole training runs) value by value; also the
// extra gradient passes of second-order optimizers and an exact Hessian-vector product.

import { addBackward, addForward } from '../kernels/add/add.ref';
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from '../kernels/batchnorm2d/batchnorm2d.ref';
import { conv2dBackward, conv2dForward } from '../kernels/conv2d/conv2d.ref';
import { countCorrect, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../kernels/cross-entropy/cross-entropy.ref';
import { flattenBackward, flattenForward } from '../kernels/flatten/flatten.ref';
import { linearBackward, linearForward } from '../kernels/linear/linear.ref';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from '../kernels/pool2d/pool2d.ref';
import { reluBackward, reluForward } from '../kernels/relu/relu.ref';
import { maxPool2dForwardAt } from '../kernels/frozen-kinks/frozen-kinks.ref';
import { attentionBackward, attentionForward } from '../kernels/attention/attention.ref';
import { embeddingBackward, embeddingForward } from '../kernels/embedding/embedding.ref';
import { geluBackward, geluForward } from '../kernels/gelu/gelu.ref';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm/layernorm.ref';
import { softmaxBackward, softmaxForward } from '../kernels/softmax/softmax.ref';
import { ACCUMULATE_ALL } from '../kernels/backward-options';
import { GRAPH_INPUT, nodeInputs, predictionRows, type GraphNode, type ModelGraph } from './graph';
import { parameterSpecs, type ParameterSpec } from './parameters';
import { inferShapes, type Shape } from './shapes';

/** backward() zeroes every gradient before the first layer's, so each layer's backward adds into its outputs. */
const ADD_INTO_ZEROED = ACCUMULATE_ALL;

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

const NO_KINKS: ReadonlyMap<string, Float64Array> = new Map();

/** GpuModel's extra gradient pass, in float64 (see GradientPassOptions there). */
export interface ReferenceGradientPassOptions {
  /** Trainable values by name that replace the model's for this pass (any subset). */
  readonly params?: ReadonlyMap<string, ArrayLike<number>>;
  /** Overwritten with dLoss/dparams (see createGradients); the model's `grads` are untouched unless this is them. */
  readonly grads: Map<string, Float64Array>;
  /** One per prediction row; the last forward's labels unless given. */
  readonly labels?: ArrayLike<number>;
  /** Run the training-mode forward first (default); without it, start from the last forward's logits. */
  readonly forward?: boolean;
  /** Frozen ReLU masks and max-pool arg-maxes: copies of their inputs from captureKinks. */
  readonly kinks?: ReadonlyMap<string, ArrayLike<number>>;
}

/** How the exact Hessian-vector product is evaluated (hessianVectorProduct). */
export interface HessianVectorOptions {
  /** The point θ (trainable values by name, any subset); the model's parameters unless given. */
  readonly params?: ReadonlyMap<string, ArrayLike<number>>;
  readonly labels?: ArrayLike<number>;
  /**
   * The largest difference step h of the extrapolation (1e-4: on a two-block GPT with N(0, 0.02)
   * weights, 1e-3 leaves 8e-7 of higher-order terms and 1e-4 less than 1e-12).
   */
  readonly step?: number;
}

export class ReferenceModel {
  readonly shapes: Map<string, Shape>;
  readonly specs: ParameterSpec[];
  /** Every parameter (trainable and frozen) and BatchNorm running statistic, by state_dict name. */
  readonly params = new Map<string, Float64Array>();
  /** Gradients of the trainable parameters only: a frozen one has none. */
  readonly grads = new Map<string, Float64Array>();
  readonly activations = new Map<string, Float64Array>();
  readonly activationGrads = new Map<string, Float64Array>();
  private readonly batchStats = new Map<string, { mean: Float64Array; invStd: Float64Array }>();
  /** Attention probabilities (B, H, T, T) per attention node, kept for the backward. */
  private readonly attentionProbs = new Map<string, Float64Array>();
  /** Prediction rows: the batch, or B*T tokens for a language model. */
  readonly rows: number;
  private readonly tokens: Uint32Array;
  private probs: Float64Array;
  private labels: Uint32Array;

  constructor(
    readonly graph: ModelGraph,
    readonly batch: number,
    initial: ReadonlyMap<string, ArrayLike<number>>,
  ) {
    this.shapes = inferShapes(graph, batch);
    this.specs = parameterSpecs(graph);
    for (const spec of this.specs) {
      const values = initial.get(spec.name);
      if (!values || values.length !== size(spec.shape)) throw new Error(`Missing or mis-sized initial values for ${spec.name}`);
      this.params.set(spec.name, Float64Array.from(values));
      if (spec.trainable) this.grads.set(spec.name, new Float64Array(values.length));
    }
    for (const [name, shape] of this.shapes) {
      this.activations.set(name, new Float64Array(size(shape)));
      this.activationGrads.set(name, new Float64Array(size(shape)));
    }
    this.rows = predictionRows(graph, batch);
    for (const node of graph.nodes) {
      if (node.op === 'batchnorm2d') this.batchStats.set(node.name, { mean: new Float64Array(node.channels), invStd: new Float64Array(node.channels) });
      if (node.op === 'layernorm') this.batchStats.set(node.name, { mean: new Float64Array(this.rows), invStd: new Float64Array(this.rows) });
      if (node.op === 'attention') {
        const [B, T] = this.shapes.get(node.inputs[0])!;
        this.attentionProbs.set(node.name, new Float64Array(B * node.heads * T * T));
      }
    }
    this.tokens = new Uint32Array(graph.task === 'language-modeling' ? this.rows : 0);
    this.probs = new Float64Array(this.rows * graph.classes);
    this.labels = new Uint32Array(this.rows);
  }

  /**
   * Runs the graph and the mean cross-entropy over the prediction rows; `training` selects
   * BatchNorm's batch statistics. Inputs are images, or token ids for a language model.
   */
  forward(inputs: ArrayLike<number>, labels: ArrayLike<number>, training: boolean): { loss: number; correct: number } {
    this.activations.get(GRAPH_INPUT)!.set(inputs);
    if (this.graph.task === 'language-modeling') this.tokens.set(inputs);
    this.labels.set(labels);
    for (const node of this.graph.nodes) this.forwardNode(node, training, this.params, NO_KINKS);
    const logits = this.activations.get(this.graph.output)!;
    const losses = new Float64Array(this.rows);
    const loss = softmaxCrossEntropyForward(losses, this.probs, logits, this.labels, this.rows, this.graph.classes);
    return { loss, correct: countCorrect(logits, this.labels, this.rows, this.graph.classes) };
  }

  /** Gradients of the last forward's mean loss, into `grads` and `activationGrads`. */
  backward(): void {
    this.backwardFrom(this.labels, this.params, this.grads);
  }

  /** The last forward's labels (one per prediction row). */
  get batchLabels(): Uint32Array {
    return this.labels;
  }

  /** Zeroed gradients by trainable parameter name, for gradientPass. */
  createGradients(): Map<string, Float64Array> {
    return new Map([...this.grads].map(([name, grad]) => [name, new Float64Array(grad.length)]));
  }

  /**
   * GpuModel.recordGradientPass in float64, on the last forward's batch: the training-mode
   * forward at `params`, the mean loss against `labels`, the backward into `grads`. Running
   * statistics are not updated; activations, activation gradients and the probabilities the
   * next backward() starts from hold this pass's values. Returns the pass's mean loss.
   */
  gradientPass(options: ReferenceGradientPassOptions): number {
    const values = this.passValues(options.params);
    const labels = options.labels === undefined ? this.labels : Uint32Array.from(options.labels);
    if (labels.length !== this.rows) throw new Error(`ReferenceModel.gradientPass: expected ${this.rows} labels, got ${labels.length}`);
    for (const [name, grad] of this.grads) {
      if (options.grads.get(name)?.length !== grad.length) throw new Error(`ReferenceModel.gradientPass: grads has no ${grad.length} values for ${name}`);
    }
    const kinks = new Map([...(options.kinks ?? [])].map(([name, saved]) => [name, Float64Array.from(saved)]));
    for (const [name, saved] of kinks) {
      const own = this.graph.nodes.some((node) => (node.op === 'relu' || node.op === 'maxpool2d') && node.input === name)
        ? this.activations.get(name)
        : undefined;
      if (own?.length !== saved.length)
        throw new Error(`ReferenceModel.gradientPass: kinks "${name}" is not a ReLU or max-pool input of ${own?.length ?? 0} values`);
    }
    if (options.forward ?? true) for (const node of this.graph.nodes) this.forwardNode(node, true, values, kinks);
    const losses = new Float64Array(this.rows);
    const loss = softmaxCrossEntropyForward(losses, this.probs, this.activations.get(this.graph.output)!, labels, this.rows, this.graph.classes);
    this.backwardFrom(labels, values, options.grads, kinks);
    return loss;
  }

  /**
   * The exact H·v of the mean training-mode loss of the last forward's batch at `params`, on
   * the smooth piece θ lies on (each ReLU's mask and each max pool's arg-max frozen at θ, as
   * autograd's second derivatives hold them), by Richardson extrapolation of central
   * differences of the gradient in float64:
   *   D(h) = (g(θ + h v) - g(θ - h v)) / (2h) = Hv + c2 h² + c4 h⁴ + …
   *   R(h) = (16 R1(h/2) - R1(h)) / 15 with R1(h) = (4 D(h/2) - D(h)) / 3, error O(h⁶);
   * it agrees with an analytic Hessian to 1e-11 relative (rounding, ~1e-16 |g| / h).
   * Overwrites activations like gradientPass; running statistics are untouched.
   */
  hessianVectorProduct(v: ReadonlyMap<string, ArrayLike<number>>, options: HessianVectorOptions = {}): Map<string, Float64Array> {
    const values = this.passValues(options.params);
    const base = new Map([...this.grads.keys()].map((name) => [name, values.get(name)!]));
    for (const [name, grad] of this.grads) {
      if (v.get(name)?.length !== grad.length) throw new Error(`ReferenceModel.hessianVectorProduct: v has no ${grad.length} values for ${name}`);
    }
    this.gradientPass({ params: base, grads: this.createGradients(), labels: options.labels });
    const kinks = this.captureKinks();
    const difference = (h: number) => {
      const [plus, minus] = [h, -h].map((step) => {
        const point = new Map([...this.grads.keys()].map((name) => [name, base.get(name)!.map((x, i) => x + step * v.get(name)![i])]));
        const grads = this.createGradients();
        this.gradientPass({ params: point, grads, labels: options.labels, kinks });
        return grads;
      });
      return new Map([...plus].map(([name, g]) => [name, g.map((x, i) => (x - minus.get(name)![i]) / (2 * h))]));
    };
    const h = options.step ?? 1e-4;
    const [d1, d2, d4] = [h, h / 2, h / 4].map(difference);
    return new Map(
      [...d1].map(([name, a]) => {
        const [b, c] = [d2.get(name)!, d4.get(name)!];
        return [name, a.map((_, i) => (16 * ((4 * c[i] - b[i]) / 3) - (4 * b[i] - a[i]) / 3) / 15)];
      }),
    );
  }

  /** Copies of every ReLU and max-pool input after the last forward (GpuModel's KinkSnapshot). */
  captureKinks(): Map<string, Float64Array> {
    const kinks = new Map<string, Float64Array>();
    for (const node of this.graph.nodes) {
      if ((node.op === 'relu' || node.op === 'maxpool2d') && node.input !== GRAPH_INPUT) kinks.set(node.input, this.act(node.input).slice());
    }
    return kinks;
  }

  /**
   * The model's values with `params` in place of its trainable ones, and copies of the running
   * statistics, so that a training-mode forward's update of them is discarded.
   */
  private passValues(params: ReadonlyMap<string, ArrayLike<number>> | undefined): Map<string, Float64Array> {
    const values = new Map(this.params);
    for (const spec of this.specs) if (!spec.trainable) values.set(spec.name, Float64Array.from(this.params.get(spec.name)!));
    for (const [name, given] of params ?? []) {
      const own = this.grads.get(name);
      if (!own) throw new Error(`ReferenceModel: "${name}" is not a trainable parameter of ${this.graph.preset}`);
      if (given.length !== own.length) throw new Error(`ReferenceModel: "${name}" has ${given.length} values, expected ${own.length}`);
      values.set(name, Float64Array.from(given));
    }
    return values;
  }

  /** Gradients of the mean loss of the last probabilities against `labels`, into `grads` and `activationGrads`. */
  private backwardFrom(
    labels: Uint32Array,
    values: ReadonlyMap<string, Float64Array>,
    grads: Map<string, Float64Array>,
    kinks: ReadonlyMap<string, Float64Array> = NO_KINKS,
  ): void {
    for (const grad of grads.values()) grad.fill(0);
    for (const grad of this.activationGrads.values()) grad.fill(0);
    softmaxCrossEntropyBackward(this.activationGrads.get(this.graph.output)!, this.probs, labels, this.rows, this.graph.classes);
    for (let i = this.graph.nodes.length - 1; i >= 0; i--) this.backwardNode(this.graph.nodes[i], values, grads, kinks);
  }

  /** A parameter's gradient in `grads`; null for a frozen one, which gets none. */
  private gradient(grads: ReadonlyMap<string, Float64Array>, name: string): Float64Array | null {
    return this.specs.find((spec) => spec.name === name)?.frozen ? null : grads.get(name)!;
  }

  private act(name: string): Float64Array {
    return this.activations.get(name)!;
  }

  /** The graph input needs no gradient. */
  private grad(name: string): Float64Array | null {
    return name === GRAPH_INPUT ? null : this.activationGrads.get(name)!;
  }

  private forwardNode(node: GraphNode, training: boolean, values: ReadonlyMap<string, Float64Array>, kinks: ReadonlyMap<string, Float64Array>): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const out = this.act(node.output);
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const bias = node.bias ? values.get(`${node.name}.bias`)! : null;
        conv2dForward(
          out,
          this.act(node.input),
          values.get(`${node.name}.weight`)!,
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
        const p = (role: string) => values.get(`${node.name}.${role}`)!;
        if (training) {
          const stats = this.batchStats.get(node.name)!;
          batchNorm2dForwardTrain(
            out,
            stats.mean,
            stats.invStd,
            p('running_mean'),
            p('running_var'),
            this.act(node.input),
            p('weight'),
            p('bias'),
            B,
            C,
            H * W,
            node.momentum,
            node.eps,
          );
        } else {
          batchNorm2dForwardEval(out, this.act(node.input), p('weight'), p('bias'), p('running_mean'), p('running_var'), B, C, H * W, node.eps);
        }
        break;
      }
      case 'linear': {
        const bias = node.bias ? values.get(`${node.name}.bias`)! : null;
        linearForward(out, this.act(node.input), values.get(`${node.name}.weight`)!, bias, size(inShape) / node.inFeatures, node.inFeatures, node.outFeatures);
        break;
      }
      case 'embedding': {
        const [B, T] = inShape;
        embeddingForward(
          out,
          this.tokens,
          values.get(`${node.tokenTable}.weight`)!,
          values.get(`${node.positionTable}.weight`)!,
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
        const p = (role: string) => values.get(`${node.name}.${role}`)!;
        layerNormForward(out, stats.mean, stats.invStd, this.act(node.input), p('weight'), p('bias'), size(inShape) / node.features, node.features, node.eps);
        break;
      }
      case 'attention': {
        const [B, T, C] = inShape;
        const [q, k, v] = node.inputs.map((name) => this.act(name));
        attentionForward(out, this.attentionProbs.get(node.name)!, q, k, v, B, T, C, node.heads);
        break;
      }
      case 'gelu':
        geluForward(out, this.act(node.input), out.length, node.approximate);
        break;
      case 'softmax': {
        const C = inShape.at(-1)!;
        softmaxForward(out, this.act(node.input), out.length / C, C);
        break;
      }
      case 'tied_linear':
        linearForward(out, this.act(node.input), values.get(`${node.table}.weight`)!, null, size(inShape) / node.width, node.width, node.vocab);
        break;
      case 'relu': {
        // At a frozen mask: out = x · [saved > 0], which is ReLU's backward applied to x.
        const saved = kinks.get(node.input);
        if (saved) reluBackward(out, this.act(node.input), saved, out.length, { accumulate: false });
        else reluForward(out, this.act(node.input), out.length);
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        const saved = kinks.get(node.input);
        if (node.op === 'maxpool2d' && saved) maxPool2dForwardAt(out, this.act(node.input), saved, B, C, H, W, node.kernel, node.stride);
        else (node.op === 'maxpool2d' ? maxPool2dForward : avgPool2dForward)(out, this.act(node.input), B, C, H, W, node.kernel, node.stride);
        break;
      }
      case 'add':
        addForward(out, this.act(node.inputs[0]), this.act(node.inputs[1]), out.length);
        break;
      case 'flatten': {
        const [B, C, H, W] = inShape;
        flattenForward(out, this.act(node.input), B, C, H, W);
        break;
      }
    }
  }

  private backwardNode(
    node: GraphNode,
    values: ReadonlyMap<string, Float64Array>,
    grads: Map<string, Float64Array>,
    kinks: ReadonlyMap<string, Float64Array>,
  ): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const dOut = this.activationGrads.get(node.output)!;
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const dBias = node.bias ? this.gradient(grads, `${node.name}.bias`) : null;
        conv2dBackward(
          this.grad(node.input),
          this.gradient(grads, `${node.name}.weight`),
          dBias,
          dOut,
          this.act(node.input),
          values.get(`${node.name}.weight`)!,
          B,
          Cin,
          H,
          W,
          node.outChannels,
          node.kernel,
          node.stride,
          node.padding,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'batchnorm2d': {
        const [B, C, H, W] = inShape;
        const stats = this.batchStats.get(node.name)!;
        batchNorm2dBackward(
          this.grad(node.input),
          this.gradient(grads, `${node.name}.weight`),
          this.gradient(grads, `${node.name}.bias`),
          dOut,
          this.act(node.input),
          values.get(`${node.name}.weight`)!,
          stats.mean,
          stats.invStd,
          B,
          C,
          H * W,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'linear': {
        const dBias = node.bias ? this.gradient(grads, `${node.name}.bias`) : null;
        linearBackward(
          this.grad(node.input),
          this.gradient(grads, `${node.name}.weight`),
          dBias,
          dOut,
          this.act(node.input),
          values.get(`${node.name}.weight`)!,
          size(inShape) / node.inFeatures,
          node.inFeatures,
          node.outFeatures,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'embedding': {
        // A frozen table has no gradient and is skipped (the embedding has no input gradient).
        const [B, T] = inShape;
        embeddingBackward(
          this.gradient(grads, `${node.tokenTable}.weight`),
          this.gradient(grads, `${node.positionTable}.weight`),
          dOut,
          this.tokens,
          B,
          T,
          node.width,
          node.vocab,
          node.context,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'layernorm': {
        const stats = this.batchStats.get(node.name)!;
        const g = (role: string) => this.gradient(grads, `${node.name}.${role}`);
        layerNormBackward(
          this.grad(node.input),
          g('weight'),
          g('bias'),
          dOut,
          this.act(node.input),
          values.get(`${node.name}.weight`)!,
          stats.mean,
          stats.invStd,
          size(inShape) / node.features,
          node.features,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'attention': {
        const [B, T, C] = inShape;
        const [q, k, v] = node.inputs;
        attentionBackward(
          this.grad(q)!,
          this.grad(k)!,
          this.grad(v)!,
          dOut,
          this.attentionProbs.get(node.name)!,
          this.act(q),
          this.act(k),
          this.act(v),
          B,
          T,
          C,
          node.heads,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'gelu':
        geluBackward(this.grad(node.input)!, dOut, this.act(node.input), dOut.length, node.approximate, ADD_INTO_ZEROED);
        break;
      case 'softmax': {
        // The backward needs only the forward's output.
        const C = inShape.at(-1)!;
        const dInput = this.grad(node.input);
        if (dInput) softmaxBackward(dInput, dOut, this.act(node.output), dOut.length / C, C, ADD_INTO_ZEROED);
        break;
      }
      case 'tied_linear':
        // The output layer's weight is the token embedding: its gradient adds into the table's (none when frozen).
        linearBackward(
          this.grad(node.input),
          this.gradient(grads, `${node.table}.weight`),
          null,
          dOut,
          this.act(node.input),
          values.get(`${node.table}.weight`)!,
          size(inShape) / node.width,
          node.width,
          node.vocab,
          ADD_INTO_ZEROED,
        );
        break;
      case 'relu':
        reluBackward(this.grad(node.input)!, dOut, kinks.get(node.input) ?? this.act(node.input), dOut.length, ADD_INTO_ZEROED);
        break;
      case 'maxpool2d': {
        const [B, C, H, W] = inShape;
        maxPool2dBackward(this.grad(node.input)!, dOut, kinks.get(node.input) ?? this.act(node.input), B, C, H, W, node.kernel, node.stride, ADD_INTO_ZEROED);
        break;
      }
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        avgPool2dBackward(this.grad(node.input)!, dOut, B, C, H, W, node.kernel, node.stride, ADD_INTO_ZEROED);
        break;
      }
      case 'add':
        addBackward(this.grad(node.inputs[0])!, this.grad(node.inputs[1])!, dOut, dOut.length, { accumulateA: true, accumulateB: true });
        break;
      case 'flatten': {
        const [B, C, H, W] = inShape;
        flattenBackward(this.grad(node.input)!, dOut, B, C, H, W);
        break;
      }
    }
  }
}
