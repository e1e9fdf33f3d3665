// Chart data from runs, as plain Plotly trace and layout objects: no DOM and no Plotly
// runtime here, so every choice is testable in Node.

import type { Layout, ScatterData } from 'plotly.js';
import type { EvaluationRow, MetricsRow } from '../../engine/train/events';
import type { Task } from '../setup';
import { emaSmooth } from './smoothing';

/** One run as the charts see it: what it logged every few steps, and its evaluations. */
export interface ChartRun {
  name: string;
  /** The run's own colour (the config's `color`), which wins over the palette. */
  color?: string;
  rows: readonly MetricsRow[];
  evaluations: readonly EvaluationRow[];
}

export type XAxis = 'step' | 'epoch' | 'wall_time';

export const X_AXES: readonly { value: XAxis; label: string; title: string }[] = [
  { value: 'step', label: 'Step', title: 'step' },
  { value: 'epoch', label: 'Epoch', title: 'epoch' },
  { value: 'wall_time', label: 'Wall time', title: 'wall time (s)' },
];

export type PanelId = 'train-loss' | 'test-accuracy' | 'perplexity' | 'lr' | 'ms-per-step' | 'tokens-per-second';

type RowMetric = 'train_loss' | 'lr' | 'ms_per_step' | 'tokens_per_second';
type EvaluationMetric = 'test_accuracy' | 'val_perplexity' | 'test_perplexity';

interface PanelBase {
  id: PanelId;
  title: string;
  /** The y-axis title; also names the metric in an exported image. */
  yTitle: string;
  /** d3 format of y values in the hover label. */
  hoverformat: string;
}

/** A metric logged with every metrics row; `smoothed` draws a faint raw line under a smoothed one. */
export interface RowPanel extends PanelBase {
  source: 'rows';
  metric: RowMetric;
  smoothed: boolean;
}

/** Metrics of the evaluations, drawn as markers and lines; `scale` converts units (fraction to %). */
export interface EvaluationPanel extends PanelBase {
  source: 'evaluations';
  metrics: readonly { key: EvaluationMetric; label: string; scale: number }[];
}

export type PanelSpec = RowPanel | EvaluationPanel;

export const PANELS: Record<PanelId, PanelSpec> = {
  'train-loss': { id: 'train-loss', title: 'Train loss', yTitle: 'train loss', hoverformat: '.4g', source: 'rows', metric: 'train_loss', smoothed: true },
  'test-accuracy': {
    id: 'test-accuracy',
    title: 'Test accuracy',
    yTitle: 'test accuracy (%)',
    hoverformat: '.2f',
    source: 'evaluations',
    metrics: [{ key: 'test_accuracy', label: 'test', scale: 100 }],
  },
  perplexity: {
    id: 'perplexity',
    title: 'Perplexity',
    yTitle: 'perplexity',
    hoverformat: '.4g',
    source: 'evaluations',
    // Validation after every epoch; test once, at the end.
    metrics: [
      { key: 'val_perplexity', label: 'val', scale: 1 },
      { key: 'test_perplexity', label: 'test', scale: 1 },
    ],
  },
  lr: { id: 'lr', title: 'Learning rate', yTitle: 'learning rate', hoverformat: '.3~e', source: 'rows', metric: 'lr', smoothed: false },
  // Step times and throughput are measured, so they are noisy: smoothed like the loss.
  'ms-per-step': {
    id: 'ms-per-step',
    title: 'Time per step',
    yTitle: 'ms per step',
    hoverformat: '.3~f',
    source: 'rows',
    metric: 'ms_per_step',
    smoothed: true,
  },
  'tokens-per-second': {
    id: 'tokens-per-second',
    title: 'Throughput',
    yTitle: 'train tokens per second',
    hoverformat: '.4~s',
    source: 'rows',
    metric: 'tokens_per_second',
    smoothed: true,
  },
};

const CLASSIFICATION_PANELS: readonly PanelId[] = ['train-loss', 'test-accuracy', 'lr', 'ms-per-step'];
const LANGUAGE_PANELS: readonly PanelId[] = ['train-loss', 'perplexity', 'lr', 'ms-per-step', 'tokens-per-second'];

