// A model is a static graph of named tensors and layers. The float64 reference and the GPU
// executor both interpret the same graph, so a preset is written once and the two can be
// compared layer by layer.

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

export type GraphNode = Conv2dNode | BatchNorm2dNode | LinearNode | ReluNode | Pool2dNode | AddNode | FlattenNode;

/** Layers AdaFisher preconditions: they own a weight and see an input and an output gradient. */
export type PreconditionedNode = Conv2dNode | BatchNorm2dNode | LinearNode;

export interface ModelGraph {
  readonly preset: string;
  /** Per-example input shape, e.g. [3, 32, 32]. The graph's input tensor is named "input". */
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly nodes: readonly GraphNode[];
  /** Name of the logits tensor (B, classes). */
  readonly output: string;
}

export const GRAPH_INPUT = 'input';

export function nodeInputs(node: GraphNode): readonly string[] {
  return node.op === 'add' ? node.inputs : [node.input];
}

export function isPreconditioned(node: GraphNode): node is PreconditionedNode {
  return node.op === 'conv2d' || node.op === 'batchnorm2d' || node.op === 'linear';
}

/** How many nodes read each tensor; a tensor read twice sums two gradients. */
export function consumerCounts(graph: ModelGraph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) for (const name of nodeInputs(node)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
