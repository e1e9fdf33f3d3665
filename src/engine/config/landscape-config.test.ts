import { describe, expect, it } from 'vitest';
import { ConfigError, LANDSCAPE_MAX_GRID, parseRunConfig } from './run-config';

const RUNS = [
  { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
  { name: 'sgd', optimizer: { type: 'sgd', lr: 0.1 } },
];

/** Every problem parseRunConfig reports for a config with this landscape section. */
function problems(landscape: unknown): string[] {
  try {
    parseRunConfig({ steps: 10, runs: RUNS, landscape });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`landscape ${JSON.stringify(landscape)} was accepted`);
}

describe('the landscape section of a run configuration', () => {
  it('fills every default, and the plane and grid a person sets', () => {
    const config = parseRunConfig({ steps: 10, runs: RUNS, landscape: { plane: 'weights', weights: ['fc.weight[0, 0]', 'fc.weight[0, 1]'], grid: 5 } });
    expect(config.landscape).toEqual({
      enabled: true,
      plane: 'weights',
      center: 'current',
      weights: ['fc.weight[0, 0]', 'fc.weight[0, 1]'],
      seed: 0,
      grid: 5,
      range: 'auto',
      margin: 0.2,
      eval_size: 'auto',
      snapshot_every: 10,
      budget_mb: 'auto',
      share: 0.2,
      freeze: false,
    });
    expect(parseRunConfig({ steps: 10, runs: RUNS }).landscape).toBeUndefined();
  });

  it('refuses a grid of 0, past the limit or not whole, naming the range and the value', () => {
    expect(problems({ grid: 0 })).toEqual([`landscape.grid: must be "auto" or a whole number in 3..${LANDSCAPE_MAX_GRID} (got 0)`]);
    expect(problems({ grid: 500 })).toEqual([`landscape.grid: must be "auto" or a whole number in 3..${LANDSCAPE_MAX_GRID} (got 500)`]);
    expect(problems({ grid: LANDSCAPE_MAX_GRID + 1 })).toEqual([`landscape.grid: must be "auto" or a whole number in 3..101 (got 102)`]);
    expect(problems({ grid: 2.5 })).toEqual(['landscape.grid: must be "auto" or a whole number in 3..101 (got 2.5)']);
    expect(problems({ grid: 'fine' })).toEqual(['landscape.grid: must be "auto" or a whole number in 3..101 (got "fine")']);
    expect(parseRunConfig({ steps: 1, runs: RUNS, landscape: { grid: LANDSCAPE_MAX_GRID } }).landscape?.grid).toBe(LANDSCAPE_MAX_GRID);
    expect(parseRunConfig({ steps: 1, runs: RUNS, landscape: { grid: 3 } }).landscape?.grid).toBe(3);
  });

  it('refuses a share of 0 and an evaluation set or budget outside its range', () => {
    expect(problems({ share: 0 })).toEqual(['landscape.share: must be in (0, 1] (got 0)']);
    expect(problems({ share: 1.5 })).toEqual(['landscape.share: must be in (0, 1] (got 1.5)']);
    expect(problems({ eval_size: 0 })).toEqual(['landscape.eval_size: must be "auto" or a whole number in 1..4096 (got 0)']);
    expect(problems({ eval_size: 5000 })).toEqual(['landscape.eval_size: must be "auto" or a whole number in 1..4096 (got 5000)']);
    expect(problems({ budget_mb: 0 })).toEqual(['landscape.budget_mb: must be "auto" or a number of MiB in (0, 65536] (got 0)']);
    expect(problems({ snapshot_every: 0 })).toEqual(['landscape.snapshot_every: must be > 0 (got 0)']);
  });

  it('refuses a range that does not increase or lacks an axis, showing the value', () => {
    expect(problems({ range: { x: [1, 0], y: [-1, 1] } })).toEqual(['landscape.range.x: must be [low, high] with low < high (got [1,0])']);
    expect(problems({ range: { x: [-1, 1], y: [2, 2] } })).toEqual(['landscape.range.y: must be [low, high] with low < high (got [2,2])']);
    expect(problems({ range: { x: [-1, 1] } })).toEqual(['landscape.range: must be "auto" or { x: [low, high], y: [low, high] } (got {"x":[-1,1]})']);
    expect(problems({ range: 'wide' })).toEqual(['landscape.range: must be "auto" or { x: [low, high], y: [low, high] } (got "wide")']);
  });

  it('refuses a centre run that is not one of the runs, listing them', () => {
    expect(problems({ center_run: 'nope' })).toEqual(['landscape.center_run: must name one of the runs: "adam", "sgd" (got "nope")']);
  });

  it('refuses the weights plane without two parameters', () => {
    expect(problems({ plane: 'weights' })).toEqual([
      'landscape.weights: the weights plane needs two parameters, e.g. weights: ["fc1.weight[0, 0]", "fc1.weight[0, 1]"]',
    ]);
    expect(problems({ plane: 'weights', weights: ['fc.weight[0, 0]'] })).toEqual([
      'landscape.weights: must be two parameters, e.g. ["fc1.weight[0, 0]", "fc1.weight[0, 1]"] (got ["fc.weight[0, 0]"])',
    ]);
    expect(problems({ plane: 'weights', weights: 'fc.weight[0, 0]' })).toEqual([
      'landscape.weights: must be two parameters, e.g. ["fc1.weight[0, 0]", "fc1.weight[0, 1]"] (got "fc.weight[0, 0]")',
    ]);
  });
});
