import { describe, expect, it } from 'vitest';
import { bandedMatrix, inspectionRecord, syntheticAnalysis } from '../testing/inspection-fixture';
import { blockMax } from './downsample';
import { INSPECTION_JSON_FORMAT, inspectionJson } from './inspector-export';
import type { AnalysedFactor, FullMatrix } from './inspector-state';

describe('the inspection as JSON', () => {
  const n = 3;
  const values = bandedMatrix(n, 0.5);
  const { frequency, ...analysis } = syntheticAnalysis({ values, n, seed: 5 });
  const key = { run: 'adam', layer: 'conv1', side: 'H' as const, step: 100 };
  const analysed: AnalysedFactor = { ...key, analysis, heatmap: blockMax(values, n), frequency: blockMax(frequency, n) };
  const factor: FullMatrix = { ...key, kind: 'factor', n, values };
  const record = inspectionRecord('adam', 100, { damping: 1e-3 });
  const points = [{ step: 100, shares: record.shares, fisher: record.fisher }];

  it('holds the measurements, and each factor shown with its full matrix and analysis; −∞ reads back as null', () => {
    const json = JSON.parse(
      inspectionJson(
        { run: 'adam', layer: 'conv1', seed: 5, points, shown: [{ analysed, factor, frequency: { ...factor, kind: 'frequency', values: frequency } }] },
        new Date(0),
      ),
    );
    expect(json).toMatchObject({ format: INSPECTION_JSON_FORMAT, version: 1, exported: '1970-01-01T00:00:00.000Z', run: 'adam', layer: 'conv1', seed: 5 });
    expect(json.measurements[0].fisher.layers[2]).toEqual({ layer: 'fc', min: 1.01e-3, median: 4e-3, max: 0.2 });
    const [shown] = json.factors;
    expect(shown).toMatchObject({ layer: 'conv1', side: 'H', step: 100, n: 3 });
    expect(shown.matrix).toEqual([
      [1, 0.5, 0.25],
      [0.5, 1, 0.5],
      [0.25, 0.5, 1],
    ]);
    expect(shown.frequency[0][0]).toBeNull();
    expect(shown.frequency[0][1]).toBeCloseTo(Math.log(2), 6);
    expect(shown.analysis.gershgorin.radii).toEqual([0.75, 1, 0.75]);
    expect(shown.matrixBlocks).toBeUndefined();
  });

  it('holds the pictures in blocks, as plain arrays, when the full matrices are gone', () => {
    const json = JSON.parse(inspectionJson({ run: 'adam', layer: 'conv1', seed: 5, points, shown: [{ analysed }] }));
    const [shown] = json.factors;
    expect(shown.matrix).toBeNull();
    expect(shown.matrixBlocks).toEqual({ n: 3, side: 3, block: 1, values: [1, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 1] });
    expect(shown.frequencyBlocks.values[0]).toBeNull();
  });
});
