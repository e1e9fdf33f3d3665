import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../config/run-config';
import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { cnnSmall } from '../nn/presets';
import { bytesPerSnapshot, validateLandscape, type LandscapeLimits } from './landscape-validation';

/** The seed's Iris model: Linear(2, 1), ReLU, Linear(1, 3). */
const IRIS_LIKE: ModelGraph = {
  preset: 'iris-like',
  task: 'image-classification',
  init: 'pytorch',
  inputShape: [2],
  classes: 3,
  output: 'logits',
  nodes: [
    { op: 'linear', name: 'fc1', input: GRAPH_INPUT, output: 'h', inFeatures: 2, outFeatures: 1, bias: true },
    { op: 'relu', input: 'h', output: 'r' },
    { op: 'linear', name: 'fc2', input: 'r', output: 'logits', inFeatures: 1, outFeatures: 3, bias: true },
  ],
};
const MIB = 2 ** 20;
// Four tensors, each starting at a 256-byte boundary: 4 x 256 bytes.
const IRIS_SNAPSHOT = 1024;
const LIMITS: LandscapeLimits = { trainExamples: 150, snapshotBytesPerRun: IRIS_SNAPSHOT, budgetBytes: 64 * MIB };

function config(landscape: Record<string, unknown>, runs = 2) {
  return parseRunConfig({
    task: 'image-classification',
    steps: 10,
    runs: Array.from({ length: runs }, (_, i) => ({ name: `run${i}`, optimizer: { type: 'adam', lr: 1e-3 } })),
    landscape,
  });
}

function problems(landscape: Record<string, unknown>, limits: Partial<LandscapeLimits> = {}, runs = 2): string[] {
  try {
    validateLandscape(config(landscape, runs), IRIS_LIKE, { ...LIMITS, ...limits });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`landscape ${JSON.stringify(landscape)} was accepted`);
}

describe('bytesPerSnapshot', () => {
  it('counts the flat parameter buffer with every tensor aligned, as the model lays it out', () => {
    expect(bytesPerSnapshot(IRIS_LIKE, 256)).toBe(IRIS_SNAPSHOT);
    expect(bytesPerSnapshot(IRIS_LIKE, 4)).toBe((2 + 1 + 3 + 3) * 4);
    // cnn-small at 256-byte alignment (64 floats): conv1.weight 432 -> conv1.bias at 448 -> conv2.weight at 512 (4608)
    // -> conv2.bias at 5120 -> fc.weight at 5184 (20480) -> fc.bias at 25664, ending at 25674, padded to 25728 floats.
    expect(bytesPerSnapshot(cnnSmall(), 256)).toBe(25728 * 4);
  });
});

