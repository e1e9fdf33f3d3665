import { conv2dOutputSize } from '../kernels/conv2d/conv2d-shape';
import { pool2dOutputSize } from '../kernels/pool2d/pool2d-shape';
import { GRAPH_INPUT, nodeInputs, type GraphNode, type ModelGraph } from './graph';

export type Shape = readonly number[];

/** Shape of every tensor for a batch size, checking each layer's declared sizes on the way. */
export function inferShapes(graph: ModelGraph, batch: number): Map<string, Shape> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`Batch size must be a positive integer, got ${batch}`);
  const shapes = new Map<string, Shape>([[GRAPH_INPUT, [batch, ...graph.inputShape]]]);
  for (const node of graph.nodes) {
    const inputs = nodeInputs(node).map((name) => {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`${graph.preset}: "${name}" is used before it is produced`);
      return shape;
    });
    if (shapes.has(node.output)) throw new Error(`${graph.preset}: "${node.output}" is produced twice`);
    shapes.set(node.output, outputShape(node, inputs, graph.preset));
  }
  const logits = shapes.get(graph.output);
  const expected = graph.task === 'language-modeling' ? [batch, graph.inputShape[0], graph.classes] : [batch, graph.classes];
  if (!logits || logits.join() !== expected.join()) {
    throw new Error(`${graph.preset}: output "${graph.output}" should be [${expected}], got [${logits}]`);
  }
  return shapes;
}

function outputShape(node: GraphNode, inputs: Shape[], preset: string): Shape {
  const [input] = inputs;
  const where = `${preset}: ${'name' in node ? node.name : node.op} (${node.op})`;
  const expectRank = (rank: number) => {
    if (input.length !== rank) throw new Error(`${where} expects a rank-${rank} input, got [${input}]`);
  };
  switch (node.op) {
    case 'conv2d': {
      expectRank(4);
      if (input[1] !== node.inChannels) throw new Error(`${where} expects ${node.inChannels} input channels, got ${input[1]}`);
      const h = conv2dOutputSize(input[2], node.kernel, node.stride, node.padding);
      const w = conv2dOutputSize(input[3], node.kernel, node.stride, node.padding);
      return [input[0], node.outChannels, h, w];
    }
    case 'batchnorm2d':
      expectRank(4);
      if (input[1] !== node.channels) throw new Error(`${where} expects ${node.channels} channels, got ${input[1]}`);
      return input;
    case 'linear':
      // Rows of any leading shape: (B, in) or (B, T, in).
      if (input.at(-1) !== node.inFeatures) throw new Error(`${where} expects ${node.inFeatures} features, got [${input}]`);
      return [...input.slice(0, -1), node.outFeatures];
    case 'relu':
      return input;
    case 'maxpool2d':
    case 'avgpool2d':
      expectRank(4);
      return [input[0], input[1], pool2dOutputSize(input[2], node.kernel, node.stride), pool2dOutputSize(input[3], node.kernel, node.stride)];
    case 'add':
      if (inputs[0].join() !== inputs[1].join()) throw new Error(`${where} adds [${inputs[0]}] and [${inputs[1]}]`);
      return input;
    case 'flatten':
      return [input[0], input.slice(1).reduce((a, b) => a * b, 1)];
    case 'embedding':
      expectRank(2);
      if (input[1] > node.context) throw new Error(`${where} has ${node.context} positions, got sequences of ${input[1]}`);
      return [input[0], input[1], node.width];
    case 'layernorm':
      if (input.at(-1) !== node.features) throw new Error(`${where} normalises ${node.features} features, got [${input}]`);
      return input;
    case 'attention': {
      expectRank(3);
      if (inputs.some((shape) => shape.join() !== input.join())) throw new Error(`${where} needs q, k and v of one shape, got [${inputs.join('] [')}]`);
      if (input[2] % node.heads !== 0) throw new Error(`${where}: width ${input[2]} is not a multiple of ${node.heads} heads`);
      return input;
    }
    case 'gelu':
    case 'softmax':
      return input;
    case 'tied_linear':
      if (input.at(-1) !== node.width) throw new Error(`${where} expects ${node.width} features, got [${input}]`);
      return [...input.slice(0, -1), node.vocab];
  }
}
