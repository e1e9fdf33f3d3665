// The float64 twin of GpuModel: the same graph run with the reference ops, used to check
// the GPU's loss and gradients (and, later, whole training runs) value by value.

import { addBackward, addForward } from '../kernels/add/add.ref';
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from '../kernels/batchnorm2d/batchnorm2d.ref';
import { conv2dBackward, conv2dForward } from '../kernels/conv2d/conv2d.ref';
import { countCorrect, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../kernels/cross-entropy/cross-entropy.ref';
import { flattenBackward, flattenForward } from '../kernels/flatten/flatten.ref';
import { linearBackward, linearForward } from '../kernels/linear/linear.ref';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from '../kernels/pool2d/pool2d.ref';
import { reluBackward, reluForward } from '../kernels/relu/relu.ref';
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

export class ReferenceModel {
  readonly shapes: Map<string, Shape>;
  readonly specs: ParameterSpec[];
  /** Trainable parameters and BatchNorm running statistics, by state_dict name. */
  readonly params = new Map<string, Float64Array>();
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
    for (const node of this.graph.nodes) this.forwardNode(node, training);
    const logits = this.activations.get(this.graph.output)!;
    const losses = new Float64Array(this.rows);
    const loss = softmaxCrossEntropyForward(losses, this.probs, logits, this.labels, this.rows, this.graph.classes);
    return { loss, correct: countCorrect(logits, this.labels, this.rows, this.graph.classes) };
  }

  /** Gradients of the last forward's mean loss, into `grads` and `activationGrads`. */
  backward(): void {
    for (const grad of this.grads.values()) grad.fill(0);
    for (const grad of this.activationGrads.values()) grad.fill(0);
    softmaxCrossEntropyBackward(this.activationGrads.get(this.graph.output)!, this.probs, this.labels, this.rows, this.graph.classes);
    for (let i = this.graph.nodes.length - 1; i >= 0; i--) this.backwardNode(this.graph.nodes[i]);
  }

  private act(name: string): Float64Array {
    return this.activations.get(name)!;
  }

  /** The graph input needs no gradient. */
  private grad(name: string): Float64Array | null {
    return name === GRAPH_INPUT ? null : this.activationGrads.get(name)!;
  }

  private forwardNode(node: GraphNode, training: boolean): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const out = this.act(node.output);
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const bias = node.bias ? this.params.get(`${node.name}.bias`)! : null;
        conv2dForward(
          out,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
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
        const p = (role: string) => this.params.get(`${node.name}.${role}`)!;
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
        const bias = node.bias ? this.params.get(`${node.name}.bias`)! : null;
        linearForward(
          out,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
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
          out,
          this.tokens,
          this.params.get(`${node.tokenTable}.weight`)!,
          this.params.get(`${node.positionTable}.weight`)!,
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
        const p = (role: string) => this.params.get(`${node.name}.${role}`)!;
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
        geluForward(out, this.act(node.input), out.length);
        break;
      case 'softmax': {
        const C = inShape.at(-1)!;
        softmaxForward(out, this.act(node.input), out.length / C, C);
        break;
      }
      case 'tied_linear':
        linearForward(out, this.act(node.input), this.params.get(`${node.table}.weight`)!, null, size(inShape) / node.width, node.width, node.vocab);
        break;
      case 'relu':
        reluForward(out, this.act(node.input), out.length);
        break;
      case 'maxpool2d':
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        const pool = node.op === 'maxpool2d' ? maxPool2dForward : avgPool2dForward;
        pool(out, this.act(node.input), B, C, H, W, node.kernel, node.stride);
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

  private backwardNode(node: GraphNode): void {
    const inShape = this.shapes.get(nodeInputs(node)[0])!;
    const dOut = this.activationGrads.get(node.output)!;
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const dBias = node.bias ? this.grads.get(`${node.name}.bias`)! : null;
        conv2dBackward(
          this.grad(node.input),
          this.grads.get(`${node.name}.weight`)!,
          dBias,
          dOut,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
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
          this.grads.get(`${node.name}.weight`)!,
          this.grads.get(`${node.name}.bias`)!,
          dOut,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
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
        const dBias = node.bias ? this.grads.get(`${node.name}.bias`)! : null;
        linearBackward(
          this.grad(node.input),
          this.grads.get(`${node.name}.weight`)!,
          dBias,
          dOut,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
          size(inShape) / node.inFeatures,
          node.inFeatures,
          node.outFeatures,
          ADD_INTO_ZEROED,
        );
        break;
      }
      case 'embedding': {
        const [B, T] = inShape;
        embeddingBackward(
          this.grads.get(`${node.tokenTable}.weight`)!,
          this.grads.get(`${node.positionTable}.weight`)!,
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
        const g = (role: string) => this.grads.get(`${node.name}.${role}`)!;
        layerNormBackward(
          this.grad(node.input),
          g('weight'),
          g('bias'),
          dOut,
          this.act(node.input),
          this.params.get(`${node.name}.weight`)!,
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
        geluBackward(this.grad(node.input)!, dOut, this.act(node.input), dOut.length, ADD_INTO_ZEROED);
        break;
      case 'softmax': {
        // The backward needs only the forward's output.
        const C = inShape.at(-1)!;
        const dInput = this.grad(node.input);
        if (dInput) softmaxBackward(dInput, dOut, this.act(node.output), dOut.length / C, C, ADD_INTO_ZEROED);
        break;
      }
      case 'tied_linear':
        // The output layer's weight is the token embedding: its gradient adds into the table's.
        linearBackward(
          this.grad(node.input),
          this.grads.get(`${node.table}.weight`)!,
          null,
          dOut,
          this.act(node.input),
          this.params.get(`${node.table}.weight`)!,
          size(inShape) / node.width,
          node.width,
          node.vocab,
          ADD_INTO_ZEROED,
        );
        break;
      case 'relu':
        reluBackward(this.grad(node.input)!, dOut, this.act(node.input), dOut.length, ADD_INTO_ZEROED);
        break;
      case 'maxpool2d': {
        const [B, C, H, W] = inShape;
        maxPool2dBackward(this.grad(node.input)!, dOut, this.act(node.input), B, C, H, W, node.kernel, node.stride, ADD_INTO_ZEROED);
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
