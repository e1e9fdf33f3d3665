import { describe, expect, it } from 'vitest';
import type { EvaluationRow, MetricsRow } from '../../engine/train/events';
import { PANELS, RUN_COLORS, buildLayout, buildTraces, evaluationX, hasPoints, panelsFor, runColor, traceUid, xValue, type ChartRun } from './series';
import { emaSmooth } from './smoothing';

function row(step: number, train_loss: number, wall_time: number, extra: Partial<MetricsRow> = {}): MetricsRow {
  return { step, epoch: Math.floor((step - 1) / 10), train_loss, train_accuracy: 0.5, lr: 0.01, ms_per_step: 4, wall_time, ...extra };
}

const adam: ChartRun = {
  name: 'adam',
  rows: [row(1, 2.3, 0.5), row(5, 2.0, 1.5), row(10, 1.6, 3.5), row(15, 1.4, 4.5)],
  evaluations: [
    { step: 10, epoch: 0, test_loss: 1.7, test_accuracy: 0.412 },
    { step: 15, epoch: 1, test_loss: 1.5, test_accuracy: 0.5 },
  ],
};
const sgd: ChartRun = { name: 'sgd', rows: [row(1, 2.4, 0.6), row(5, 2.2, 1.6)], evaluations: [] };

describe('panelsFor', () => {
  it('gives image classification loss, test accuracy, learning rate and step time', () => {
    expect(panelsFor('image-classification').map((p) => p.id)).toEqual(['train-loss', 'test-accuracy', 'lr', 'ms-per-step']);
  });
  it('gives language modelling loss, perplexity, learning rate, step time and throughput', () => {
    expect(panelsFor('language-modeling').map((p) => p.id)).toEqual(['train-loss', 'perplexity', 'lr', 'ms-per-step', 'tokens-per-second']);
  });
  it('shows test accuracy in percent', () => {
    expect(PANELS['test-accuracy'].yTitle).toBe('test accuracy (%)');
  });
});

describe('xValue', () => {
  const r = row(15, 1.4, 4.5);
  it('reads the step, the wall time in seconds, and the epoch', () => {
    expect(xValue(r, 'step')).toBe(15);
    expect(xValue(r, 'wall_time')).toBe(4.5);
    expect(xValue(r, 'epoch')).toBe(1);
  });
  it('makes epochs fractional when the steps per epoch are known', () => {
    expect(xValue(r, 'epoch', 10)).toBe(1.5);
    expect(xValue(r, 'epoch', 0)).toBe(1);
  });
});

describe('evaluationX', () => {
  const rows = adam.rows;
  it('interpolates the wall time between the metrics rows around the step', () => {
    const at = (step: number) => evaluationX({ step, epoch: 0 }, 'wall_time', rows);
    expect(at(10)).toBe(3.5);
    // Step 12 is 2/5 of the way from step 10 (3.5 s) to step 15 (4.5 s): 3.5 + 0.4 * 1 = 3.9.
    expect(at(12)).toBeCloseTo(3.9, 12);
    expect(at(20)).toBe(4.5);
    expect(evaluationX({ step: 10, epoch: 0 }, 'wall_time', [])).toBeNull();
  });
  it('reads the step and the epoch from the evaluation itself', () => {
    expect(evaluationX({ step: 10, epoch: 0 }, 'step', rows)).toBe(10);
    expect(evaluationX({ step: 10, epoch: 0 }, 'epoch', rows)).toBe(0);
    expect(evaluationX({ step: 10, epoch: 0 }, 'epoch', rows, 10)).toBe(1);
  });
});

