// The Inspector's JSON download: the chosen run's measurements (shares and F̃ at every step)
// and, for the layer and steps shown, each factor and its analysis. Full matrices when the
// page still holds them (INSPECTOR_MEMORY_BUDGET), else the pictures in blocks, saying which.

import type { AnalysedFactor, FullMatrix, InspectionPoint } from './inspector-state';

export const INSPECTION_JSON_FORMAT = 'adafisher-playground-inspection';
export const INSPECTION_JSON_VERSION = 1;

export interface InspectionExport {
  run: string;
  layer: string | null;
  /** The noise seed of the perturbation (the session's seed). */
  seed: number;
  points: readonly InspectionPoint[];
  /** The analyses shown, each with its full factor and full frequency field when kept. */
  shown: readonly { analysed: AnalysedFactor; factor?: FullMatrix; frequency?: FullMatrix }[];
}

/** Typed arrays as plain arrays; JSON has no infinities or NaN: JSON.stringify writes them (a zero's −∞ log) as null. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Float32Array || value instanceof Float64Array ? Array.from(value) : value;
}

/** Rows of an n x n row-major matrix. */
function rows(values: Float32Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * n, (i + 1) * n)));
}

export function inspectionJson({ run, layer, seed, points, shown }: InspectionExport, now: Date = new Date()): string {
  return JSON.stringify(
    {
      format: INSPECTION_JSON_FORMAT,
      version: INSPECTION_JSON_VERSION,
      exported: now.toISOString(),
      run,
      layer,
      seed,
      measurements: points,
      factors: shown.map(({ analysed, factor, frequency }) => ({
        layer: analysed.layer,
        side: analysed.side,
        step: analysed.step,
        n: analysed.analysis.n,
        analysis: analysed.analysis,
        matrix: factor ? rows(factor.values, factor.n) : null,
        frequency: frequency ? rows(frequency.values, frequency.n) : null,
        // Without the full matrices (dropped by the memory budget, or a session from the history): the pictures the panel draws.
        ...(factor ? {} : { matrixBlocks: analysed.heatmap }),
        ...(frequency ? {} : { frequencyBlocks: analysed.frequency }),
      })),
    },
    replacer,
    1,
  );
}
