// A landscape frame as Plotly figures: filled contours (or a 3-D surface) of the loss over the
// plane, and each run's trajectory on it in the run's colour. Plain trace and layout objects,
// no DOM and no Plotly runtime, so every choice is testable in Node.

import type { Layout } from 'plotly.js';
import type { LandscapeFrame, TrajectoryPoint } from '../../engine/landscape/landscape-frame';
import type { ChartTheme } from '../charts/series';
import { RUN_COLORS, runColor, traceUid } from '../charts/series';
import type { LandscapeDisplay } from './landscape-state';
import { formatLoss, lossScale, type LossScale } from './loss-scale';

/** The true loss on the plane, or (weights plane) the seed's interpolation of the recorded points. */
export type SurfaceId = 'true' | 'interpolated';

type Grid = readonly (readonly (number | null)[])[];

interface ColorBar {
  title: { text: string };
  tickvals?: number[];
  ticktext?: string[];
}

export interface ContourTrace {
  type: 'contour';
  uid: string;
  name: string;
  x: number[];
  y: number[];
  z: (number | null)[][];
  /** The loss of each cell as the hover label shows it. */
  text: string[][];
  /** Fills the cells not measured yet from their neighbours, so a grid still filling shows (the true surface only). */
  connectgaps: boolean;
  hoverongaps: false;
  colorscale: string;
  zmin?: number;
  zmax?: number;
  contours: { coloring: 'fill'; showlines: boolean };
  line: { width: number; color: string };
  colorbar: ColorBar;
  hovertemplate: string;
  showlegend: false;
}

export interface SurfaceTrace {
  type: 'surface';
  uid: string;
  name: string;
  x: number[];
  y: number[];
  z: (number | null)[][];
  text: string[][];
  connectgaps: boolean;
  colorscale: string;
  cmin?: number;
  cmax?: number;
  colorbar: ColorBar;
  hovertemplate: string;
  showlegend: false;
}

interface PathCommon {
  uid: string;
  name: string;
  legendgroup: string;
  x: number[];
  y: number[];
  /** One hover label per point: run, step, both losses and the coordinates. */
  text: string[];
  hovertemplate: string;
  line: { color: string; width: number };
}

/** A run's trajectory on the contours: triangles pointing along the direction of travel, a star at the start. */
export interface PathTrace extends PathCommon {
  type: 'scatter';
  mode: 'lines+markers';
  marker: { color: string; size: number[]; symbol: string[]; angleref: 'previous'; line: { color: string; width: number } };
}

/** A run's trajectory over the 3-D surface, at its measured losses; a diamond at the start. */
export interface Path3dTrace extends PathCommon {
  type: 'scatter3d';
  mode: 'lines+markers';
  z: number[];
  marker: { color: string; size: number[]; symbol: string[] };
}

export type LandscapeTrace = ContourTrace | SurfaceTrace | PathTrace | Path3dTrace;

export interface LandscapePlot {
  id: SurfaceId;
  title: string;
  view: '2d' | '3d';
  data: LandscapeTrace[];
  layout: Partial<Layout>;
  /** What the plot shows, in words (the element's accessible name). */
  description: string;
}

export interface FigureOptions {
  display: LandscapeDisplay;
  /** Each run's colour, as the loss charts draw it, in the session's order of runs. */
  colors: Readonly<Record<string, string>>;
  theme: ChartTheme;
}

/** The colour scale of a loss surface: dark for low loss, bright for high. */
export const LOSS_COLORSCALE = 'Viridis';

const START_SYMBOL_2D = 'star';
const STEP_SYMBOL_2D = 'triangle-up';
const START_SYMBOL_3D = 'diamond';
const STEP_SYMBOL_3D = 'circle';

