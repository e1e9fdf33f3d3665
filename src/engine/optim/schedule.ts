import type { ScheduleConfig } from '../config/run-config';

/**
 * Learning rate for optimizer step `step` (from 0) of a run of `totalSteps`:
 * - linear warm-up: lr * (step + 1) / warmup for step < warmup;
 * - then constant, or cosine annealing as PyTorch's CosineAnnealingLR with T_max = the
 *   steps after warm-up: lr_min + (lr - lr_min) * (1 + cos(pi * t / T_max)) / 2,
 *   lr_min = final_fraction * lr.
 */
export function learningRate(schedule: ScheduleConfig, lr: number, step: number, totalSteps: number): number {
  const warmup = schedule.warmup_steps;
  if (step < warmup) return (lr * (step + 1)) / warmup;
  if (schedule.type === 'constant') return lr;
  const span = Math.max(1, totalSteps - warmup);
  const t = Math.min(step - warmup, span);
  const lrMin = schedule.final_fraction * lr;
  return lrMin + ((lr - lrMin) * (1 + Math.cos((Math.PI * t) / span))) / 2;
}
