// What `npm run train` writes for a config's inspect section, per run: factors.safetensors (the
// full H and S of each inspected layer at each written step, named like conv2.H.step100),
// frequency.safetensors (their frequency fields under the same names) and inspect.json (every
// measurement's diagonal shares and F̃ statistics, and each factor's analyses), so every number
// of the Inspector panel can be checked in NumPy.

import type { TensorEntry } from '../checkpoint/safetensors';
import type { FactorAnalysis } from './analysis/factor-analysis-types';
import type { InspectableLayer, InspectionRecord } from './inspect-types';

/** One analysed factor: which layer, side and step, and what the analyses found. */
export interface AnalysedFactor {
  readonly layer: string;
  readonly side: 'H' | 'S';
  readonly step: number;
  readonly analysis: FactorAnalysis;
}

/** The safetensors name of a factor (and of its frequency field). */
export function factorTensorName(layer: string, side: 'H' | 'S', step: number): string {
  return `${layer}.${side}.step${step}`;
}

/** Every full factor of a run's records, as [n, n] float32 tensors. */
export function factorTensors(records: readonly InspectionRecord[]): Record<string, TensorEntry> {
  const tensors: Record<string, TensorEntry> = {};
  for (const record of records) {
    for (const factor of record.factors) {
      tensors[factorTensorName(factor.layer, factor.side, record.step)] = { dtype: 'F32', shape: [factor.n, factor.n], data: factor.values };
    }
  }
  return tensors;
}

/** Each analysed factor's 20·ln|fftshift(fft2(M))| as an [n, n] float32 tensor (−inf where a coefficient is exactly 0). */
export function frequencyTensors(analysed: readonly AnalysedFactor[]): Record<string, TensorEntry> {
  return Object.fromEntries(
    analysed.map(({ layer, side, step, analysis }) => [
      factorTensorName(layer, side, step),
      { dtype: 'F32', shape: [analysis.n, analysis.n], data: analysis.frequency },
    ]),
  );
}

/** JSON has no infinities: a −inf (a zero in a logarithm) becomes null. */
const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);

export interface InspectDocument {
  readonly run: string;
  readonly optimizer: string;
  readonly model: string;
  readonly every: number;
  readonly layers: readonly InspectableLayer[];
  readonly records: readonly InspectionRecord[];
  readonly analysed: readonly AnalysedFactor[];
}

/** inspect.json: measurements in step order, then each analysed factor (its matrix is in factors.safetensors under `tensor`). */
export function inspectJson(document: InspectDocument): string {
  const json = {
    run: document.run,
    optimizer: document.optimizer,
    model: document.model,
    every: document.every,
    layers: document.layers.map(({ layer, kind, hSize, sSize, rows }) => ({ layer, kind, h_size: hSize, s_size: sSize, rows })),
    measurements: document.records.map((record) => ({
      step: record.step,
      diagonal_shares: record.shares.map(({ layer, h, s }) => ({ layer, h, s })),
      fisher: record.fisher ? { damping: record.fisher.damping, layers: record.fisher.layers } : null,
    })),
    factors: document.analysed.map(({ layer, side, step, analysis }) => ({
      layer,
      side,
      step,
      tensor: factorTensorName(layer, side, step),
      n: analysis.n,
      range: analysis.range,
      diagonal_share: analysis.diagonalShare,
      snr_db: finiteOrNull(analysis.snrDb),
      gershgorin: { centers: analysis.gershgorin.centers, radii: analysis.gershgorin.radii },
      eigenvalues: { re: analysis.eigenvalues.re, im: analysis.eigenvalues.im },
      perturbation: {
        sigma: analysis.perturbation.sigma,
        seed: analysis.perturbation.seed,
        clean: analysis.perturbation.clean,
        noisy: analysis.perturbation.noisy,
      },
      milliseconds: analysis.milliseconds,
    })),
  };
  return JSON.stringify(json, (_key, value: unknown) => (typeof value === 'number' ? finiteOrNull(value) : value), 1) + '\n';
}