/** The panels of a task, in display order: language models report perplexity and throughput, every classifier its test accuracy. */
export function panelsFor(task: Task): PanelSpec[] {
  return (task === 'language-modeling' ? LANGUAGE_PANELS : CLASSIFICATION_PANELS).map((id) => PANELS[id]);
}

/**
 * Line colours, one per run by its index in the run list. Mid-luminance hues (a contrast of at
 * least 3:1 against both the light and the dark page background) so each reads on either theme.
 */
export const RUN_COLORS: readonly string[] = ['#1f8fd6', '#d07000', '#1e9e4a', '#e0445a', '#9467bd', '#0f9c9c', '#c75fa8', '#8a8f00'];

/** A run's colour: its own (`color`, from the config) when it has one, else the palette's by its index. */
export function runColor(index: number, palette: readonly string[] = RUN_COLORS, own?: string): string {
  return own || palette[((index % palette.length) + palette.length) % palette.length];
}

/**
 * The x coordinate of a metrics row. Epochs: `step / stepsPerEpoch` (fractional: epochs
 * completed after this step) when the number of steps per epoch is known, else the row's own
 * `epoch`, the 0-based index of the epoch the step belongs to (a staircase). Wall time is in
 * seconds since the session started.
 */
export function xValue(row: MetricsRow, axis: XAxis, stepsPerEpoch?: number): number {
  switch (axis) {
    case 'step':
      return row.step;
    case 'epoch':
      return epochOf(row, stepsPerEpoch);
    case 'wall_time':
      return row.wall_time;
  }
}

function epochOf(row: { step: number; epoch: number }, stepsPerEpoch: number | undefined): number {
  return stepsPerEpoch !== undefined && Number.isFinite(stepsPerEpoch) && stepsPerEpoch > 0 ? row.step / stepsPerEpoch : row.epoch;
}

/**
 * The x coordinate of an evaluation. Evaluations carry no wall time, so it is read off the run's
 * metrics rows at the same step, interpolated linearly between the rows around it, or the last
 * row's time past the end; null when the run has no metrics rows yet.
 */
export function evaluationX(row: EvaluationRow, axis: XAxis, rows: readonly MetricsRow[], stepsPerEpoch?: number): number | null {
  if (axis === 'step') return row.step;
  if (axis === 'epoch') return epochOf(row, stepsPerEpoch);
  if (rows.length === 0) return null;
  let after = 0;
  while (after < rows.length && rows[after].step < row.step) after++;
  if (after === rows.length) return rows[rows.length - 1].wall_time;
  const next = rows[after];
  if (next.step === row.step || after === 0) return next.wall_time;
  const previous = rows[after - 1];
  const t = (row.step - previous.step) / (next.step - previous.step);
  return previous.wall_time + t * (next.wall_time - previous.wall_time);
}

export interface TraceOptions {
  axis: XAxis;
  /** TensorBoard smoothing weight in [0, 1). */
  smoothing: number;
  /** Palette indexed by the run's position in `runs`, for runs without a colour of their own. */
  colors?: readonly string[];
  /** Run names drawn only as a legend entry (toggled off by the user). */
  hidden?: readonly string[];
  stepsPerEpoch?: number;
}

export type ChartTrace = Partial<ScatterData>;

/**
 * A trace id from a run name and a part. Plotly puts uids into CSS selectors ('.cb' + uid),
 * so every character outside [A-Za-z0-9] is spelled as _hex_ (keeping ids distinct).
 */
