import { ConfigError } from '../config/run-config';
import { createRng } from '../random';
import type { ModelGraph, PreconditionedNode } from './graph';
import { isPreconditioned } from './graph';

export type ParameterRole = 'weight' | 'bias' | 'running_mean' | 'running_var';

export interface ParameterSpec {
  /** PyTorch state_dict name, e.g. "layer1.0.conv1.weight". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly layer: string;
  readonly role: ParameterRole;
  /** Trained by the optimizer: weights and biases that are not frozen. */
  readonly trainable: boolean;
  /**
   * A weight held fixed (ModelGraph.frozen): no gradient, no optimizer state. parameterSpecs
   * always sets it; neither trainable nor frozen means a running statistic.
   */
  readonly frozen?: boolean;
}

/**
 * The graph's frozen parameter names, checked: each must be a weight or bias of the graph (a
 * running statistic is never trained, so it cannot be frozen), and something must stay trainable.
 */
export function frozenParameterNames(graph: ModelGraph): ReadonlySet<string> {
  const names = new Set(graph.frozen ?? []);
  if (names.size === 0) return names;
  const parameters = parameterSpecs({ ...graph, frozen: [] }).filter((spec) => spec.trainable);
  const known = new Set(parameters.map((spec) => spec.name));
  for (const name of names) {
    if (!known.has(name)) {
      const shown = parameters.slice(0, 6).map((spec) => spec.name);
      throw new Error(`${graph.preset}: cannot freeze "${name}": it is not a weight or bias of the model (its parameters include ${shown.join(', ')})`);
    }
  }
  if (parameters.every((spec) => names.has(spec.name))) {
    throw new Error(`${graph.preset}: every parameter is frozen, so there is nothing to train; leave at least one tensor out of the frozen groups`);
  }
  return names;
}

/**
 * The Linear, Conv2d, BatchNorm and LayerNorm layers none of whose parameters is frozen, in
 * graph order: the layers a Kronecker-factored optimizer (AdaFisher, K-FAC) preconditions and
 * the inspector measures. A frozen layer has no gradient to precondition.
 */
export function trainedLayerNodes(graph: ModelGraph): PreconditionedNode[] {
  const frozen = frozenParameterNames(graph);
  return graph.nodes.filter(isPreconditioned).filter((node) => !frozen.has(`${node.name}.weight`) && !frozen.has(`${node.name}.bias`));
}

/** Every tensor of the model's state_dict except BatchNorm's integer num_batches_tracked. */
export function parameterSpecs(graph: ModelGraph): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  const frozen = frozenParameterNames(graph);
  const add = (layer: string, role: ParameterRole, shape: readonly number[], statistic = false) => {
    const name = `${layer}.${role}`;
    specs.push({ name, shape, layer, role, trainable: !statistic && !frozen.has(name), frozen: frozen.has(name) });
  };
  for (const node of graph.nodes) {
    switch (node.op) {
      case 'embedding':
        add(node.tokenTable, 'weight', [node.vocab, node.width]);
        add(node.positionTable, 'weight', [node.context, node.width]);
        break;
      case 'layernorm':
        add(node.name, 'weight', [node.features]);
        add(node.name, 'bias', [node.features]);
        break;
      case 'conv2d':
        add(node.name, 'weight', [node.outChannels, node.inChannels, node.kernel, node.kernel]);
        if (node.bias) add(node.name, 'bias', [node.outChannels]);
        break;
      case 'linear':
        add(node.name, 'weight', [node.outFeatures, node.inFeatures]);
        if (node.bias) add(node.name, 'bias', [node.outFeatures]);
        break;
      case 'batchnorm2d':
        add(node.name, 'weight', [node.channels]);
        add(node.name, 'bias', [node.channels]);
        add(node.name, 'running_mean', [node.channels], true);
        add(node.name, 'running_var', [node.channels], true);
        break;
      default:
        break;
    }
  }
  return specs;
}

/** Elements the optimizer trains: frozen parameters and running statistics left out. */
export function trainableParameterCount(graph: ModelGraph): number {
  return parameterSpecs(graph)
    .filter((spec) => spec.trainable)
    .reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
}

