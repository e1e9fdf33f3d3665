import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_PROFILED_STEPS, parseRunConfig } from './run-config';

const RUNS = [
  { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
  { name: 'sgd', optimizer: { type: 'sgd', lr: 0.1 } },
];

/** Every problem parseRunConfig reports for a config with this profile section. */
function problems(profile: unknown, extra: Record<string, unknown> = { steps: 10 }): string[] {
  try {
    parseRunConfig({ runs: RUNS, profile, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`profile ${JSON.stringify(profile)} was accepted`);
}

describe('the profile section of a run configuration', () => {
  it('takes the steps to profile, counted from 1, and optionally the runs', () => {
    expect(parseRunConfig({ steps: 10, runs: RUNS, profile: { steps: [1, 10] } }).profile).toEqual({ steps: [1, 10] });
    expect(parseRunConfig({ steps: 10, runs: RUNS, profile: { steps: [5], runs: ['sgd'] } }).profile).toEqual({ steps: [5], runs: ['sgd'] });
    // With epochs the length is known only with the data: the trainer checks the steps then.
    expect(parseRunConfig({ epochs: 1, runs: RUNS, profile: { steps: [500] } }).profile).toEqual({ steps: [500] });
    expect(parseRunConfig({ steps: 10, runs: RUNS }).profile).toBeUndefined();
  });

  it('refuses steps outside the training, unknown runs and too many steps, naming each', () => {
    expect(problems({ steps: [3, 11, 12] })).toEqual(['profile.steps: must be steps of the training, 1 to 10 (got 11, 12)']);
    expect(problems({ steps: [0] })).toEqual(['profile.steps[0]: must be > 0 (got 0)']);
    expect(problems({ steps: [] })).toEqual(['profile.steps: needs at least one step']);
    expect(problems({ steps: [2], runs: ['adam', 'adamw'] })).toEqual(['profile.runs: must name runs of this config: "adam", "sgd" (got "adamw")']);
    const many = Array.from({ length: MAX_PROFILED_STEPS + 1 }, (_, i) => i + 1);
    expect(problems({ steps: many }, { steps: 100 })[0]).toMatch(/^profile\.steps: at most 20 steps/);
    expect(problems({ step: [2] })[0]).toMatch(/^profile/);
  });
});
