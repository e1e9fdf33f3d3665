// Model checkpoints as safetensors with PyTorch's state_dict names and layouts, so
// `model.load_state_dict(safetensors.torch.load_file(path))` works on the matching
// PyTorch module, and PyTorch-trained weights load here.

import { decodeCheckpoint, encodeSafetensors, type ExpectedTensor, type TensorEntry } from '../checkpoint/safetensors';
import { batchNormLayers, parameterSpecs } from './parameters';
import type { ModelGraph } from './graph';

export interface ModelState {
  /** Parameters and running statistics by state_dict name. */
  values: Map<string, Float32Array>;
  /** BatchNorm's num_batches_tracked (training steps taken). */
  numBatchesTracked: number;
}

function expectedTensors(graph: ModelGraph): ExpectedTensor[] {
  const tensors: ExpectedTensor[] = parameterSpecs(graph).map((spec) => ({ name: spec.name, shape: spec.shape, dtype: 'F32' }));
  for (const layer of batchNormLayers(graph)) tensors.push({ name: `${layer}.num_batches_tracked`, shape: [], dtype: 'I64' });
  return tensors;
}

export function encodeModelCheckpoint(graph: ModelGraph, state: ModelState, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, TensorEntry> = {};
  for (const spec of parameterSpecs(graph)) {
    const data = state.values.get(spec.name);
    if (!data) throw new Error(`Cannot save ${graph.preset}: no values for ${spec.name}`);
    tensors[spec.name] = { dtype: 'F32', shape: [...spec.shape], data };
  }
  for (const layer of batchNormLayers(graph)) {
    tensors[`${layer}.num_batches_tracked`] = { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(state.numBatchesTracked)) };
  }
  return encodeSafetensors(tensors, { format: 'pt', model: graph.preset, ...metadata });
}

/** Refuses, with a CheckpointError naming the problem, any file that is not exactly this model's. */
export function decodeModelCheckpoint(graph: ModelGraph, bytes: Uint8Array | ArrayBuffer): ModelState & { metadata: Record<string, string> } {
  const { tensors, metadata } = decodeCheckpoint(bytes, expectedTensors(graph), { convertFloats: true });
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(graph)) values.set(spec.name, tensors[spec.name].data as Float32Array);
  const counts = batchNormLayers(graph).map((layer) => Number((tensors[`${layer}.num_batches_tracked`].data as BigInt64Array)[0]));
  return { values, numBatchesTracked: counts.length ? Math.max(...counts) : 0, metadata };
}