describe('buildTraces', () => {
  it('draws a faint raw line and a smoothed line per run, sharing legend group and colour', () => {
    const traces = buildTraces(PANELS['train-loss'], [adam, sgd], { axis: 'step', smoothing: 0.6 });
    expect(traces).toHaveLength(4);
    const [raw, smooth, sgdRaw, sgdSmooth] = traces;
    expect(raw.legendgroup).toBe('adam');
    expect(smooth.legendgroup).toBe('adam');
    expect(raw.showlegend).toBe(false);
    expect(smooth.showlegend).not.toBe(false);
    expect(smooth.name).toBe('adam');
    expect(raw.line?.color).toBe(RUN_COLORS[0]);
    expect(smooth.line?.color).toBe(RUN_COLORS[0]);
    expect(sgdRaw.line?.color).toBe(RUN_COLORS[1]);
    expect(sgdSmooth.legendgroup).toBe('sgd');
    expect(raw.opacity).toBeLessThan(1);
    expect(raw.y).toEqual([2.3, 2.0, 1.6, 1.4]);
    expect(smooth.y).toEqual(emaSmooth([2.3, 2.0, 1.6, 1.4], 0.6));
    // Debiased: the smoothed curve starts at the first loss, then lags the raw one.
    expect((smooth.y as number[])[0]).toBeCloseTo(2.3, 12);
    expect((smooth.y as number[])[3]).toBeGreaterThan(1.4);
    expect(raw.x).toEqual([1, 5, 10, 15]);
    expect(smooth.x).toEqual([1, 5, 10, 15]);
  });

  it('uses the chosen x axis', () => {
    const x = (axis: 'step' | 'epoch' | 'wall_time', stepsPerEpoch?: number) =>
      buildTraces(PANELS['train-loss'], [adam], { axis, smoothing: 0.6, stepsPerEpoch })[1].x;
    expect(x('wall_time')).toEqual([0.5, 1.5, 3.5, 4.5]);
    expect(x('epoch')).toEqual([0, 0, 0, 1]);
    expect(x('epoch', 10)).toEqual([0.1, 0.5, 1, 1.5]);
  });

  it('draws hidden runs as legend entries only', () => {
    const traces = buildTraces(PANELS['train-loss'], [adam, sgd], { axis: 'step', smoothing: 0.6, hidden: ['sgd'] });
    expect(traces.map((t) => t.visible)).toEqual([true, true, 'legendonly', 'legendonly']);
    const lr = buildTraces(PANELS.lr, [adam, sgd], { axis: 'step', smoothing: 0.6, hidden: ['adam'] });
    expect(lr.map((t) => t.visible)).toEqual(['legendonly', true]);
  });

  it('keeps the raw line out of the hover label when smoothing is off', () => {
    const off = buildTraces(PANELS['train-loss'], [adam], { axis: 'step', smoothing: 0 });
    expect(off[0].hoverinfo).toBe('skip');
    expect(off[1].y).toEqual(off[0].y);
    expect(buildTraces(PANELS['train-loss'], [adam], { axis: 'step', smoothing: 0.5 })[0].hoverinfo).toBe('all');
  });

  it('draws the learning rate as one unsmoothed line per run', () => {
    const traces = buildTraces(PANELS.lr, [adam], { axis: 'step', smoothing: 0.9 });
    expect(traces).toHaveLength(1);
    expect(traces[0].y).toEqual([0.01, 0.01, 0.01, 0.01]);
    expect(traces[0].name).toBe('adam');
  });

  it('skips rows without the metric', () => {
    const text: ChartRun = { name: 'adamw', rows: [row(1, 5, 1, { tokens_per_second: 900 }), row(5, 4, 2)], evaluations: [] };
    const traces = buildTraces(PANELS['tokens-per-second'], [text], { axis: 'step', smoothing: 0 });
    expect(traces[1].x).toEqual([1]);
    expect(traces[1].y).toEqual([900]);
  });

  it('draws test accuracy from the evaluations, in percent, as markers and lines', () => {
    const traces = buildTraces(PANELS['test-accuracy'], [adam, sgd], { axis: 'wall_time', smoothing: 0.6 });
    expect(traces).toHaveLength(2);
    const [accuracy, empty] = traces;
    expect(accuracy.mode).toBe('lines+markers');
    expect(accuracy.x).toEqual([3.5, 4.5]);
    expect(accuracy.y?.[0]).toBeCloseTo(41.2, 12);
    expect(accuracy.y?.[1]).toBeCloseTo(50, 12);
    expect(accuracy.name).toBe('adam');
    expect(accuracy.legendgroup).toBe('adam');
    expect(accuracy.line?.color).toBe(RUN_COLORS[0]);
    expect(empty.x).toEqual([]);
    expect(empty.line?.color).toBe(RUN_COLORS[1]);
  });

  it('draws validation and test perplexity per run, one legend entry per run', () => {
    const evaluations: EvaluationRow[] = [
      { step: 10, epoch: 0, val_loss: 4, val_perplexity: 54.6 },
      { step: 20, epoch: 1, val_loss: 3.8, val_perplexity: 44.7, test_loss: 3.9, test_perplexity: 49.4 },
    ];
    const run: ChartRun = { name: 'adamw', rows: [row(10, 4.1, 1), row(20, 3.9, 2)], evaluations };
    const [val, test] = buildTraces(PANELS.perplexity, [run], { axis: 'step', smoothing: 0.6, hidden: ['adamw'] });
    expect(val.x).toEqual([10, 20]);
    expect(val.y).toEqual([54.6, 44.7]);
    expect(test.x).toEqual([20]);
    expect(test.y).toEqual([49.4]);
    expect([val.name, test.name]).toEqual(['adamw val', 'adamw test']);
    expect([val.showlegend, test.showlegend]).toEqual([true, false]);
    expect([val.legendgroup, test.legendgroup]).toEqual(['adamw', 'adamw']);
    expect([val.visible, test.visible]).toEqual(['legendonly', 'legendonly']);
    expect(test.line?.color).toBe(val.line?.color);
  });

  it('gives stable per-run ids so Plotly.react updates traces in place', () => {
    const uids = buildTraces(PANELS['train-loss'], [adam, sgd], { axis: 'step', smoothing: 0.6 }).map((t) => t.uid);
    expect(uids).toEqual(['adam-raw', 'adam-smoothed', 'sgd-raw', 'sgd-smoothed']);
  });

  it('makes trace ids that are safe in CSS selectors and distinct per name', () => {
    expect(traceUid('adam lr=1e-3', 'test_perplexity')).toBe('adam_20_lr_3d_1e_2d_3-test_5f_perplexity');
    expect(traceUid('a-b', 'raw')).not.toBe(traceUid('a_b', 'raw'));
    expect(traceUid('a-b', 'raw')).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('run colours', () => {
  it('follow the index in the run list and cycle through the palette', () => {
    expect(runColor(0)).toBe(RUN_COLORS[0]);
    expect(runColor(RUN_COLORS.length + 2)).toBe(RUN_COLORS[2]);
    expect(runColor(1, ['#111111', '#222222'])).toBe('#222222');
    expect(new Set(RUN_COLORS).size).toBe(RUN_COLORS.length);
  });

  it("are the run's own colour from the config when it has one", () => {
    expect(runColor(1, RUN_COLORS, 'black')).toBe('black');
    expect(runColor(1, RUN_COLORS, '')).toBe(RUN_COLORS[1]);
    const traces = buildTraces(PANELS['train-loss'], [{ ...adam, color: 'cyan' }, sgd], { axis: 'step', smoothing: 0.5 });
    expect(traces.map((trace) => trace.line!.color)).toEqual(['cyan', 'cyan', RUN_COLORS[1], RUN_COLORS[1]]);
    const evaluations = buildTraces(PANELS['test-accuracy'], [sgd, { ...adam, color: '#1f77b4' }], { axis: 'step', smoothing: 0 });
    expect(evaluations[1].marker!.color).toBe('#1f77b4');
  });

  // WCAG relative luminance and contrast ratio.
  const luminance = (hex: string) => {
    const channel = (i: number) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  };
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };

  it('read on both the light (#fbfbfc) and the dark (#15181c) page background', () => {
    for (const color of RUN_COLORS) {
      expect(contrast(color, '#fbfbfc'), color).toBeGreaterThanOrEqual(3);
      expect(contrast(color, '#15181c'), color).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('buildLayout', () => {
  const theme = { fg: '#e6e9ee', bg: '#15181c', muted: '#9aa4b0', line: '#30363d' };
  it('hovers every run at the same x, and applies log scales', () => {
    const layout = buildLayout(PANELS['train-loss'], { axis: 'wall_time', logX: true, logY: false, empty: false, theme });
    expect(layout.hovermode).toBe('x unified');
    expect(layout.xaxis?.type).toBe('log');
    expect(layout.yaxis?.type).toBe('linear');
    expect(layout.xaxis?.title).toEqual({ text: 'wall time (s)' });
    expect(layout.yaxis?.title).toEqual({ text: 'train loss' });
    expect(layout.font?.color).toBe('#e6e9ee');
    expect(layout.annotations).toEqual([]);
  });

  it('notes the wait when there is nothing to draw yet', () => {
    const rows = buildLayout(PANELS['train-loss'], { axis: 'step', logX: false, logY: true, empty: true, theme });
    expect(rows.yaxis?.type).toBe('log');
    expect(rows.annotations?.[0].text).toBe('waiting for the first metrics');
    expect(rows.annotations?.[0].font?.color).toBe('#9aa4b0');
    const evaluations = buildLayout(PANELS.perplexity, { axis: 'step', logX: false, logY: false, empty: true, theme });
    expect(evaluations.annotations?.[0].text).toBe('waiting for the first evaluation');
  });

  it('keeps zoom across updates but resets it when the axes change', () => {
    const a = buildLayout(PANELS.lr, { axis: 'step', logX: false, logY: false, empty: false, theme });
    const b = buildLayout(PANELS.lr, { axis: 'step', logX: false, logY: false, empty: true, theme });
    const c = buildLayout(PANELS.lr, { axis: 'epoch', logX: false, logY: false, empty: false, theme });
    expect(a.uirevision).toBe(b.uirevision);
    expect(a.uirevision).not.toBe(c.uirevision);
  });

  it('hasPoints is false for runs without rows', () => {
    expect(hasPoints(buildTraces(PANELS['train-loss'], [{ name: 'a', rows: [], evaluations: [] }], { axis: 'step', smoothing: 0.6 }))).toBe(false);
    expect(hasPoints(buildTraces(PANELS['train-loss'], [], { axis: 'step', smoothing: 0.6 }))).toBe(false);
    expect(hasPoints(buildTraces(PANELS['train-loss'], [adam], { axis: 'step', smoothing: 0.6 }))).toBe(true);
  });
});
