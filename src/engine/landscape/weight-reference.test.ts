import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/run-config';
import type { ParameterSpec } from '../nn/parameters';
import { parameterSpecs } from '../nn/parameters';
import { cnnSmall } from '../nn/presets';
import { parseWeightReference } from './weight-reference';

/** The seed's Iris model's state_dict: Linear(2, 1), ReLU, Linear(1, 3); plus a BatchNorm statistic to tell apart. */
const SPECS: ParameterSpec[] = [
  { name: 'fc1.weight', shape: [1, 2], layer: 'fc1', role: 'weight', trainable: true },
  { name: 'fc1.bias', shape: [1], layer: 'fc1', role: 'bias', trainable: true },
  { name: 'fc2.weight', shape: [3, 1], layer: 'fc2', role: 'weight', trainable: true },
  { name: 'fc2.bias', shape: [3], layer: 'fc2', role: 'bias', trainable: true },
  { name: 'bn.running_mean', shape: [3], layer: 'bn', role: 'running_mean', trainable: false },
];
const FIELD = 'landscape.weights[1]';

function problem(text: string, specs: readonly ParameterSpec[] = SPECS): string {
  try {
    parseWeightReference(text, specs, FIELD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(1);
    return problems[0];
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseWeightReference', () => {
  it('reads a weight and a bias into the tensor name, the row-major index and one spelling', () => {
    expect(parseWeightReference('fc1.weight[0, 1]', SPECS, FIELD)).toEqual({ name: 'fc1.weight', index: 1, label: 'fc1.weight[0, 1]' });
    expect(parseWeightReference('  fc2.weight [2,0] ', SPECS, FIELD)).toEqual({ name: 'fc2.weight', index: 2, label: 'fc2.weight[2, 0]' });
    expect(parseWeightReference('fc2.bias[2]', SPECS, FIELD)).toEqual({ name: 'fc2.bias', index: 2, label: 'fc2.bias[2]' });
  });

  it('finds the row-major position in a 4-D convolution weight and a wide Linear weight', () => {
    const specs = parameterSpecs(cnnSmall());
    // conv1.weight is (16, 3, 3, 3): [5, 2, 1, 0] is 5·27 + 2·9 + 1·3 + 0.
    expect(parseWeightReference('conv1.weight[5, 2, 1, 0]', specs, FIELD).index).toBe(5 * 27 + 2 * 9 + 3);
    expect(parseWeightReference('fc.weight[3,5]', specs, FIELD)).toEqual({ name: 'fc.weight', index: 3 * 2048 + 5, label: 'fc.weight[3, 5]' });
    expect(parseWeightReference('fc.weight[9, 2047]', specs, FIELD).index).toBe(10 * 2048 - 1);
  });

  it('takes a one-element tensor without an index as its element 0, and only such a tensor', () => {
    expect(parseWeightReference('fc1.bias', SPECS, FIELD)).toEqual({ name: 'fc1.bias', index: 0, label: 'fc1.bias[0]' });
    expect(parseWeightReference('fc1.bias[0]', SPECS, FIELD).label).toBe('fc1.bias[0]');
    expect(problem('fc1.weight')).toBe('landscape.weights[1]: fc1.weight has shape [1, 2], so it needs 2 indices in [0..0, 0..1] (got "fc1.weight")');
  });

  it('refuses an unknown name, listing every trained parameter with its shape', () => {
    expect(problem('fc3.weight[0, 0]')).toBe(
      'landscape.weights[1]: must name a trained parameter of the model: one of fc1.weight [1, 2], fc1.bias [1], fc2.weight [3, 1], fc2.bias [3] (got "fc3.weight[0, 0]")',
    );
  });

  it('says so when the name is a running statistic, which snapshots do not hold', () => {
    expect(problem('bn.running_mean[0]')).toBe(
      'landscape.weights[1]: must name a trained parameter of the model ("bn.running_mean" is a running statistic, not a trained parameter): one of fc1.weight [1, 2], fc1.bias [1], fc2.weight [3, 1], fc2.bias [3] (got "bn.running_mean[0]")',
    );
  });

  it('refuses the wrong number of indices, giving the shape and the range of each', () => {
    expect(problem('fc1.weight[1]')).toBe('landscape.weights[1]: fc1.weight has shape [1, 2], so it needs 2 indices in [0..0, 0..1] (got "fc1.weight[1]")');
    expect(problem('fc2.bias[0, 0]')).toBe('landscape.weights[1]: fc2.bias has shape [3], so it needs 1 index in [0..2] (got "fc2.bias[0, 0]")');
  });

  it('refuses an index out of range, negative ones too', () => {
    expect(problem('fc1.weight[0, 2]')).toBe(
      'landscape.weights[1]: fc1.weight has shape [1, 2], so its indices must be in [0..0, 0..1] (got "fc1.weight[0, 2]")',
    );
    expect(problem('fc1.weight[1, 0]')).toMatch(/must be in \[0\.\.0, 0\.\.1\] \(got "fc1\.weight\[1, 0\]"\)$/);
    expect(problem('fc2.bias[-1]')).toBe('landscape.weights[1]: fc2.bias has shape [3], so its indices must be in [0..2] (got "fc2.bias[-1]")');
    expect(problem('fc.weight[10, 0]', parameterSpecs(cnnSmall()))).toBe(
      'landscape.weights[1]: fc.weight has shape [10, 2048], so its indices must be in [0..9, 0..2047] (got "fc.weight[10, 0]")',
    );
  });

  it('refuses text that is not a name with whole-number indices', () => {
    expect(problem('fc1.weight[0, 0.5]')).toBe(
      'landscape.weights[1]: the indices must be whole numbers, e.g. "fc1.weight[0, 1]"; fc1.weight takes [0..0, 0..1] (got "fc1.weight[0, 0.5]")',
    );
    expect(problem('fc1.weight[]')).toMatch(/the indices must be whole numbers/);
    for (const text of ['fc1.weight[0, 1', '[0, 1]', 'fc1 weight[0]', 'fc1.weight(0, 1)']) {
      expect(problem(text)).toBe(`landscape.weights[1]: must be a parameter name and its indices, e.g. "fc1.weight[0, 1]" (got ${JSON.stringify(text)})`);
    }
  });
});
