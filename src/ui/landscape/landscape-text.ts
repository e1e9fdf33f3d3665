// What the Landscape panel says about a frame, in words a student can follow: how far the
// grid has come, what was chosen and why, what the axes mean, the snapshots' memory, and how
// faithfully the flat picture shows runs that move in millions of directions.

import type { LandscapeFrame } from '../../engine/landscape/landscape-frame';
import { formatLoss } from './loss-scale';

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)} %`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;

export const EMPTY_LANDSCAPE_TEXT =
  'The landscape appears after the first snapshots: every run’s weights are copied at step 0 and every few steps, a plane is laid through them, ' +
  'and the loss is measured on a grid over that plane, coarse first, then finer.';

export function gridPoints(frame: LandscapeFrame): number {
  return frame.alphas.length * frame.betas.length;
}

/** "120 of 441 grid points measured". */
export function progressText(frame: LandscapeFrame): string {
  const total = gridPoints(frame);
  if (total === 0) return 'Fitting the plane; the grid comes next.';
  return frame.filled >= total ? `All ${total} grid points measured.` : `${frame.filled} of ${total} grid points measured.`;
}

export function choiceText(frame: LandscapeFrame): string {
  const { grid, evalSize, reason } = frame.choice;
  return `Grid ${grid} x ${grid}, the loss of each point on ${evalSize} training examples (${reason}).`;
}

/** What the two axes are: principal components and their share of the movement, random directions, or two weights. */
export function axesText(frame: LandscapeFrame): string {
  switch (frame.plane) {
    case 'pca': {
      if (!frame.explainedVariance) return `The axes are the two directions in which the runs' snapshots vary most, through ${frame.centerLabel}.`;
      const [first, second] = frame.explainedVariance;
      return (
        `The axes are the two directions in which the runs' snapshots vary most: the first holds ${percent(first)} of their variance, ` +
        `the second ${percent(second)}, so the plane shows ${percent(first + second)} of how the weights moved. Centre: ${frame.centerLabel}.`
      );
    }
    case 'random':
      return `The axes are two random directions, each filter scaled to the size of the same filter of the centre (Li et al., 2018). Centre: ${frame.centerLabel}.`;
    case 'weights':
      return `The axes are the two weights themselves; every other weight is held at ${frame.centerLabel}.`;
  }
}

export function budgetText(frame: LandscapeFrame): string {
  const runs = frame.budget.runs.map(({ run, kept, capacity, every }) => `${run} keeps ${kept} of up to ${capacity}, one every ${every} steps`);
  return `Snapshots take at most ${mib(frame.budget.budgetBytes)} of GPU memory${runs.length > 0 ? `: ${runs.join('; ')}` : ''}.`;
}

/** The spread of the measured surface, for judging a loss gap against it. */
function surfaceSpread(frame: LandscapeFrame): number | null {
  let low = Infinity;
  let high = -Infinity;
  for (const row of frame.losses) {
    for (const loss of row) {
      if (loss === null || !Number.isFinite(loss)) continue;
      low = Math.min(low, loss);
      high = Math.max(high, loss);
    }
  }
  return high > low ? high - low : null;
}

/**
 * How well the plane represents the trajectories: how far the snapshots lie off it (relative
 * to their distance from the centre), and how far the colour under a snapshot is from the
 * loss it had.
 */
export function fitText(frame: LandscapeFrame): string[] {
  const { relativeOffPlane, meanGap } = frame.fit;
  const lines: string[] = [];
  if (relativeOffPlane === null) {
    lines.push('How far the snapshots lie off this plane is known once they are projected onto it.');
  } else {
    const verdict =
      relativeOffPlane < 0.1
        ? 'the paths drawn are close to the real ones'
        : relativeOffPlane < 0.5
          ? 'the paths drawn are shadows of paths that also move in directions the picture does not show'
          : 'most of the runs’ movement is in directions this picture does not show';
    lines.push(`On average a snapshot lies ${percent(relativeOffPlane)} of its distance from the centre off the plane: ${verdict}.`);
  }
  if (meanGap === null) {
    lines.push('The gap between a snapshot’s loss and the surface under it is known once the grid around it is measured.');
  } else {
    const spread = surfaceSpread(frame);
    const share = spread === null ? null : meanGap / spread;
    const verdict =
      share === null
        ? ''
        : share < 0.05
          ? ': the colour under a path is the loss the run had there'
          : ': the colour under a path is not quite the loss the run had, because the run was off the plane';
    lines.push(
      `A snapshot's own loss and the surface under it differ by ${formatLoss(meanGap)} on average` +
        `${share === null ? '' : ` (${percent(share)} of the surface's range)`}${verdict}.`,
    );
  }
  return lines;
}

/** Whether more frames will come, or why not. */
export function statusText(frame: LandscapeFrame, live: boolean): string {
  if (frame.settled) return 'Final: no further updates.';
  if (!live) return 'The page was reloaded before this landscape was complete: what was measured is shown; train again to measure it anew.';
  return 'Updating as the runs train.';
}