describe('validateLandscape', () => {
  it('returns the weights plane parameters, and nothing for other planes or no landscape', () => {
    expect(validateLandscape(config({ plane: 'weights', weights: ['fc1.weight[0, 0]', 'fc1.weight[0,1]'] }), IRIS_LIKE, LIMITS)).toEqual([
      { name: 'fc1.weight', index: 0, label: 'fc1.weight[0, 0]' },
      { name: 'fc1.weight', index: 1, label: 'fc1.weight[0, 1]' },
    ]);
    expect(validateLandscape(config({ plane: 'pca' }), IRIS_LIKE, LIMITS)).toBeNull();
    expect(validateLandscape(config({ enabled: false, eval_size: 4096 }), IRIS_LIKE, LIMITS)).toBeNull();
    const none = parseRunConfig({ steps: 1, runs: [{ name: 'a', optimizer: { type: 'sgd', lr: 1 } }] });
    expect(validateLandscape(none, IRIS_LIKE, { ...LIMITS, budgetBytes: 0 })).toBeNull();
  });

  it('refuses an unknown parameter and an index out of range, each under its own field', () => {
    expect(problems({ plane: 'weights', weights: ['fc3.weight[0, 0]', 'fc1.weight[0, 2]'] })).toEqual([
      'landscape.weights[0]: must name a trained parameter of the model: one of fc1.weight [1, 2], fc1.bias [1], fc2.weight [3, 1], fc2.bias [3] (got "fc3.weight[0, 0]")',
      'landscape.weights[1]: fc1.weight has shape [1, 2], so its indices must be in [0..0, 0..1] (got "fc1.weight[0, 2]")',
    ]);
  });

  it('checks named weights whatever the plane, since the page can switch to them', () => {
    expect(problems({ plane: 'pca', weights: ['fc1.weight[0, 0]', 'fc2.bias[3]'] })).toEqual([
      'landscape.weights[1]: fc2.bias has shape [3], so its indices must be in [0..2] (got "fc2.bias[3]")',
    ]);
  });

  it('refuses the same weight twice, however it is spelled', () => {
    expect(problems({ plane: 'weights', weights: ['fc1.bias', 'fc1.bias[0]'] })).toEqual([
      'landscape.weights: must be two different parameters, but both name fc1.bias[0] (got ["fc1.bias","fc1.bias[0]"])',
    ]);
  });

  it('refuses a budget too small for two snapshots of every run, saying how much they need', () => {
    // 2 runs x 2 snapshots x 1024 bytes = 4096 bytes = 0.00390625 MiB, rounded up.
    expect(problems({ budget_mb: 0.001 }, { budgetBytes: 0.001 * MIB })).toEqual([
      'landscape.budget_mb: must be at least 0.00391 MiB, room for two snapshots of each of the 2 runs (1024 bytes each) (got 0.001)',
    ]);
    expect(() => validateLandscape(config({}, 1), IRIS_LIKE, { ...LIMITS, budgetBytes: 2048 })).not.toThrow();
    expect(problems({}, { budgetBytes: 2047 }, 1)).toHaveLength(1);
  });

  it('names what "auto" chose when the adapter leaves too little', () => {
    const snapshot = bytesPerSnapshot(cnnSmall(), 256);
    expect(problems({ budget_mb: 'auto' }, { snapshotBytesPerRun: snapshot, budgetBytes: 0.25 * MIB }, 3)).toEqual([
      `landscape.budget_mb: must be at least 0.589 MiB, room for two snapshots of each of the 3 runs (${snapshot} bytes each) (got "auto", 0.25 MiB on this adapter)`,
    ]);
    // The figure it asks for is enough: 0.589 MiB >= 6 x 102912 bytes.
    expect(0.589 * MIB).toBeGreaterThanOrEqual(6 * snapshot);
    expect(() =>
      validateLandscape(config({ budget_mb: 0.589 }, 3), cnnSmall(), { ...LIMITS, snapshotBytesPerRun: snapshot, budgetBytes: 0.589 * MIB }),
    ).not.toThrow();
  });

  it('says "the run" for a single run', () => {
    expect(problems({ budget_mb: 0.001 }, { budgetBytes: 1000 }, 1)).toEqual([
      'landscape.budget_mb: must be at least 0.00196 MiB, room for two snapshots of the run (1024 bytes each) (got 0.001)',
    ]);
  });

  it('refuses an evaluation set larger than the training data', () => {
    expect(problems({ eval_size: 512 })).toEqual([
      'landscape.eval_size: must be "auto" or a whole number in 1..150, as the training data has 150 examples (got 512)',
    ]);
    expect(problems({ eval_size: 151 })).toHaveLength(1);
    expect(() => validateLandscape(config({ eval_size: 150 }), IRIS_LIKE, LIMITS)).not.toThrow();
    expect(() => validateLandscape(config({ eval_size: 'auto' }), IRIS_LIKE, { ...LIMITS, trainExamples: 10 })).not.toThrow();
  });

  it('lists every problem at once', () => {
    const all = problems({ plane: 'weights', weights: ['fc1.weight[5]', 'fc1.weight[0, 0]'], eval_size: 200, budget_mb: 0.001 }, { budgetBytes: 1000 });
    expect(all.map((problem) => problem.split(':')[0])).toEqual(['landscape.weights[0]', 'landscape.budget_mb', 'landscape.eval_size']);
  });
});