/** Plotly reads a little HTML in labels: a run or parameter name is shown as written, not as markup. */
export function escapeLabel(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const coordinate = (value: number) => String(Number(value.toPrecision(4)));
const lossText = (loss: number | null) => (loss === null ? 'not measured yet' : formatLoss(loss));

/** Each run's points in order of step, the runs in order of first appearance. */
export function trajectoriesByRun(points: readonly TrajectoryPoint[]): Map<string, TrajectoryPoint[]> {
  const runs = new Map<string, TrajectoryPoint[]>();
  for (const point of points) {
    const list = runs.get(point.run);
    if (list) list.push(point);
    else runs.set(point.run, [point]);
  }
  for (const list of runs.values()) list.sort((a, b) => a.step - b.step);
  return runs;
}

function pointLabel(point: TrajectoryPoint, start: boolean, axes: readonly [string, string]): string {
  return [
    `<b>${escapeLabel(point.run)}</b>, step ${point.step}${start ? ' (start)' : ''}`,
    `train loss ${point.train_loss === null ? '–' : formatLoss(point.train_loss)}, eval loss ${point.eval_loss === null ? '–' : formatLoss(point.eval_loss)}`,
    `${escapeLabel(axes[0])} ${coordinate(point.x)}, ${escapeLabel(axes[1])} ${coordinate(point.y)}`,
  ].join('<br>');
}

function surfaceOf(frame: LandscapeFrame, id: SurfaceId): { alphas: number[]; betas: number[]; losses: Grid } | null {
  if (id === 'true') return frame;
  return frame.interpolated ?? null;
}

/** The surfaces a frame shows: the true loss, and in weights mode the seed's interpolation as the display asks. */
export function shownSurfaces(frame: LandscapeFrame, display: LandscapeDisplay): SurfaceId[] {
  if (frame.plane !== 'weights' || !frame.interpolated) return ['true'];
  if (display.surface === 'both') return ['true', 'interpolated'];
  return [display.surface];
}

function colorBar(scale: LossScale): ColorBar {
  return { title: { text: 'Loss' }, ...(scale.ticks ? { tickvals: scale.ticks.values, ticktext: scale.ticks.labels } : {}) };
}

function surfaceTitle(frame: LandscapeFrame, id: SurfaceId): string {
  if (id === 'interpolated') return `The seed's picture: the recorded losses interpolated (${frame.interpolated!.method})`;
  if (frame.plane === 'weights') return `True loss over the two weights, the others at ${frame.centerLabel}`;
  return `True loss on the plane through ${frame.centerLabel}`;
}

function surfaceTrace(
  id: SurfaceId,
  surface: { alphas: number[]; betas: number[]; losses: Grid },
  scale: LossScale,
  frame: LandscapeFrame,
  view: '2d' | '3d',
): ContourTrace | SurfaceTrace {
  const z = surface.losses.map((row) => row.map((loss) => scale.drawn(loss)));
  const text = surface.losses.map((row) => row.map(lossText));
  const [ax, ay] = frame.axisLabels.map(escapeLabel);
  const hovertemplate = `${ax} %{x:.4g}<br>${ay} %{y:.4g}<br>loss %{text}<extra></extra>`;
  const common = {
    uid: `surface-${id}`,
    name: id === 'true' ? 'loss' : 'interpolated loss',
    x: surface.alphas,
    y: surface.betas,
    z,
    text,
    // A true grid still filling shows whole, its gaps filled from the neighbours; the interpolation
    // stays blank outside the recorded points' convex hull, as the seed draws it.
    connectgaps: id === 'true',
    colorscale: LOSS_COLORSCALE,
  };
  if (view === '3d') {
    return {
      type: 'surface',
      ...common,
      ...(scale.range ? { cmin: scale.range[0], cmax: scale.range[1] } : {}),
      colorbar: colorBar(scale),
      hovertemplate,
      showlegend: false,
    };
  }
  return {
    type: 'contour',
    ...common,
    hoverongaps: false,
    ...(scale.range ? { zmin: scale.range[0], zmax: scale.range[1] } : {}),
    contours: { coloring: 'fill', showlines: true },
    line: { width: 0.5, color: 'rgba(255,255,255,0.35)' },
    colorbar: colorBar(scale),
    hovertemplate,
    showlegend: false,
  };
}

/**
 * A run's path. On the true surface in 3-D each snapshot sits at its loss on the evaluation
 * set; on the interpolation at the loss the run recorded while training (what the seed plots).
 * A snapshot without that loss yet is left out of the 3-D path.
 */
function pathTrace(
  id: SurfaceId,
  run: string,
  points: TrajectoryPoint[],
  color: string,
  frame: LandscapeFrame,
  scale: LossScale,
  view: '2d' | '3d',
): PathTrace | Path3dTrace {
  const common = { uid: traceUid(run, `trajectory-${id}`), name: run, legendgroup: run, hovertemplate: '%{text}<extra></extra>' };
  if (view === '2d') {
    return {
      type: 'scatter',
      mode: 'lines+markers',
      ...common,
      x: points.map((point) => point.x),
      y: points.map((point) => point.y),
      text: points.map((point, i) => pointLabel(point, i === 0, frame.axisLabels)),
      line: { color, width: 2 },
      marker: {
        color,
        size: points.map((_, i) => (i === 0 ? 14 : 9)),
        symbol: points.map((_, i) => (i === 0 ? START_SYMBOL_2D : STEP_SYMBOL_2D)),
        // Each triangle points from the previous snapshot to this one: the direction of travel.
        angleref: 'previous',
        line: { color: 'rgba(255,255,255,0.8)', width: 1 },
      },
    };
  }
  const placed = points.flatMap((point, i) => {
    const height = scale.drawn(id === 'true' ? point.eval_loss : point.train_loss);
    return height === null ? [] : [{ point, start: i === 0, height }];
  });
  return {
    type: 'scatter3d',
    mode: 'lines+markers',
    ...common,
    x: placed.map(({ point }) => point.x),
    y: placed.map(({ point }) => point.y),
    z: placed.map(({ height }) => height),
    text: placed.map(({ point, start }) => pointLabel(point, start, frame.axisLabels)),
    line: { color, width: 5 },
    marker: {
      color,
      size: placed.map(({ start }) => (start ? 7 : 3)),
      symbol: placed.map(({ start }) => (start ? START_SYMBOL_3D : STEP_SYMBOL_3D)),
    },
  };
}

function emptyNote(id: SurfaceId, surface: { losses: Grid } | null, frame: LandscapeFrame): string | null {
  const measured = surface?.losses.some((row) => row.some((loss) => loss !== null)) ?? false;
  if (measured) return null;
  if (id === 'interpolated') return 'too few recorded points to interpolate yet';
  return frame.alphas.length === 0 ? 'waiting for the plane' : 'measuring the first grid points…';
}

function plotLayout(frame: LandscapeFrame, id: SurfaceId, view: '2d' | '3d', scale: LossScale, theme: ChartTheme, note: string | null): Partial<Layout> {
  const grid = { gridcolor: theme.line, zerolinecolor: theme.line, linecolor: theme.line };
  const [ax, ay] = frame.axisLabels.map(escapeLabel);
  const base: Partial<Layout> = {
    title: { text: escapeLabel(surfaceTitle(frame, id)), font: { size: 13 }, x: 0, xanchor: 'left' },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 12, color: theme.fg },
    hoverlabel: { bgcolor: theme.bg, bordercolor: theme.line, font: { color: theme.fg } },
    showlegend: true,
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: -0.12, yanchor: 'top' },
    // Zoom, pan and the camera survive new frames of the same plane; a new plane, centre or scale starts afresh.
    uirevision: `${id}|${view}|${frame.plane}|${frame.centerRun}|${scale.log}`,
    annotations: note ? [{ text: note, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { color: theme.muted, size: 13 } }] : [],
  };
  if (view === '3d') {
    const zTicks = scale.ticks ? { tickvals: scale.ticks.values, ticktext: scale.ticks.labels } : {};
    return {
      ...base,
      margin: { l: 0, r: 0, t: 36, b: 0 },
      scene: {
        xaxis: { ...grid, title: { text: ax } },
        yaxis: { ...grid, title: { text: ay } },
        zaxis: { ...grid, title: { text: id === 'true' ? 'loss' : 'recorded loss' }, ...zTicks },
      },
    };
  }
  return {
    ...base,
    margin: { l: 60, r: 12, t: 36, b: 48 },
    hovermode: 'closest',
    xaxis: { ...grid, title: { text: ax }, zeroline: false, automargin: true },
    yaxis: { ...grid, title: { text: ay }, zeroline: false, automargin: true },
  };
}

