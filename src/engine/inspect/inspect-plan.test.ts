import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/run-config';
import { cnnSmall } from '../nn/presets';
import { planInspection, settingsFromConfig, type InspectedSession } from './inspect-plan';
import { INSPECT_OFF } from './inspect-types';
import { checkInspectedLayer, inspectableLayers } from './inspectable-layers';

const LIMIT = 128 * 2 ** 20;

function session(totalSteps = 1000, maxBufferBytes = LIMIT): InspectedSession {
  const config = parseRunConfig({
    steps: totalSteps,
    runs: [
      { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-3, tcov: 50, gammas: [0.9, 0.01] } },
      { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
    ],
  });
  return { graph: cnnSmall(), batch: 64, totalSteps, runs: config.runs, maxBufferBytes };
}

describe('inspectable layers', () => {
  it("lists cnn-small's Linear and Conv2d layers with their factors' sides and rows", () => {
    expect(inspectableLayers(cnnSmall(), 64)).toEqual([
      { layer: 'conv1', kind: 'conv2d', hSize: 27, sSize: 16, rows: 64 * 32 * 32 },
      { layer: 'conv2', kind: 'conv2d', hSize: 144, sSize: 32, rows: 64 * 16 * 16 },
      { layer: 'fc', kind: 'linear', hSize: 2048, sSize: 10, rows: 64 },
    ]);
  });

  it('refuses an unknown layer, a layer without factors and one over the buffer limit, naming what is allowed', () => {
    expect(checkInspectedLayer(cnnSmall(), 64, 'conv9', LIMIT)).toBe(
      'Inspector: cnn-small has no layer named "conv9" (layers that can be inspected: conv1, conv2, fc)',
    );
    expect(checkInspectedLayer(cnnSmall(), 64, 'pool1', LIMIT)).toMatch(
      /"pool1" is a maxpool2d layer of cnn-small; only Linear and Conv2d layers have Kronecker factors \(layers that can be inspected: conv1, conv2, fc\)/,
    );
    expect(checkInspectedLayer(cnnSmall(), 64, 'fc', 8 * 2 ** 20)).toBe(
      "Inspector: fc's H is 2048 x 2048 (16 MiB), more than this device's 8 MiB buffer limit (layers that can be inspected: conv1, conv2)",
    );
  });
});

describe('planInspection', () => {
  it('measures nothing when off', () => {
    expect(planInspection(INSPECT_OFF, session())).toEqual({ runs: [], refusals: [] });
  });

  it("uses an AdaFisher run's own tcov and averaging, and AdaFisher's defaults for the others", () => {
    const plan = planInspection({ enabled: true, runs: null, full: [{ run: 'adam', layer: 'conv2' }], every: null, steps: null }, session());
    expect(plan.refusals).toEqual([]);
    expect(plan.runs).toEqual([
      { run: 'adafisher', every: 50, keep: expect.closeTo(0.1, 12), add: 0.01, fullLayers: [], fullSteps: null },
      { run: 'adam', every: 100, keep: expect.closeTo(0.08, 12), add: 0.008, fullLayers: ['conv2'], fullSteps: null },
    ]);
  });

  it('turns a config section into settings: every run unless named, its layers for each', () => {
    const config = parseRunConfig({
      steps: 300,
      runs: [
        { name: 'a', optimizer: { type: 'sgd', lr: 0.1 } },
        { name: 'b', optimizer: { type: 'sgd', lr: 0.1 } },
      ],
      inspect: { layers: ['conv1', 'fc'], every: 100, steps: [0, 200] },
    });
    expect(settingsFromConfig(config.inspect, ['a', 'b'])).toEqual({
      enabled: true,
      runs: null,
      full: [
        { run: 'a', layer: 'conv1' },
        { run: 'a', layer: 'fc' },
        { run: 'b', layer: 'conv1' },
        { run: 'b', layer: 'fc' },
      ],
      every: 100,
      steps: [0, 200],
    });
    expect(settingsFromConfig({ ...config.inspect!, enabled: false }, ['a'])).toBe(INSPECT_OFF);
    expect(settingsFromConfig(undefined, ['a'])).toBe(INSPECT_OFF);
  });

  it('refuses bad layers, runs and steps one by one and keeps the rest', () => {
    const plan = planInspection(
      {
        enabled: true,
        runs: null,
        full: [
          { run: 'adam', layer: 'fc' },
          { run: 'adam', layer: 'pool1' },
          { run: 'nobody', layer: 'conv1' },
        ],
        every: 100,
        steps: [0, 150, 900, 1000],
      },
      session(1000, 8 * 2 ** 20),
    );
    expect(plan.runs.map((run) => [run.run, run.fullLayers, run.fullSteps])).toEqual([
      ['adafisher', [], [0, 900]],
      ['adam', [], [0, 900]],
    ]);
    expect(plan.refusals).toEqual([
      'Inspector: no run named "nobody" to inspect layers of; runs are adafisher, adam',
      "Inspector: fc's H is 2048 x 2048 (16 MiB), more than this device's 8 MiB buffer limit (layers that can be inspected: conv1, conv2)",
      expect.stringMatching(/"pool1" is a maxpool2d layer/),
      'Inspector: step 150 is not a measurement step of run "adafisher" (one every 100 steps: use 100 or 200)',
      'Inspector: step 1000 is past the end of the session (steps 0 to 999 are trained) for run "adafisher"',
      'Inspector: step 150 is not a measurement step of run "adam" (one every 100 steps: use 100 or 200)',
      'Inspector: step 1000 is past the end of the session (steps 0 to 999 are trained) for run "adam"',
    ]);
  });

  it('rejects a config whose inspect section names a run it does not have', () => {
    expect(() => parseRunConfig({ steps: 10, runs: [{ name: 'a', optimizer: { type: 'sgd', lr: 0.1 } }], inspect: { runs: ['b'] } })).toThrow(
      /inspect\.runs.*must name runs of this config: "a" \(got "b"\)/,
    );
  });
});
