// Setups unlike the defaults for the setup's round-trip tests (YAML, links, localStorage).
// Test code only: nothing in the page imports this module.

import { defaultSetup, type Setup } from '../setup';

/**
 * The Iris task with everything the config's newer sections hold: starting values, a hex and
 * a named colour, and a weights-plane landscape with a centre run, a hand-set range and a share.
 */
export function irisLandscapeSetup(): Setup {
  const setup = defaultSetup('tabular-classification');
  setup.init = { 'fc1.weight': [0.2, -0.35], 'fc2.bias': [0, 0.5, -1] };
  setup.runs[1].color = '#00bcd4';
  setup.landscape = {
    ...setup.landscape!,
    weights: ['fc1.weight[0, 1]', 'fc2.weight[2, 0]'],
    center_run: 'adam',
    range: { x: [-1.5, 2], y: [-0.5, 0.75] },
    share: 0.35,
    freeze: true,
  };
  return setup;
}

/** The image task's default setup as a config without a landscape section gives it. */
export function setupWithoutLandscape(): Setup {
  return { ...defaultSetup('image-classification'), landscape: undefined, seed: 5 };
}
