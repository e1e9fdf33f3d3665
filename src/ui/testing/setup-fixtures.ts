// Setups unlike the defaults for the setup's round-trip tests (YAML, links, localStorage).
// Test code only: nothing in the page imports this module.

import type { OptimizerConfig } from '../../engine/config/run-config';
import { defaultRun, OPTIMIZER_TYPES } from '../optimizer-fields';
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

/**
 * The image task with one run of each of the eight optimizer types, each at settings other than
 * its page default (K-FAC's notebook variant, Shampoo's factor limit, AdaHessian's power), so a
 * round trip that dropped or defaulted a field would show.
 */
export function everyOptimizerSetup(): Setup {
  const setup = defaultSetup('image-classification');
  setup.runs = OPTIMIZER_TYPES.map((type, i) => {
    const run = defaultRun(type, 'image-classification', []);
    return { ...run, optimizer: { ...run.optimizer, lr: Number((1.5e-3 * (i + 1)).toPrecision(3)) } as OptimizerConfig };
  });
  const set = (type: string, values: Record<string, unknown>) => {
    const run = setup.runs.find((candidate) => candidate.optimizer.type === type)!;
    run.optimizer = { ...run.optimizer, ...values } as OptimizerConfig;
  };
  set('kfac', { variant: 'notebook', damping: 3e-3, interval: 5, clip: 2, stat_decay: 0.9, inverse_interval: 50, kl_clip: 2e-3 });
  set('shampoo', { damping: 1e-6, interval: 3, clip: 5, max_factor_dim: 512 });
  set('adahessian', { betas: [0.8, 0.99], eps: 1e-6, hessian_power: 0.5 });
  setup.runs[5].schedule = { type: 'cosine', warmup_steps: 20, final_fraction: 0.1 };
  return setup;
}