export function batchNormLayers(graph: ModelGraph): string[] {
  return graph.nodes.filter((node) => node.op === 'batchnorm2d').map((node) => (node as PreconditionedNode).name);
}

function fanIn(node: PreconditionedNode): number {
  if (node.op === 'conv2d') return node.inChannels * node.kernel * node.kernel;
  if (node.op === 'linear') return node.inFeatures;
  return node.op === 'layernorm' ? node.features : node.channels;
}

/** GPT's initialisation: N(0, 0.02) for every weight matrix and embedding table. */
const GPT_INIT_STD = 0.02;

/**
 * PyTorch's default initialisation from a seeded generator: Conv2d and Linear weights are
 * kaiming_uniform_(a=sqrt(5)), i.e. U(-b, b) with b = gain*sqrt(3/fan_in) and
 * gain = sqrt(2/(1+a^2)) = sqrt(1/3), so b = 1/sqrt(fan_in); biases U(-1/sqrt(fan_in), 1/sqrt(fan_in));
 * BatchNorm and LayerNorm weight 1, bias 0, running mean 0, running variance 1; embedding tables
 * N(0, 0.02) as GPT-1's (not nn.Embedding's N(0, 1): see below). Graphs with `init: "gpt"` instead draw every weight and embedding
 * from N(0, 0.02) with zero biases (GPT-1 and GPT-2), LayerNorm weight 1 and bias 0.
 */
export function initialParameters(graph: ModelGraph, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  const nodes = new Map(graph.nodes.filter(isPreconditioned).map((node) => [node.name, node]));
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(graph)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const node = nodes.get(spec.layer);
    const data = new Float32Array(size);
    const isNorm = node?.op === 'batchnorm2d' || node?.op === 'layernorm';
    if (isNorm) {
      if (spec.role === 'weight' || spec.role === 'running_var') data.fill(1);
    } else if (graph.init === 'gpt') {
      // Embedding tables (no node of their own here) and Linear weights; biases stay 0.
      if (spec.role === 'weight') for (let i = 0; i < size; i++) data[i] = GPT_INIT_STD * rng.normal();
    } else if (!node) {
      // An embedding table, the only parameter without a node of its own: GPT-1's N(0, 0.02)
      // rather than nn.Embedding's N(0, 1), whose tied logits (spread about 28 at width 768)
      // would start a language model far above ln V. The paper's runs load pretrained tables.
      for (let i = 0; i < size; i++) data[i] = GPT_INIT_STD * rng.normal();
    } else {
      const bound = 1 / Math.sqrt(fanIn(node));
      for (let i = 0; i < size; i++) data[i] = rng.uniform(-bound, bound);
    }
    values.set(spec.name, data);
  }
  return values;
}

/**
 * The starting values with the config's `init` overrides in place, e.g. { "fc1.weight": [0.2, 0.2] }
 * (values in row-major order, as PyTorch's tensor.flatten()). Tensors not named keep their values,
 * shared with `initial`. Every unknown name and every wrong count is reported in one ConfigError.
 */
export function applyInitOverrides(
  graph: ModelGraph,
  initial: ReadonlyMap<string, ArrayLike<number>>,
  overrides: Readonly<Record<string, readonly number[]>> | undefined,
): Map<string, ArrayLike<number>> {
  const values = new Map<string, ArrayLike<number>>(initial);
  if (!overrides) return values;
  const specs = new Map(parameterSpecs(graph).map((spec) => [spec.name, spec]));
  const problems: string[] = [];
  for (const [name, given] of Object.entries(overrides)) {
    const spec = specs.get(name);
    if (!spec) {
      problems.push(`init.${name}: ${graph.preset} has no parameter "${name}"; its parameters are ${[...specs.keys()].join(', ')}`);
      continue;
    }
    const expected = spec.shape.reduce((a, b) => a * b, 1);
    if (given.length !== expected) {
      problems.push(
        `init.${name}: ${name} has shape [${spec.shape.join(', ')}], so it needs ${expected} value${expected === 1 ? '' : 's'} in row-major order; got ${given.length}`,
      );
      continue;
    }
    values.set(name, Float32Array.from(given));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}
