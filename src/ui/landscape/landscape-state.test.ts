import { describe, expect, it } from 'vitest';
import { landscapeFixture } from '../testing/landscape-fixture';
import { DEFAULT_LANDSCAPE_DISPLAY, initialLandscape, landscapeFromConfig, restoredLandscape, withoutRun } from './landscape-state';

const runs = ['adafisher', 'adam'];

describe('landscapeFromConfig', () => {
  it('is off for a config without a landscape section', () => {
    const { enabled, settings } = landscapeFromConfig({ runs: [] }, runs);
    expect(enabled).toBe(false);
    expect(settings).toMatchObject({ plane: 'pca', centerRun: 'adafisher', grid: 'auto', range: 'auto', evalSize: 'auto', freeze: false, visible: true });
  });

  it("takes the section's choices, the schema's defaults for the rest, and the first run as centre", () => {
    const { enabled, settings } = landscapeFromConfig(
      { landscape: { plane: 'weights', weights: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'], grid: 31, eval_size: 150 } },
      runs,
    );
    expect(enabled).toBe(true);
    expect(settings).toEqual({
      plane: 'weights',
      centerRun: 'adafisher',
      center: 'current',
      weights: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'],
      seed: 0,
      grid: 31,
      range: 'auto',
      evalSize: 150,
      freeze: false,
      visible: true,
    });
    expect(landscapeFromConfig({ landscape: { center_run: 'adam', range: { x: [-1, 1], y: [0, 2] } } }, runs).settings).toMatchObject({
      centerRun: 'adam',
      range: { x: [-1, 1], y: [0, 2] },
    });
  });

  it('is off when the section is disabled, or one the schema refuses (the worker reports that)', () => {
    expect(landscapeFromConfig({ landscape: { enabled: false } }, runs).enabled).toBe(false);
    expect(landscapeFromConfig({ landscape: { grid: 0 } }, runs).enabled).toBe(false);
  });
});

describe('a landscape from the history', () => {
  it('shows the saved frame with its plane and centre', () => {
    const frame = landscapeFixture({ plane: 'random' });
    const landscape = restoredLandscape({}, runs, frame, { ...DEFAULT_LANDSCAPE_DISPLAY, logColor: true });
    expect(landscape.enabled).toBe(true);
    expect(landscape.frame).toBe(frame);
    expect(landscape.settings).toMatchObject({ plane: 'random', centerRun: 'adafisher' });
    expect(landscape.display.logColor).toBe(true);
  });

  it('is off without a saved frame, even when the config had a section: nothing will measure it now', () => {
    expect(restoredLandscape({ landscape: {} }, runs, undefined, DEFAULT_LANDSCAPE_DISPLAY).enabled).toBe(false);
    expect(initialLandscape({ landscape: {} }, runs, DEFAULT_LANDSCAPE_DISPLAY).enabled).toBe(true);
  });
});

describe('withoutRun', () => {
  it("drops a reset run's trajectory and keeps the surface", () => {
    const frame = landscapeFixture();
    const kept = withoutRun(frame, 'adam')!;
    expect(new Set(kept.trajectories.map((point) => point.run))).toEqual(new Set(['adafisher']));
    expect(kept.losses).toBe(frame.losses);
    expect(withoutRun(frame, 'sgd')).toBe(frame);
    expect(withoutRun(null, 'adam')).toBeNull();
  });
});
