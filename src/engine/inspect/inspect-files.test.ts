import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../checkpoint/safetensors';
import type { FactorAnalysis } from './analysis/factor-analysis-types';
import { factorTensors, frequencyTensors, inspectJson } from './inspect-files';
import type { InspectionRecord } from './inspect-types';

const record = (step: number, factors: InspectionRecord['factors']): InspectionRecord => ({
  run: 'adam',
  step,
  shares: [{ layer: 'fc', h: 0.5, s: 0.25 }],
  fisher: step === 0 ? { damping: 1e-3, layers: [{ layer: 'fc', min: 1e-3, median: 2e-3, max: 0.5 }] } : null,
  factors,
});

const analysis: FactorAnalysis = {
  n: 2,
  range: { min: 0, max: 1 },
  gershgorin: { centers: [1, 0.5], radii: [0.25, 0.25] },
  eigenvalues: { re: [0.4, 1.1], im: [0, 0] },
  perturbation: { sigma: 1e-3, seed: 7, clean: [0.4, 1.1], noisy: [0.41, 1.1] },
  frequency: Float32Array.from([-Infinity, 1, 2, 3]),
  snrDb: 12.5,
  diagonalShare: 0.9,
  milliseconds: 3,
};

describe('inspector files', () => {
  it('names each full factor layer.side.stepN as an [n, n] float32 tensor that survives safetensors', () => {
    const H = Float32Array.from([1, 0.5, 0.5, 1]);
    const S = Float32Array.from([2]);
    const records = [
      record(0, [
        { layer: 'fc', side: 'H', n: 2, values: H },
        { layer: 'fc', side: 'S', n: 1, values: S },
      ]),
      record(100, []),
    ];
    const { tensors } = decodeSafetensors(encodeSafetensors(factorTensors(records)));
    expect(Object.keys(tensors).sort()).toEqual(['fc.H.step0', 'fc.S.step0']);
    expect(tensors['fc.H.step0'].shape).toEqual([2, 2]);
    expect(Array.from(tensors['fc.H.step0'].data as Float32Array)).toEqual([1, 0.5, 0.5, 1]);
    expect(Array.from(frequencyTensors([{ layer: 'fc', side: 'H', step: 0, analysis }])['fc.H.step0'].data as Float32Array)).toEqual([-Infinity, 1, 2, 3]);
  });

  it('writes every measurement and every analysed factor into inspect.json, infinities as null', () => {
    const json = JSON.parse(
      inspectJson({
        run: 'adam',
        optimizer: 'adam',
        model: 'cnn-small',
        every: 100,
        layers: [{ layer: 'fc', kind: 'linear', hSize: 2, sSize: 1, rows: 8 }],
        records: [record(0, []), record(100, [])],
        analysed: [{ layer: 'fc', side: 'H', step: 100, analysis: { ...analysis, snrDb: Infinity } }],
      }),
    );
    expect(json.layers).toEqual([{ layer: 'fc', kind: 'linear', h_size: 2, s_size: 1, rows: 8 }]);
    expect(json.measurements).toEqual([
      { step: 0, diagonal_shares: [{ layer: 'fc', h: 0.5, s: 0.25 }], fisher: { damping: 1e-3, layers: [{ layer: 'fc', min: 1e-3, median: 2e-3, max: 0.5 }] } },
      { step: 100, diagonal_shares: [{ layer: 'fc', h: 0.5, s: 0.25 }], fisher: null },
    ]);
    expect(json.factors).toEqual([
      {
        layer: 'fc',
        side: 'H',
        step: 100,
        tensor: 'fc.H.step100',
        n: 2,
        range: { min: 0, max: 1 },
        diagonal_share: 0.9,
        snr_db: null,
        gershgorin: { centers: [1, 0.5], radii: [0.25, 0.25] },
        eigenvalues: { re: [0.4, 1.1], im: [0, 0] },
        perturbation: { sigma: 1e-3, seed: 7, clean: [0.4, 1.1], noisy: [0.41, 1.1] },
        milliseconds: 3,
      },
    ]);
  });
});
