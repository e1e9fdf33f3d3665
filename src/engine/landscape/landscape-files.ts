// What `npm run train` writes for a config with a landscape: trajectories.csv (one row per
// snapshot of every run) and landscape.json (the plane and the loss grid). Numbers keep their
// full float precision (String(x), as metrics.csv), so the files reproduce the frame exactly.

import type { LandscapeFrame } from './landscape-frame';

export const TRAJECTORY_COLUMNS = ['run', 'step', 'x', 'y', 'train_loss', 'eval_loss', 'off_plane'] as const;

/** A CSV field: numbers as they are, null as an empty cell, text quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One row per snapshot of every run, in the frame's order: run, step, x, y, train_loss, eval_loss, off_plane. */
export function trajectoriesCsv(frame: LandscapeFrame): string {
  const lines = [TRAJECTORY_COLUMNS.join(',')];
  for (const point of frame.trajectories) lines.push(TRAJECTORY_COLUMNS.map((column) => csvField(point[column])).join(','));
  return lines.join('\n') + '\n';
}

/** JSON with two-space indentation, except that an array of plain values (a grid row, the alphas) stays on one line. */
function formatJson(value: unknown, indent = ''): string {
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    return value.length ? `[\n${value.map((item) => inner + formatJson(item, inner)).join(',\n')}\n${indent}]` : '[]';
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return entries.length ? `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJson(item, inner)}`).join(',\n')}\n${indent}}` : '{}';
  }
  return JSON.stringify(value);
}

/**
 * The frame's plane and surface, with PyTorch-minded names: losses[j][i] is the loss at
 * (alphas[i], betas[j]), i.e. of centre + alphas[i]·dir_x + betas[j]·dir_y with the tensors of
 * landscape.safetensors (weights plane: the two weights set to alphas[i] and betas[j]).
 */
export function landscapeJson(frame: LandscapeFrame): string {
  const document = {
    plane: frame.plane,
    center_run: frame.centerRun,
    center: frame.centerLabel,
    axis_labels: frame.axisLabels,
    explained_variance: frame.explainedVariance,
    grid: { points_per_axis: frame.choice.grid, eval_size: frame.choice.evalSize, reason: frame.choice.reason },
    filled: frame.filled,
    complete: frame.filled === frame.alphas.length * frame.betas.length,
    settled: frame.settled,
    fit: { relative_off_plane: frame.fit.relativeOffPlane, mean_gap: frame.fit.meanGap },
    snapshot_budget: {
      bytes: frame.budget.budgetBytes,
      runs: frame.budget.runs.map(({ run, kept, capacity, every }) => ({ run, kept, capacity, every })),
    },
    alphas: frame.alphas,
    betas: frame.betas,
    losses: frame.losses,
    interpolated: frame.interpolated
      ? { method: frame.interpolated.method, alphas: frame.interpolated.alphas, betas: frame.interpolated.betas, losses: frame.interpolated.losses }
      : undefined,
  };
  return formatJson(document) + '\n';
}
