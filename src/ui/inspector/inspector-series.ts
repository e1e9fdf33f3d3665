// The measurements of a run as lines over steps: each layer's diagonal share of H and of S,
// and (AdaFisher) each layer's F̃ minimum, median and maximum with λ.

import type { FactorSide, InspectionPoint } from './inspector-state';

export interface LayerLine {
  readonly layer: string;
  readonly steps: number[];
  readonly values: number[];
}

export interface FisherLine {
  readonly layer: string;
  readonly steps: number[];
  readonly min: number[];
  readonly median: number[];
  readonly max: number[];
}

/** The layers in the order the measurements list them (graph order), each once. */
function layersOf(points: readonly InspectionPoint[], pick: (point: InspectionPoint) => readonly { layer: string }[]): string[] {
  const names: string[] = [];
  for (const point of points) for (const { layer } of pick(point)) if (!names.includes(layer)) names.push(layer);
  return names;
}

/** ‖diag M‖² / ‖M‖_F² of each layer's H (or S) at each measurement. */
export function shareLines(points: readonly InspectionPoint[], side: FactorSide): LayerLine[] {
  return layersOf(points, (point) => point.shares).map((layer) => {
    const steps: number[] = [];
    const values: number[] = [];
    for (const point of points) {
      const shares = point.shares.find((entry) => entry.layer === layer);
      if (!shares) continue;
      steps.push(point.step);
      values.push(side === 'H' ? shares.h : shares.s);
    }
    return { layer, steps, values };
  });
}

/** F̃'s minimum, median and maximum of each layer at each measurement that has them (AdaFisher runs). */
export function fisherLines(points: readonly InspectionPoint[]): FisherLine[] {
  return layersOf(points, (point) => point.fisher?.layers ?? []).map((layer) => {
    const line: FisherLine = { layer, steps: [], min: [], median: [], max: [] };
    for (const point of points) {
      const stats = point.fisher?.layers.find((entry) => entry.layer === layer);
      if (!stats) continue;
      line.steps.push(point.step);
      line.min.push(stats.min);
      line.median.push(stats.median);
      line.max.push(stats.max);
    }
    return line;
  });
}

/** λ at each measurement with F̃ (it is the run's damping, so usually one value). */
export function dampingLine(points: readonly InspectionPoint[]): { steps: number[]; values: number[] } {
  const withFisher = points.filter((point) => point.fisher !== null);
  return { steps: withFisher.map((point) => point.step), values: withFisher.map((point) => point.fisher!.damping) };
}

/** The latest measurement's shares as text, e.g. "conv1 H 0.42 S 0.91". */
export function latestSharesText(points: readonly InspectionPoint[]): string {
  const last = points.at(-1);
  if (!last) return '';
  return `step ${last.step}: ${last.shares.map((entry) => `${entry.layer} H ${entry.h.toFixed(3)} S ${entry.s.toFixed(3)}`).join(', ')}`;
}