export function traceUid(run: string, part: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`);
  return `${safe(run)}-${safe(part)}`;
}

/**
 * Plotly traces of one panel. Every trace of a run shares the run's colour and a legend group
 * named after the run, and only one of them shows in the legend, so a legend click acts on
 * the run as a whole.
 */
export function buildTraces(panel: PanelSpec, runs: readonly ChartRun[], options: TraceOptions): ChartTrace[] {
  const palette = options.colors ?? RUN_COLORS;
  const hidden = new Set(options.hidden ?? []);
  return runs.flatMap((run, index): ChartTrace[] => {
    const color = runColor(index, palette, run.color);
    const common = { type: 'scatter' as const, legendgroup: run.name, visible: hidden.has(run.name) ? ('legendonly' as const) : true };
    if (panel.source === 'rows') {
      const points = run.rows.filter((row) => typeof row[panel.metric] === 'number');
      const x = points.map((row) => xValue(row, options.axis, options.stepsPerEpoch));
      const y = points.map((row) => row[panel.metric] as number);
      if (!panel.smoothed) return [{ ...common, uid: traceUid(run.name, 'line'), name: run.name, mode: 'lines', x, y, line: { color, width: 2 } }];
      return [
        {
          ...common,
          uid: traceUid(run.name, 'raw'),
          name: `${run.name} raw`,
          showlegend: false,
          mode: 'lines',
          x,
          y,
          opacity: 0.3,
          line: { color, width: 1 },
          // Unsmoothed, the raw line repeats the solid one: keep it out of the hover label.
          hoverinfo: options.smoothing > 0 ? 'all' : 'skip',
        },
        { ...common, uid: traceUid(run.name, 'smoothed'), name: run.name, mode: 'lines', x, y: emaSmooth(y, options.smoothing), line: { color, width: 2 } },
      ];
    }
    const several = panel.metrics.length > 1;
    return panel.metrics.map(({ key, label, scale }, m) => {
      const x: number[] = [];
      const y: number[] = [];
      for (const row of run.evaluations) {
        const value = row[key];
        const at = evaluationX(row, options.axis, run.rows, options.stepsPerEpoch);
        if (value === undefined || at === null) continue;
        x.push(at);
        y.push(value * scale);
      }
      return {
        ...common,
        uid: traceUid(run.name, key),
        name: several ? `${run.name} ${label}` : run.name,
        showlegend: m === 0,
        mode: 'lines+markers',
        x,
        y,
        line: { color, width: 2, dash: m === 0 ? 'solid' : 'dot' },
        marker: { color, size: m === 0 ? 6 : 9, symbol: m === 0 ? 'circle' : 'diamond' },
      };
    });
  });
}

/** Whether any trace has a point to draw. */
export function hasPoints(traces: readonly ChartTrace[]): boolean {
  return traces.some((trace) => Array.isArray(trace.x) && trace.x.length > 0);
}

/** Colours of the page (its CSS variables); unset ones fall back to Plotly's defaults. */
export interface ChartTheme {
  fg?: string;
  bg?: string;
  muted?: string;
  line?: string;
}

export interface LayoutOptions {
  axis: XAxis;
  logX: boolean;
  logY: boolean;
  /** No points yet: the axes show with a note instead of an empty frame. */
  empty: boolean;
  theme: ChartTheme;
}

export function emptyText(panel: PanelSpec): string {
  return panel.source === 'rows' ? 'waiting for the first metrics' : 'waiting for the first evaluation';
}

export function buildLayout(panel: PanelSpec, options: LayoutOptions): Partial<Layout> {
  const { theme } = options;
  const grid = { gridcolor: theme.line, zerolinecolor: theme.line, linecolor: theme.line, automargin: true };
  return {
    margin: { l: 56, r: 12, t: 8, b: 40 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 12, color: theme.fg },
    hovermode: 'x unified',
    hoverlabel: { bgcolor: theme.bg, bordercolor: theme.line, font: { color: theme.fg } },
    showlegend: true,
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.02, yanchor: 'bottom' },
    xaxis: { ...grid, title: { text: X_AXES.find((a) => a.value === options.axis)!.title }, type: options.logX ? 'log' : 'linear' },
    yaxis: { ...grid, title: { text: panel.yTitle }, type: options.logY ? 'log' : 'linear', hoverformat: panel.hoverformat },
    // Zoom and pan survive live updates, and reset when the axes change meaning or scale.
    uirevision: `${panel.id}|${options.axis}|${options.logX}|${options.logY}`,
    annotations: options.empty
      ? [{ text: emptyText(panel), xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { color: theme.muted, size: 13 } }]
      : [],
  };
}
