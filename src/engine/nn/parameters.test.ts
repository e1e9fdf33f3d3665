import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/run-config';
import { applyInitOverrides, initialParameters } from './parameters';
import { irisMlp, resnetMini } from './presets';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('applyInitOverrides', () => {
  const graph = irisMlp();
  const initial = initialParameters(graph, 4);

  it('replaces the named parameters in row-major order and shares the others', () => {
    const values = applyInitOverrides(graph, initial, { 'fc1.weight': [0.2, 0.2], 'fc2.bias': [1, -2, 0.5] });
    expect(values).not.toBe(initial);
    expect(Array.from(values.get('fc1.weight')!)).toEqual([Math.fround(0.2), Math.fround(0.2)]);
    expect(values.get('fc1.weight')).toBeInstanceOf(Float32Array);
    expect(Array.from(values.get('fc2.bias')!)).toEqual([1, -2, 0.5]);
    expect(values.get('fc1.bias')).toBe(initial.get('fc1.bias'));
    expect(values.get('fc2.weight')).toBe(initial.get('fc2.weight'));
    // The initial values themselves are untouched.
    expect(Array.from(initial.get('fc1.weight')!)).not.toEqual([Math.fround(0.2), Math.fround(0.2)]);
  });

  it('returns a copy of the initial values when there are no overrides', () => {
    const values = applyInitOverrides(graph, initial, undefined);
    expect(values).not.toBe(initial);
    expect([...values.keys()]).toEqual([...initial.keys()]);
  });

  it('may set a BatchNorm running statistic, which is a state_dict tensor too', () => {
    const resnet = resnetMini();
    const values = applyInitOverrides(resnet, initialParameters(resnet, 1), { 'bn1.running_var': new Array(16).fill(2) });
    expect(Array.from(values.get('bn1.running_var')!)).toEqual(new Array(16).fill(2));
  });

  it('refuses an unknown name, listing the parameters, and a wrong count, naming the shape', () => {
    const error = configError(() => applyInitOverrides(graph, initial, { 'fc3.weight': [1], 'fc1.weight': [0.2, 0.2, 0.2], 'fc1.bias': [] }));
    expect(error.problems).toEqual([
      'init.fc3.weight: iris-mlp has no parameter "fc3.weight"; its parameters are fc1.weight, fc1.bias, fc2.weight, fc2.bias',
      'init.fc1.weight: fc1.weight has shape [1, 2], so it needs 2 values in row-major order; got 3',
      'init.fc1.bias: fc1.bias has shape [1], so it needs 1 value in row-major order; got 0',
    ]);
    expect(error.message).toContain('Invalid configuration:');
  });
});
