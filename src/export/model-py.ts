// A ModelGraph as the readable Python source of the exported project's model.py: an nn.Module
// whose state_dict names and shapes are the playground's (parameterSpecs), a forward of one
// line per graph node computing what the float64 reference computes, build_model(), and
// MODEL_INFO, which the project's optimizers and train.py read.

import { GRAPH_INPUT, isPreconditioned, nodeInputs, type GraphNode, type ModelGraph, type PreconditionedNode } from '../engine/nn/graph';
import { batchNormLayers, frozenParameterNames } from '../engine/nn/parameters';

/** A value as a Python literal: numbers, strings, booleans, lists and dicts with string keys. */
export type PyValue = number | string | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue };

/** Python source for a literal: repr-style single-quoted strings, floats that read back to the same double. */
export function pyLiteral(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`pyLiteral: ${value} has no Python literal`);
    return String(value);
  }
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${pyLiteral(key)}: ${pyLiteral(item)}`).join(', ')}}`;
}

/** Python's reserved words and the builtins a forward's variable must not hide. */
const PYTHON_RESERVED = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  'input',
  'sum',
  'max',
  'min',
  'len',
  'F',
  'nn',
  'torch',
  'math',
  'self',
]);

/** The layer kinds MODEL_INFO lists, by graph op. */
const LAYER_KINDS: Record<PreconditionedNode['op'], string> = { linear: 'linear', conv2d: 'conv2d', layernorm: 'layernorm', batchnorm2d: 'batchnorm2d' };

/** A module of the tree under Model: a leaf layer, an attribute container, or a list indexed 0, 1, ... */
interface ModuleTreeNode {
  readonly path: string;
  /** The Python constructor of a leaf, e.g. "nn.Linear(128, 128)"; null for a container. */
  leaf: string | null;
  readonly children: Map<string, ModuleTreeNode>;
}

/** How `self` reaches a module: `self.layer1[0].downsample[1]` for "layer1.0.downsample.1". */
export function moduleAccess(path: string): string {
  return (
    'self' +
    path
      .split('.')
      .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
      .join('')
  );
}

function leafConstructor(node: GraphNode): { path: string; code: string }[] {
  switch (node.op) {
    case 'conv2d':
      return [
        {
          path: node.name,
          code: `nn.Conv2d(${node.inChannels}, ${node.outChannels}, kernel_size=${node.kernel}, stride=${node.stride}, padding=${node.padding}, bias=${pyLiteral(node.bias)})`,
        },
      ];
    case 'batchnorm2d':
      return [{ path: node.name, code: `nn.BatchNorm2d(${node.channels}, eps=${pyLiteral(node.eps)}, momentum=${pyLiteral(node.momentum)})` }];
    case 'linear':
      return [{ path: node.name, code: `nn.Linear(${node.inFeatures}, ${node.outFeatures}, bias=${pyLiteral(node.bias)})` }];
    case 'layernorm':
      return [{ path: node.name, code: `nn.LayerNorm(${node.features}, eps=${pyLiteral(node.eps)})` }];
    case 'embedding':
      return [
        { path: node.tokenTable, code: `nn.Embedding(${node.vocab}, ${node.width})` },
        { path: node.positionTable, code: `nn.Embedding(${node.context}, ${node.width})` },
      ];
    // Modules rather than F.relu / F.max_pool2d, named after their output: AdaHessian's extra
    // passes hook them to hold each ReLU's mask and each max pool's arg-max fixed.
    case 'relu':
      return [{ path: node.output, code: 'nn.ReLU()' }];
    case 'maxpool2d':
      return [{ path: node.output, code: `nn.MaxPool2d(kernel_size=${node.kernel}, stride=${node.stride})` }];
    default:
      return [];
  }
}

/** The module tree of the graph's layers; a numeric path part makes its parent a list. */
function moduleTree(graph: ModelGraph): ModuleTreeNode {
  const root: ModuleTreeNode = { path: '', leaf: null, children: new Map() };
  for (const node of graph.nodes) {
    for (const { path, code } of leafConstructor(node)) {
      const parts = path.split('.');
      let parent = root;
      parts.forEach((part, i) => {
        const childPath = parts.slice(0, i + 1).join('.');
        let child = parent.children.get(part);
        if (!child) {
          if (/^\d+$/.test(part) && Number(part) !== parent.children.size) {
            throw new Error(
              `${graph.preset}: module "${childPath}" comes before index ${parent.children.size} of ${parent.path}; list entries must appear in order`,
            );
          }
          if (parent.leaf !== null) throw new Error(`${graph.preset}: "${childPath}" lies inside the layer "${parent.path}"`);
          child = { path: childPath, leaf: null, children: new Map() };
          parent.children.set(part, child);
        } else if (i === parts.length - 1) {
          throw new Error(`${graph.preset}: two layers are named "${path}"`);
        }
        parent = child;
      });
      if (parent.children.size > 0) throw new Error(`${graph.preset}: the layer "${path}" would hold other layers`);
      parent.leaf = code;
    }
  }
  return root;
}

