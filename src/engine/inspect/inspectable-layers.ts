// The layers the inspector can measure (every Linear and Conv2d) with their factors' sizes, and
// the checks that refuse a request with the name, the reason and what is allowed.

import { conv2dOutputSize } from '../kernels/conv2d/conv2d-shape';
import type { ModelGraph } from '../nn/graph';
import { trainedLayerNodes } from '../nn/parameters';
import { inferShapes } from '../nn/shapes';
import type { InspectableLayer } from './inspect-types';

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

/** Every Linear and Conv2d layer of a model at a batch size that is not frozen, in graph order. */
export function inspectableLayers(graph: ModelGraph, batch: number): InspectableLayer[] {
  const shapes = inferShapes(graph, batch);
  return trainedLayerNodes(graph).flatMap((node): InspectableLayer[] => {
    if (node.op === 'linear') {
      const rows = product(shapes.get(node.input)!) / node.inFeatures;
      return [{ layer: node.name, kind: 'linear', hSize: node.inFeatures, sSize: node.outFeatures, rows }];
    }
    if (node.op === 'conv2d') {
      const [b, , height, width] = shapes.get(node.input)!;
      const out = (size: number) => conv2dOutputSize(size, node.kernel, node.stride, node.padding);
      return [
        { layer: node.name, kind: 'conv2d', hSize: node.inChannels * node.kernel * node.kernel, sSize: node.outChannels, rows: b * out(height) * out(width) },
      ];
    }
    return [];
  });
}

/** Bytes of a layer's larger full factor, as float32. */
export function largestFactorBytes(layer: InspectableLayer): number {
  return Math.max(layer.hSize, layer.sSize) ** 2 * 4;
}

/**
 * The layer named `name`, or an error sentence naming it, why it cannot be inspected and what
 * can: not a layer of the model, not a Linear or Conv2d layer, or a factor larger than the
 * device's storage-buffer limit.
 */
export function checkInspectedLayer(graph: ModelGraph, batch: number, name: string, maxBufferBytes: number): InspectableLayer | string {
  const layers = inspectableLayers(graph, batch);
  const fitting = layers.filter((layer) => largestFactorBytes(layer) <= maxBufferBytes);
  const allowed = `layers that can be inspected: ${fitting.map((layer) => layer.layer).join(', ') || 'none'}`;
  const found = layers.find((layer) => layer.layer === name);
  if (!found) {
    // Layers without parameters have no PyTorch name; their output tensor names them here.
    const node = graph.nodes.find((n) => ('name' in n ? n.name : n.output) === name);
    if (node && (node.op === 'linear' || node.op === 'conv2d'))
      return `Inspector: ${name} is frozen in this run: it has no gradient, so no S factor (${allowed})`;
    if (node) return `Inspector: "${name}" is a ${node.op} layer of ${graph.preset}; only Linear and Conv2d layers have Kronecker factors (${allowed})`;
    return `Inspector: ${graph.preset} has no layer named "${name}" (${allowed})`;
  }
  const bytes = largestFactorBytes(found);
  if (bytes > maxBufferBytes) {
    const n = Math.max(found.hSize, found.sSize);
    const mib = (value: number) => `${(value / 2 ** 20).toFixed(0)} MiB`;
    return `Inspector: ${name}'s ${found.hSize >= found.sSize ? 'H' : 'S'} is ${n} x ${n} (${mib(bytes)}), more than this device's ${mib(maxBufferBytes)} buffer limit (${allowed})`;
  }
  return found;
}
