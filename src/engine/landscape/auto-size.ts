// How large a grid and evaluation set the adapter can afford. A 21 x 21 grid at 512 examples
// is 441 forward passes over 512 examples: instant on a discrete GPU, a quarter of an hour for
// cnn-small on a software adapter. The time one example's forward takes is estimated from the
// training steps already measured (a step is a forward, a backward about twice its cost, and
// the update), and the sizes are picked so the first coarse picture appears within about 10 s
// and the whole grid within a few minutes, at the landscape's share of the GPU.

import type { LandscapeChoice } from './landscape-frame';
import { coarseLevelSize } from './grid';

/** Wall-clock seconds for the first coarse picture, and for the whole grid. */
export const COARSE_SECONDS = 10;
export const FULL_GRID_SECONDS = 240;
export const DEFAULT_EVAL_SIZE = 512;
export const DEFAULT_GRID = 21;
/** Fewer examples than this make the surface mostly noise; below it the grid shrinks instead. */
const MIN_EVAL_SIZE = 16;
const GRID_CHOICES = [21, 17, 13, 11, 9, 7, 5];
/** A training step costs about this many forwards (forward, backward at twice the cost, update). */
const FORWARDS_PER_STEP = 3;

export interface SpeedSample {
  /** Milliseconds of one training step, and the examples (rows of images or sequences) in it. */
  stepMs: number;
  batch: number;
}

export interface SizeRequest {
  grid: number | 'auto';
  evalSize: number | 'auto';
  /** Examples the evaluation set can hold at most (the training split, or a memory cap). */
  maxEvalSize: number;
  /** The landscape's GPU time per unit of training time (run-config's `share`). */
  share: number;
}

/** Seconds of landscape work per second of wall time while training at a given share. */
function workPerSecond(share: number): number {
  return share / (1 + share);
}

export function chooseSizes(request: SizeRequest, speed: SpeedSample): LandscapeChoice {
  const msPerExample = speed.stepMs / (FORWARDS_PER_STEP * speed.batch);
  const rate = workPerSecond(request.share);
  const fixedGrid = request.grid === 'auto' ? null : request.grid;
  const coarsePoints = coarseLevelSize(fixedGrid ?? DEFAULT_GRID);
  let evalSize: number;
  if (request.evalSize !== 'auto') {
    evalSize = request.evalSize;
  } else {
    const affordable = (COARSE_SECONDS * 1000 * rate) / (coarsePoints * msPerExample);
    evalSize = Math.min(request.maxEvalSize, DEFAULT_EVAL_SIZE);
    while (evalSize > MIN_EVAL_SIZE && evalSize > affordable) evalSize = Math.max(MIN_EVAL_SIZE, Math.floor(evalSize / 2));
    evalSize = Math.min(evalSize, request.maxEvalSize);
  }
  const pointMs = evalSize * msPerExample;
  let grid: number;
  if (fixedGrid !== null) {
    grid = fixedGrid;
  } else {
    const affordablePoints = (FULL_GRID_SECONDS * 1000 * rate) / pointMs;
    grid = GRID_CHOICES.find((n) => n * n <= affordablePoints) ?? GRID_CHOICES.at(-1)!;
  }
  const auto = [request.grid === 'auto' ? 'grid' : null, request.evalSize === 'auto' ? 'evaluation size' : null].filter(Boolean).join(' and ');
  const seconds = pointMs / 1000;
  const reason =
    `${grid} x ${grid} at ${evalSize} examples: one grid point (a forward over the evaluation set) takes about ` +
    `${seconds < 0.1 ? seconds.toFixed(3) : seconds.toFixed(2)} s here` +
    (auto
      ? `; ${auto} chosen so the first coarse picture comes within about ${COARSE_SECONDS} s and the whole grid within about ${FULL_GRID_SECONDS / 60} minutes with the landscape's share of ${Math.round(request.share * 100)} % of the training time`
      : '');
  return { grid, evalSize, reason };
}
