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
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from './graph';
import { parameterSpecs, type ParameterSpec } from './parameters';
import { inferShapes, type Shape } from './shapes';

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
    for (const node of graph.nodes) {
      if (node.op === 'batchnorm2d') this.batchStats.set(node.name, { mean: new Float64Array(node.channels), invStd: new Float64Array(node.channels) });
    }
    this.probs = new Float64Array(batch * graph.classes);
    this.labels = new Uint32Array(batch);
  }

  /** Runs the graph and the mean cross-entropy; `training` selects BatchNorm's batch statistics. */
  forward(images: ArrayLike<number>, labels: ArrayLike<number>, training: boolean): { loss: number; correct: number } {
    this.activations.get(GRAPH_INPUT)!.set(images);
    this.labels.set(labels);
    for (const node of this.graph.nodes) this.forwardNode(node, training);
    const logits = this.activations.get(this.graph.output)!;
    const losses = new Float64Array(this.batch);
    const loss = softmaxCrossEntropyForward(losses, this.probs, logits, this.labels, this.batch, this.graph.classes);
    return { loss, correct: countCorrect(logits, this.labels, this.batch, this.graph.classes) };
  }

  /** Gradients of the last forward's mean loss, into `grads` and `activationGrads`. */
  backward(): void {
    for (const grad of this.grads.values()) grad.fill(0);
    for (const grad of this.activationGrads.values()) grad.fill(0);
    softmaxCrossEntropyBackward(this.activationGrads.get(this.graph.output)!, this.probs, this.labels, this.batch, this.graph.classes);
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
    const inShape = this.shapes.get(node.op === 'add' ? node.inputs[0] : node.input)!;
    const out = this.act(node.output);
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const bias = node.bias ? this.params.get(`${node.name}.bias`)! : null;
        conv2dForward(out, this.act(node.input), this.params.get(`${node.name}.weight`)!, bias, B, Cin, H, W, node.outChannels, node.kernel, node.stride, node.padding);
        break;
      }
      case 'batchnorm2d': {
        const [B, C, H, W] = inShape;
        const p = (role: string) => this.params.get(`${node.name}.${role}`)!;
        if (training) {
          const stats = this.batchStats.get(node.name)!;
          batchNorm2dForwardTrain(out, stats.mean, stats.invStd, p('running_mean'), p('running_var'), this.act(node.input), p('weight'), p('bias'), B, C, H * W, node.momentum, node.eps);
        } else {
          batchNorm2dForwardEval(out, this.act(node.input), p('weight'), p('bias'), p('running_mean'), p('running_var'), B, C, H * W, node.eps);
        }
        break;
      }
      case 'linear': {
        const bias = node.bias ? this.params.get(`${node.name}.bias`)! : null;
        linearForward(out, this.act(node.input), this.params.get(`${node.name}.weight`)!, bias, inShape[0], node.inFeatures, node.outFeatures);
        break;
      }
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
    const inShape = this.shapes.get(node.op === 'add' ? node.inputs[0] : node.input)!;
    const dOut = this.activationGrads.get(node.output)!;
    switch (node.op) {
      case 'conv2d': {
        const [B, Cin, H, W] = inShape;
        const dBias = node.bias ? this.grads.get(`${node.name}.bias`)! : null;
        conv2dBackward(this.grad(node.input), this.grads.get(`${node.name}.weight`)!, dBias, dOut, this.act(node.input), this.params.get(`${node.name}.weight`)!, B, Cin, H, W, node.outChannels, node.kernel, node.stride, node.padding);
        break;
      }
      case 'batchnorm2d': {
        const [B, C, H, W] = inShape;
        const stats = this.batchStats.get(node.name)!;
        batchNorm2dBackward(this.grad(node.input), this.grads.get(`${node.name}.weight`)!, this.grads.get(`${node.name}.bias`)!, dOut, this.act(node.input), this.params.get(`${node.name}.weight`)!, stats.mean, stats.invStd, B, C, H * W);
        break;
      }
      case 'linear': {
        const dBias = node.bias ? this.grads.get(`${node.name}.bias`)! : null;
        linearBackward(this.grad(node.input), this.grads.get(`${node.name}.weight`)!, dBias, dOut, this.act(node.input), this.params.get(`${node.name}.weight`)!, inShape[0], node.inFeatures, node.outFeatures);
        break;
      }
      case 'relu':
        reluBackward(this.grad(node.input)!, dOut, this.act(node.input), dOut.length);
        break;
      case 'maxpool2d': {
        const [B, C, H, W] = inShape;
        maxPool2dBackward(this.grad(node.input)!, dOut, this.act(node.input), B, C, H, W, node.kernel, node.stride);
        break;
      }
      case 'avgpool2d': {
        const [B, C, H, W] = inShape;
        avgPool2dBackward(this.grad(node.input)!, dOut, B, C, H, W, node.kernel, node.stride);
        break;
      }
      case 'add':
        addBackward(this.grad(node.inputs[0])!, this.grad(node.inputs[1])!, dOut, dOut.length);
        break;
      case 'flatten': {
        const [B, C, H, W] = inShape;
        flattenBackward(this.grad(node.input)!, dOut, B, C, H, W);
        break;
      }
    }
  }
}
