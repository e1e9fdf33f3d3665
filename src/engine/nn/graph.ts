// A model is a static graph of named tensors and layers. The float64 reference and the GPU
// executor both interpret the same graph, so a preset is written once and the two can be
// compared layer by layer.
import type { GeluApproximation } from '../kernels/gelu/gelu-approximation';

export interface Conv2dNode {
  readonly op: 'conv2d';
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly bias: boolean;
}

export interface BatchNorm2dNode {
  readonly op: 'batchnorm2d';
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly channels: number;
  readonly momentum: number;
  readonly eps: number;
}

export interface LinearNode {
  readonly op: 'linear';
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

export interface ReluNode {
  readonly op: 'relu';
  readonly input: string;
  readonly output: string;
}

export interface Pool2dNode {
  readonly op: 'maxpool2d' | 'avgpool2d';
  readonly input: string;
  readonly output: string;
  readonly kernel: number;
  readonly stride: number;
}

export interface AddNode {
  readonly op: 'add';
  readonly inputs: readonly [string, string];
  readonly output: string;
}

export interface FlattenNode {
  readonly op: 'flatten';
  readonly input: string;
  readonly output: string;
}

/** Token plus position embedding of (B, T) token ids into (B, T, C); tables `<tokenTable>.weight` (V, C) and `<positionTable>.weight` (context, C). */
export interface EmbeddingNode {
  readonly op: 'embedding';
  readonly tokenTable: string;
  readonly positionTable: string;
  readonly input: string;
  readonly output: string;
  readonly vocab: number;
  readonly context: number;
  readonly width: number;
}

/** LayerNorm over the last dimension, as PyTorch's nn.LayerNorm(features). */
export interface LayerNormNode {
  readonly op: 'layernorm';
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly features: number;
  readonly eps: number;
}

/** Causal multi-head self-attention of (B, T, C) queries, keys and values (projections are separate Linear nodes). */
export interface AttentionNode {
  readonly op: 'attention';
  readonly name: string;
  readonly inputs: readonly [string, string, string];
  readonly output: string;
  readonly heads: number;
}

/** GELU, exact ('none', PyTorch's default) or the tanh approximation (GPT-1's and GPT-2's). */
export interface GeluNode {
  readonly op: 'gelu';
  readonly input: string;
  readonly output: string;
  readonly approximate: GeluApproximation;
}

/** Softmax over the last dimension, as PyTorch's nn.Softmax(dim=-1). */
export interface SoftmaxNode {
  readonly op: 'softmax';
  readonly input: string;
  readonly output: string;
}

/** logits = x @ table^T: an output layer tied to the token embedding `<table>.weight` (V, C), no bias. */
export interface TiedLinearNode {
  readonly op: 'tied_linear';
  readonly table: string;
  readonly input: string;
  readonly output: string;
  readonly width: number;
  readonly vocab: number;
}

export type GraphNode =
  | Conv2dNode
  | BatchNorm2dNode
  | LinearNode
  | ReluNode
  | Pool2dNode
  | AddNode
  | FlattenNode
  | EmbeddingNode
  | LayerNormNode
  | AttentionNode
  | GeluNode
  | TiedLinearNode
  | SoftmaxNode;

/** Layers AdaFisher preconditions: they own a weight and see an input and an output gradient. */
export type PreconditionedNode = Conv2dNode | BatchNorm2dNode | LinearNode | LayerNormNode;

/** A classifier of images, a next-token language model, or a classifier of feature vectors (inputShape [features]). */
export type ModelTask = 'image-classification' | 'language-modeling' | 'tabular-classification';

export interface ModelGraph {
  readonly preset: string;
  readonly task: ModelTask;
  /** Per-example input shape, e.g. [3, 32, 32], [T] token ids, or [features]. The graph's input tensor is named "input". */
  readonly inputShape: readonly number[];
  /** Classes, or the vocabulary size of a language model. */
  readonly classes: number;
  readonly nodes: readonly GraphNode[];
  /**
   * Name of the tensor the cross-entropy reads as logits (..., classes): (B, classes), or
   * (B, T, vocab) with one prediction per token. Usually logits; iris-mlp's are softmax
   * probabilities, as in the notebook it reproduces.
   */
  readonly output: string;
  /**
   * "pytorch": PyTorch's default initialisation; "gpt": GPT's N(0, 0.02) weights and
   * embeddings, zero biases, LayerNorm 1 and 0 (Radford et al. 2018).
   */
  readonly init: 'pytorch' | 'gpt';
  /**
   * Parameters held fixed, by state_dict name (PyTorch's `requires_grad = False`): read by the
   * forward, saved in checkpoints and set by initial weights, but given no gradient and no
   * optimizer state. Any weight or bias (checked by frozenParameterNames).
   */
  readonly frozen?: readonly string[];
}

export const GRAPH_INPUT = 'input';

export function nodeInputs(node: GraphNode): readonly string[] {
  return node.op === 'add' || node.op === 'attention' ? node.inputs : [node.input];
}

export function isPreconditioned(node: GraphNode): node is PreconditionedNode {
  return node.op === 'conv2d' || node.op === 'batchnorm2d' || node.op === 'linear' || node.op === 'layernorm';
}

/** Rows of predictions per batch: B for a classifier, B*T for a language model. */
export function predictionRows(graph: ModelGraph, batch: number): number {
  return graph.task === 'language-modeling' ? batch * graph.inputShape[0] : batch;
}

/** How many nodes read each tensor; a tensor read twice sums two gradients. */
export function consumerCounts(graph: ModelGraph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) for (const name of nodeInputs(node)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