function isListNode(node: ModuleTreeNode): boolean {
  return node.children.size > 0 && [...node.children.keys()].every((key) => /^\d+$/.test(key));
}

/** The __init__ lines that build `node`'s children, parents before children, in graph order. */
function initLines(node: ModuleTreeNode): string[] {
  const lines: string[] = [];
  for (const [key, child] of node.children) {
    const access = node.path === '' ? `self.${key}` : moduleAccess(node.path) + (/^\d+$/.test(key) ? `[${key}]` : `.${key}`);
    if (child.leaf !== null) {
      lines.push(isListNode(node) ? `${moduleAccess(node.path)}.append(${child.leaf})` : `${access} = ${child.leaf}`);
      continue;
    }
    const container = isListNode(child) ? 'nn.ModuleList()' : 'Container()';
    lines.push(isListNode(node) ? `${moduleAccess(node.path)}.append(${container})` : `${access} = ${container}`);
    lines.push(...initLines(child));
  }
  return lines;
}

/** Python variable names for the graph's tensors, distinct and not reserved; the graph input is `x`. */
function variableNames(graph: ModelGraph): Map<string, string> {
  const names = new Map<string, string>([[GRAPH_INPUT, 'x']]);
  const taken = new Set(['x']);
  for (const node of graph.nodes) {
    if (names.has(node.output)) continue;
    let base = node.output.replace(/[^A-Za-z0-9_]/g, '_');
    if (/^\d/.test(base)) base = `t_${base}`;
    if (PYTHON_RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    names.set(node.output, name);
    taken.add(name);
  }
  return names;
}

/** One forward line per node, computing what the float64 reference's op computes. */
function forwardLine(node: GraphNode, v: (tensor: string) => string): string {
  const out = v(node.output);
  const [a] = nodeInputs(node).map(v);
  switch (node.op) {
    case 'conv2d':
    case 'batchnorm2d':
    case 'linear':
    case 'layernorm':
      return `${out} = ${moduleAccess(node.name)}(${a})`;
    case 'relu':
    case 'maxpool2d':
      return `${out} = ${moduleAccess(node.output)}(${a})`;
    case 'avgpool2d':
      return `${out} = F.avg_pool2d(${a}, kernel_size=${node.kernel}, stride=${node.stride})`;
    case 'add':
      return `${out} = ${v(node.inputs[0])} + ${v(node.inputs[1])}`;
    case 'flatten':
      return `${out} = torch.flatten(${a}, 1)`;
    case 'embedding':
      return `${out} = ${moduleAccess(node.tokenTable)}(${a}) + ${moduleAccess(node.positionTable)}.weight[:${a}.shape[1]]`;
    case 'attention':
      return `${out} = causal_self_attention(${node.inputs.map(v).join(', ')}, heads=${node.heads})`;
    case 'gelu':
      return `${out} = F.gelu(${a}, approximate=${pyLiteral(node.approximate)})`;
    case 'softmax':
      return `${out} = F.softmax(${a}, dim=-1)`;
    case 'tied_linear':
      return `${out} = F.linear(${a}, ${moduleAccess(node.table)}.weight)`;
  }
}

/** MODEL_INFO's value (see the module's docstring in the generated file). */
export function modelInfo(graph: ModelGraph): { [key: string]: PyValue } {
  return {
    preset: graph.preset,
    task: graph.task,
    input_shape: [...graph.inputShape],
    classes: graph.classes,
    frozen: [...frozenParameterNames(graph)],
    layers: graph.nodes.filter(isPreconditioned).map((node) => ({ name: node.name, kind: LAYER_KINDS[node.op] })),
    // PyTorch's BatchNorm2d has one more buffer; the playground's checkpoints carry it too.
    batch_counters: batchNormLayers(graph).map((layer) => `${layer}.num_batches_tracked`),
  };
}

const ATTENTION_HELPER = `def causal_self_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
    """Causal multi-head self-attention of (B, T, C) projections, back in (B, T, C).

    Head h of position t is features h*D .. h*D+D-1 (D = C / heads).
    S_ij = q_i . k_j / sqrt(D) for j <= i, P_i = softmax_j(S_i) with the future (j > i)
    masked out, out_i = sum_j P_ij v_j: F.scaled_dot_product_attention(q, k, v,
    is_causal=True) of torch 2, written out for torch 1.13.
    """
    batch, time, width = q.shape
    size = width // heads

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.view(batch, time, heads, size).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-2, -1) / math.sqrt(size)
    future = torch.ones(time, time, dtype=torch.bool, device=q.device).triu(1)
    probs = F.softmax(scores.masked_fill(future, float('-inf')), dim=-1)
    return (probs @ split(v)).transpose(1, 2).reshape(batch, time, width)
`;

const CONTAINER_CLASS = `class Container(nn.Module):
    """Holds sub-modules under a name so that state_dict names read as the playground's."""
`;

/** Where the generated file says its graph came from, in words. */
function describeTask(graph: ModelGraph): string {
  if (graph.task === 'language-modeling') return `a language model over ${graph.classes} tokens with a context of ${graph.inputShape[0]}`;
  if (graph.task === 'image-classification') return `an image classifier of (${graph.inputShape.join(', ')}) images into ${graph.classes} classes`;
  return `a classifier of ${graph.inputShape[0]} features into ${graph.classes} classes`;
}

/** The whole model.py of a graph. */
export function modelPy(graph: ModelGraph): string {
  const tree = moduleTree(graph);
  const names = variableNames(graph);
  const v = (tensor: string) => {
    const name = names.get(tensor);
    if (!name) throw new Error(`${graph.preset}: the tensor "${tensor}" is read before any node writes it`);
    return name;
  };
  const uses = (op: GraphNode['op']) => graph.nodes.some((node) => node.op === op);
  const needsContainer = (node: ModuleTreeNode): boolean =>
    [...node.children.values()].some((child) => (child.leaf === null && !isListNode(child)) || needsContainer(child));
  const frozen = [...frozenParameterNames(graph)];
  const info = modelInfo(graph);
  // A long list gets one entry a line, so the file stays readable.
  const infoLines = Object.entries(info).flatMap(([key, value]) => {
    const line = `    ${pyLiteral(key)}: ${pyLiteral(value)},`;
    if (line.length <= 100 || !Array.isArray(value)) return [line];
    return [`    ${pyLiteral(key)}: [`, ...(value as PyValue[]).map((item) => `        ${pyLiteral(item)},`), '    ],'];
  });
  const forward = graph.nodes.map((node) => `        ${forwardLine(node, v)}`);
  const hasBatchNorm = batchNormLayers(graph).length > 0;
  const parts: string[] = [
    `"""${graph.preset}: ${describeTask(graph)}, as the playground builds it.`,
    '',
    "Generated by the playground's export from the model graph; state_dict names and shapes are",
    "the playground's, so its checkpoints (init.safetensors, final.safetensors) load with",
    'load_state_dict. The forward has one line per graph node.',
    ...(hasBatchNorm
      ? [
          '',
          "BatchNorm2d layers also hold PyTorch's num_batches_tracked buffer (MODEL_INFO['batch_counters']);",
          'it counts training forwards and changes no value the model computes.',
        ]
      : []),
    '"""',
    '',
    ...(uses('attention') ? ['import math', ''] : []),
    'import torch',
    'import torch.nn.functional as F',
    'from torch import nn',
    '',
    `MODEL_INFO: dict = {`,
    ...infoLines,
    '}',
    '',
  ];
  if (uses('attention')) parts.push('', ATTENTION_HELPER);
  if (needsContainer(tree)) parts.push('', CONTAINER_CLASS);
  parts.push(
    '',
    'class Model(nn.Module):',
    `    """${graph.preset}; forward(x) returns ${graph.task === 'language-modeling' ? '(B, T, vocab) logits of (B, T) token ids' : `(B, ${graph.classes}) ${graph.output === 'logits' ? 'logits' : `${graph.output} (the cross-entropy reads them as logits)`}`}."""`,
    '',
    '    def __init__(self) -> None:',
    '        super().__init__()',
    ...initLines(tree).map((line) => `        ${line}`),
    '',
    '    def forward(self, x: torch.Tensor) -> torch.Tensor:',
    ...forward,
    `        return ${v(graph.output)}`,
    '',
    '',
    'def build_model() -> Model:',
    frozen.length > 0
      ? '    """The model with PyTorch\'s default initialisation and MODEL_INFO[\'frozen\'] held fixed (requires_grad False)."""'
      : '    """The model with PyTorch\'s default initialisation; train.py loads init.safetensors over it."""',
    '    model = Model()',
    ...(frozen.length > 0 ? ["    for name in MODEL_INFO['frozen']:", '        model.get_parameter(name).requires_grad_(False)'] : []),
    '    return model',
    '',
  );
  return parts.join('\n');
}
