import type { RunSpec } from '../engine/config/run-config';

/**
 * The comparison the page starts with: the four optimizers with learning rates that train
 * cnn-small, which has no BatchNorm (configs/compare-cnn-small.yaml explains each choice:
 * AdaFisher at the paper's 1e-3 and SGD at 0.05 diverge on it).
 */
export const DEFAULT_RUNS: RunSpec[] = [
  {
    name: 'adafisher',
    optimizer: {
      type: 'adafisher',
      lr: 1e-4,
      beta: 0.9,
      damping: 1e-3,
      gammas: [0.92, 0.008],
      average: 'reference',
      paper_gamma: 0.8,
      tcov: 10,
      weight_decay: 5e-4,
    },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
  {
    name: 'adam',
    optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 5e-4 },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
  {
    name: 'adamw',
    optimizer: { type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 5e-4 },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
  {
    name: 'sgd',
    optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 5e-4 },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
];

/**
 * The language-model comparison: AdaFisherW and AdamW as configs/gpt1-tiny-*.yaml set them (the
 * paper's WikiText-2 settings with lr 1e-3, so a few hundred steps from scratch show learning).
 */
export const DEFAULT_TEXT_RUNS: RunSpec[] = [
  {
    name: 'adafisherw',
    optimizer: {
      type: 'adafisherw',
      lr: 1e-3,
      beta: 0.9,
      damping: 1e-3,
      gammas: [0.92, 0.008],
      average: 'reference',
      paper_gamma: 0.8,
      tcov: 10,
      weight_decay: 0.1,
    },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
  {
    name: 'adamw',
    optimizer: { type: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1 },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
];

/**
 * The seed's Iris figure (docs/landscape.md): AdaFisher and Adam at lr 1e-3 with their
 * published defaults otherwise, in the figure's colours.
 */
export const DEFAULT_TABULAR_RUNS: RunSpec[] = [
  {
    name: 'adafisher',
    color: 'black',
    optimizer: {
      type: 'adafisher',
      lr: 1e-3,
      beta: 0.9,
      damping: 1e-3,
      gammas: [0.92, 0.008],
      average: 'reference',
      paper_gamma: 0.8,
      tcov: 100,
      weight_decay: 0,
    },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
  {
    name: 'adam',
    color: 'cyan',
    optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 },
    schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
  },
];