function describePlot(frame: LandscapeFrame, id: SurfaceId, view: '2d' | '3d', runs: number): string {
  const what = view === '3d' ? 'surface in 3-D' : 'filled contours';
  return `${surfaceTitle(frame, id)}: ${what} over ${frame.axisLabels[0]} and ${frame.axisLabels[1]}, with ${runs} ${runs === 1 ? 'trajectory' : 'trajectories'}`;
}

/** The frame's plots: one, or the true and the interpolated surface side by side, sharing one colour scale. */
export function landscapePlots(frame: LandscapeFrame, { display, colors, theme }: FigureOptions): LandscapePlot[] {
  const ids = shownSurfaces(frame, display);
  const surfaces = ids.map((id) => surfaceOf(frame, id));
  const scale = lossScale(
    surfaces.flatMap((surface) => (surface ? [surface.losses] : [])),
    display.logColor,
  );
  const view = display.view3d ? '3d' : '2d';
  const runs = trajectoriesByRun(frame.trajectories);
  // The session's order (the loss charts' legend), then any run the page no longer lists.
  const order = Object.keys(colors);
  const rank = (run: string) => (order.includes(run) ? order.indexOf(run) : order.length);
  const runNames = [...runs.keys()].sort((a, b) => rank(a) - rank(b));
  return ids.map((id, k) => {
    const surface = surfaces[k];
    const data: LandscapeTrace[] = [];
    if (surface) data.push(surfaceTrace(id, surface, scale, frame, view));
    runNames.forEach((run, index) => {
      data.push(pathTrace(id, run, runs.get(run)!, colors[run] ?? fallbackColor(index), frame, scale, view));
    });
    return {
      id,
      title: surfaceTitle(frame, id),
      view,
      data,
      layout: plotLayout(frame, id, view, scale, theme, emptyNote(id, surface, frame)),
      description: describePlot(frame, id, view, runNames.length),
    };
  });
}

/** A run the page has no colour for (a frame from a session whose runs were reset): greys that differ by index. */
function fallbackColor(index: number): string {
  return ['#7f7f7f', '#5f5f5f', '#9f9f9f'][index % 3];
}

/** Each run's colour as the loss charts draw it: its own, else the palette's by its place among the session's runs. */
export function runColors(runs: readonly { name: string; color?: string }[]): Record<string, string> {
  return Object.fromEntries(runs.map((run, index) => [run.name, runColor(index, RUN_COLORS, run.color)]));
}
