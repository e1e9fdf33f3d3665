// The `weights` plane's two axes are scalar parameters named as in PyTorch, e.g.
// "fc1.weight[0, 1]" is `model.state_dict()["fc1.weight"][0, 1]`. Only trainable tensors are
// in the flat parameter buffer that snapshots copy, so only they can be an axis.

import { ConfigError } from '../config/run-config';
import type { ParameterSpec } from '../nn/parameters';

export interface WeightReference {
  /** The tensor's state_dict name, e.g. "fc1.weight". */
  name: string;
  /** Row-major position of the element within its tensor: Σ_d index_d · Π_{e>d} shape_e. */
  index: number;
  /** The reference written out in one spelling, every index given: "fc1.weight[0, 1]". */
  label: string;
}

/** A name of letters, digits, '_' and '.', then optionally "[i, j, ...]" of whole numbers (a sign is read so that -1 is reported as out of range). */
const REFERENCE = /^\s*([A-Za-z_][\w.]*)\s*(?:\[([^\]]*)\])?\s*$/;
const INDEX = /^\s*([+-]?\d+)\s*$/;

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const rangesText = (shape: readonly number[]) => `[${shape.map((size) => `0..${size - 1}`).join(', ')}]`;
const labelOf = (name: string, indices: readonly number[]) => (indices.length ? `${name}[${indices.join(', ')}]` : name);
const indicesText = (shape: readonly number[]) => `${shape.length} ${shape.length === 1 ? 'index' : 'indices'} in ${rangesText(shape)}`;

/**
 * Reads one scalar parameter reference. Every index must be given, one per dimension
 * ("fc1.weight[0, 1]"); a tensor of exactly one element may also be named alone ("fc1.bias"
 * of a Linear with one output), which means its element 0. `field` names the config field in
 * messages, e.g. "landscape.weights[0]". Throws ConfigError naming the field, the allowed
 * names or index ranges, and the value given.
 */
export function parseWeightReference(text: string, specs: readonly ParameterSpec[], field: string): WeightReference {
  const given = `(got ${JSON.stringify(text)})`;
  const match = REFERENCE.exec(text);
  if (!match) throw new ConfigError([`${field}: must be a parameter name and its indices, e.g. "fc1.weight[0, 1]" ${given}`]);
  const [, name, indexText] = match;
  const trainable = specs.filter((spec) => spec.trainable);
  const spec = trainable.find((candidate) => candidate.name === name);
  if (!spec) {
    const statistic = specs.some((candidate) => candidate.name === name) ? ` ("${name}" is a running statistic, not a trained parameter)` : '';
    const names = trainable.map((candidate) => `${candidate.name} ${shapeText(candidate.shape)}`).join(', ');
    throw new ConfigError([`${field}: must name a trained parameter of the model${statistic}: one of ${names} ${given}`]);
  }
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (indexText === undefined) {
    if (size === 1)
      return {
        name,
        index: 0,
        label: labelOf(
          name,
          spec.shape.map(() => 0),
        ),
      };
    throw new ConfigError([`${field}: ${name} has shape ${shapeText(spec.shape)}, so it needs ${indicesText(spec.shape)} ${given}`]);
  }
  const parts = indexText.split(',').map((part) => INDEX.exec(part));
  if (parts.some((part) => part === null)) {
    throw new ConfigError([`${field}: the indices must be whole numbers, e.g. "fc1.weight[0, 1]"; ${name} takes ${rangesText(spec.shape)} ${given}`]);
  }
  const indices = parts.map((part) => Number(part![1]));
  if (indices.length !== spec.shape.length) {
    throw new ConfigError([`${field}: ${name} has shape ${shapeText(spec.shape)}, so it needs ${indicesText(spec.shape)} ${given}`]);
  }
  if (indices.some((value, d) => value < 0 || value >= spec.shape[d])) {
    throw new ConfigError([`${field}: ${name} has shape ${shapeText(spec.shape)}, so its indices must be in ${rangesText(spec.shape)} ${given}`]);
  }
  const index = indices.reduce((flat, value, d) => flat * spec.shape[d] + value, 0);
  return { name, index, label: labelOf(name, indices) };
}
