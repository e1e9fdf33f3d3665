// One run of each of the eight optimizers at settings that train cnn-small on the built-in
// images: the first-order ones at the page's rates, the second-order baselines at
// configs/cnn-small-*.yaml's settings (the paper's CNN column).

export const EVERY_OPTIMIZER_RUN = [
  { name: 'sgd', optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 } },
  { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
  { name: 'adamw', optimizer: { type: 'adamw', lr: 1e-3, weight_decay: 0.01 } },
  { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-4, tcov: 5, weight_decay: 5e-4 } },
  { name: 'adafisherw', optimizer: { type: 'adafisherw', lr: 1e-4, tcov: 5, weight_decay: 0.01 } },
  { name: 'kfac', optimizer: { type: 'kfac', lr: 0.3, weight_decay: 5e-4, damping: 1e-3, interval: 10, clip: 1 } },
  { name: 'shampoo', optimizer: { type: 'shampoo', lr: 0.3, weight_decay: 5e-4, clip: 1, max_factor_dim: 1024 } },
  { name: 'adahessian', optimizer: { type: 'adahessian', lr: 0.15, weight_decay: 5e-4 } },
] as const;
