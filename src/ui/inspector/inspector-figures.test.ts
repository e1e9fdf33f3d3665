import { describe, expect, it } from 'vitest';
import { bandedMatrix, syntheticAnalysis } from '../testing/inspection-fixture';
import { blockMax } from './downsample';
import { drawnDiscs, factorPlots, fisherPlot, formatDb, MAX_DRAWN_DISCS, sharedRange, sharesPlot } from './inspector-figures';
import type { AnalysedFactor } from './inspector-state';

const theme = { fg: '#111', line: '#ccc' };

function entry(n: number, step: number, scale = 1): AnalysedFactor {
  const values = bandedMatrix(n, 0.3).map((value) => value * scale);
  const { frequency, ...analysis } = syntheticAnalysis({ values, n, seed: 7 });
  return { run: 'adam', layer: 'conv1', side: 'H', step, analysis, heatmap: blockMax(values, n), frequency: blockMax(frequency, n) };
}

type Trace = Record<string, unknown> & { type: string; name?: string; x: (number | null)[]; y: (number | null)[] };

describe('the four views of a factor', () => {
  it('draw the heatmap in grey levels on the scale shared by the steps shown, rows downwards', () => {
    const early = entry(5, 100, 0.5);
    const late = entry(5, 200);
    const range = sharedRange([early, late]);
    // Float32 entries: 0.5 · 0.3⁴ to float32 precision.
    expect(range.min).toBeCloseTo(0.5 * 0.3 ** 4, 9);
    expect(range.max).toBe(1);
    const [heatmap] = factorPlots(early, range, theme, 300);
    expect(heatmap.id).toBe('H-100-heatmap');
    expect(heatmap.data[0]).toMatchObject({
      type: 'heatmap',
      zmin: range.min,
      zmax: 1,
      colorscale: [
        [0, '#000000'],
        [1, '#ffffff'],
      ],
    });
    expect((heatmap.data[0].z as number[][])[2][2]).toBeCloseTo(0.5, 6);
    expect(heatmap.layout.yaxis).toMatchObject({ autorange: 'reversed' });
  });

  it('draw every Gershgorin disc of a small factor as an outline, centres as black dots and eigenvalues as red crosses', () => {
    const factor = entry(6, 100);
    const gershgorin = factorPlots(factor, { min: 0, max: 1 }, theme, 300)[1];
    const traces = gershgorin.data as Trace[];
    const outlines = traces.filter((trace) => trace.mode === 'lines');
    // Each disc is 49 points and a gap; all six are drawn across the colour levels.
    expect(outlines.reduce((sum, trace) => sum + trace.x.filter((x) => x === null).length, 0)).toBe(6);
    const centres = traces.find((trace) => trace.name === 'centres')!;
    expect(centres.marker).toMatchObject({ color: 'black' });
    expect(centres.x).toEqual(factor.analysis.gershgorin.centers);
    expect(traces.find((trace) => trace.name === 'eigenvalues')!.marker).toMatchObject({ color: 'red', symbol: 'x' });
    // The widest disc reaches its centre plus its radius: row 2 of a 6 x 6 band with decay 0.3.
    const radius = 0.3 + 0.09 + 0.027 + 0.3 + 0.09;
    const largest = outlines.at(-1)!;
    expect(Math.max(...largest.x.filter((x): x is number => x !== null))).toBeCloseTo(1 + radius, 5);
  });

  it('draw only the largest discs of a large factor and say so', () => {
    const radii = Array.from({ length: 2048 }, (_, i) => i % 700);
    const rows = drawnDiscs(radii);
    expect(rows).toHaveLength(MAX_DRAWN_DISCS);
    expect(Math.min(...rows.map((i) => radii[i]))).toBeGreaterThanOrEqual(699 - 512 / 2);
  });

  it('draw the spectra ascending on log-log axes with the Kaiser line at 1, leaving out values a log axis cannot hold', () => {
    const factor = entry(4, 100);
    const perturbation = factorPlots(factor, { min: 0, max: 1 }, theme, 300)[2];
    const [clean, noisy, kaiser] = perturbation.data as Trace[];
    expect(clean.x).toEqual([1, 2, 3, 4]);
    expect(noisy.name).toBe('noisy');
    expect(kaiser).toMatchObject({ name: 'Kaiser rule', y: [1, 1] });
    expect(perturbation.layout.xaxis).toMatchObject({ type: 'log' });
    expect(perturbation.layout.yaxis).toMatchObject({ type: 'log' });
    const withZero = { ...factor, analysis: { ...factor.analysis, perturbation: { ...factor.analysis.perturbation, clean: [-1e-9, 0, 0.5] } } };
    expect((factorPlots(withZero, { min: 0, max: 1 }, theme, 300)[2].data[0] as Trace).y).toEqual([null, null, 0.5]);
  });

  it("draw the frequency field in 'hot' with axes from −π to π, a zero's −∞ as a gap", () => {
    const frequency = factorPlots(entry(4, 100), { min: 0, max: 1 }, theme, 300)[3];
    const trace = frequency.data[0] as Trace & { z: (number | null)[][] };
    expect(trace.colorscale).toBe('Hot');
    expect(trace.x[0]).toBeCloseTo(-Math.PI + Math.PI / 4, 12);
    expect(trace.x[3]).toBeCloseTo(Math.PI - Math.PI / 4, 12);
    expect(trace.z[0][0]).toBeNull();
    expect(frequency.layout.xaxis).toMatchObject({ range: [-Math.PI, Math.PI], ticktext: ['−π', '−π/2', '0', 'π/2', 'π'] });
  });

  it('write decibels with infinities spelled out', () => {
    expect(formatDb(12.345)).toBe('12.3 dB');
    expect(formatDb(Infinity)).toBe('∞ dB');
    expect(formatDb(Number.NaN)).toBe('undefined');
  });
});

describe('the time plots', () => {
  it('draw one line per layer for the shares, and F̃ per layer around λ on a log axis', () => {
    const shares = sharesPlot('adam', 'S', [{ layer: 'fc', steps: [100, 200], values: [0.9, 0.8] }], theme, 320);
    expect(shares.id).toBe('shares-S');
    expect(shares.data).toHaveLength(1);
    expect(shares.layout.yaxis).toMatchObject({ range: [0, 1.02] });
    const fisher = fisherPlot(
      'adafisher',
      [{ layer: 'fc', steps: [100], min: [1e-3], median: [2e-3], max: [1] }],
      { steps: [100], values: [1e-3] },
      theme,
      320,
    );
    expect((fisher.data as Trace[]).map((trace) => trace.name)).toEqual(['fc max', 'fc', 'fc min', 'λ']);
    expect(fisher.layout.yaxis).toMatchObject({ type: 'log' });
  });
});
