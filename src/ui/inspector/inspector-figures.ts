// The Inspector's Plotly figures, as plain trace and layout objects (no DOM, no Plotly runtime,
// so each choice is testable in Node): per factor and step the seed's four views (heatmap,
// Gershgorin discs, eigenvalue perturbation, frequency field), and per run the diagonal shares
// and F̃ over steps.

import type { Layout } from 'plotly.js';
import { RUN_COLORS, type ChartTheme } from '../charts/series';
import { blockNote, imageRows, type BlockImage } from './downsample';
import type { AnalysedFactor, FactorSide } from './inspector-state';
import type { FisherLine, LayerLine } from './inspector-series';

export type FactorView = 'heatmap' | 'gershgorin' | 'perturbation' | 'frequency';
export const FACTOR_VIEWS: readonly FactorView[] = ['heatmap', 'gershgorin', 'perturbation', 'frequency'];
export const VIEW_TITLES: Record<FactorView, string> = {
  heatmap: 'Heatmap',
  gershgorin: 'Gershgorin discs',
  perturbation: 'Eigenvalue perturbation',
  frequency: 'Frequency field',
};

export interface InspectorPlot {
  /** Unique on the page; the element's test id is `inspector-plot-<id>`. */
  readonly id: string;
  /** What the plot shows, for screen readers. */
  readonly description: string;
  readonly data: Record<string, unknown>[];
  readonly layout: Partial<Layout>;
}

/** At most this many discs are drawn (the largest radii, which bound the eigenvalues' region); every centre and eigenvalue is. */
export const MAX_DRAWN_DISCS = 512;
const CIRCLE_POINTS = 49;
/** Viridis at eight levels: discs are grouped by radius into one trace per level. */
const RADIUS_COLORS = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725'];
const GREYS: [number, string][] = [
  [0, '#000000'],
  [1, '#ffffff'],
];

function baseLayout(title: string, theme: ChartTheme, height: number): Partial<Layout> {
  const axis = { gridcolor: theme.line, zerolinecolor: theme.line, color: theme.fg, automargin: true };
  return {
    title: { text: title, font: { size: 11 } },
    height,
    margin: { l: 48, r: 12, t: 44, b: 40 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: theme.fg, size: 11 },
    xaxis: { ...axis },
    yaxis: { ...axis },
    showlegend: false,
  };
}

/** Cell centres of a picture in the matrix's index units. */
function blockCentres(image: BlockImage): number[] {
  return Array.from({ length: image.side }, (_, cell) => Math.min(image.n - 1, cell * image.block + (image.block - 1) / 2));
}

const plotId = (entry: AnalysedFactor, view: FactorView) => `${entry.side}-${entry.step}-${view}`;
const plotTitle = (entry: AnalysedFactor, view: FactorView) => `${VIEW_TITLES[view]}, ${entry.layer} ${entry.side} step ${entry.step}`;

/** The factor in grey levels on the scale shared by the steps shown (`range`: their global min and max). */
export function heatmapPlot(entry: AnalysedFactor, range: { min: number; max: number }, theme: ChartTheme, height: number): InspectorPlot {
  const centres = blockCentres(entry.heatmap);
  const layout = baseLayout(`${plotTitle(entry, 'heatmap')}<br><sub>${blockNote(entry.heatmap)}</sub>`, theme, height);
  return {
    id: plotId(entry, 'heatmap'),
    description: `Heatmap of ${entry.layer}'s ${entry.side} at step ${entry.step} (${blockNote(entry.heatmap)})`,
    data: [
      {
        type: 'heatmap',
        z: imageRows(entry.heatmap),
        x: centres,
        y: centres,
        colorscale: GREYS,
        zmin: range.min,
        zmax: range.max,
        colorbar: { thickness: 10 },
        hovertemplate: 'row %{y}, column %{x}: %{z:.3g}<extra></extra>',
      },
    ],
    layout: { ...layout, yaxis: { ...layout.yaxis, autorange: 'reversed', scaleanchor: 'x' } },
  };
}

/** The global min and max over the analyses shown of one side (one grey scale across steps). */
export function sharedRange(entries: readonly AnalysedFactor[]): { min: number; max: number } {
  const min = Math.min(...entries.map((entry) => entry.analysis.range.min));
  const max = Math.max(...entries.map((entry) => entry.analysis.range.max));
  return { min, max: max > min ? max : min + 1 };
}

/** The rows whose discs are drawn: all, or the MAX_DRAWN_DISCS largest radii. */
export function drawnDiscs(radii: readonly number[], limit: number = MAX_DRAWN_DISCS): number[] {
  const rows = radii.map((_, i) => i);
  if (rows.length <= limit) return rows;
  return rows.sort((a, b) => radii[b] - radii[a]).slice(0, limit);
}

/** Discs as outlines grouped by radius (one trace per colour level), centres as black dots, eigenvalues as red crosses. */
export function gershgorinPlot(entry: AnalysedFactor, theme: ChartTheme, height: number): InspectorPlot {
  const { centers, radii } = entry.analysis.gershgorin;
  const rows = drawnDiscs(radii);
  const maxRadius = Math.max(...rows.map((i) => radii[i]), 0);
  const levels = RADIUS_COLORS.map(() => ({ x: [] as (number | null)[], y: [] as (number | null)[] }));
  for (const i of rows) {
    const level = maxRadius > 0 ? Math.min(RADIUS_COLORS.length - 1, Math.floor((radii[i] / maxRadius) * RADIUS_COLORS.length)) : 0;
    for (let k = 0; k < CIRCLE_POINTS; k++) {
      const angle = (2 * Math.PI * k) / (CIRCLE_POINTS - 1);
      levels[level].x.push(centers[i] + radii[i] * Math.cos(angle));
      levels[level].y.push(radii[i] * Math.sin(angle));
    }
    levels[level].x.push(null);
    levels[level].y.push(null);
  }
  const discs = levels.flatMap((points, level) =>
    points.x.length === 0
      ? []
      : [
          {
            type: 'scatter',
            mode: 'lines',
            name: `radius level ${level + 1}`,
            x: points.x,
            y: points.y,
            line: { color: RADIUS_COLORS[level], width: 1 },
            hoverinfo: 'skip',
          },
        ],
  );
  // A colour bar for the radii, carried by an invisible marker trace (outlines have no colour scale).
  const scale = {
    type: 'scatter',
    mode: 'markers',
    name: 'radius',
    x: [centers[0] ?? 0],
    y: [0],
    marker: {
      size: 0.1,
      opacity: 0,
      color: [0],
      cmin: 0,
      cmax: maxRadius || 1,
      colorscale: RADIUS_COLORS.map((color, i) => [i / (RADIUS_COLORS.length - 1), color]),
      showscale: true,
      colorbar: { thickness: 10, title: { text: 'radius' } },
    },
    hoverinfo: 'skip',
  };
  const note = rows.length < radii.length ? `the ${rows.length} largest of ${radii.length} discs` : `${radii.length} discs`;
  const layout = baseLayout(`${plotTitle(entry, 'gershgorin')}<br><sub>${note}</sub>`, theme, height);
  return {
    id: plotId(entry, 'gershgorin'),
    description: `Gershgorin discs of ${entry.layer}'s ${entry.side} at step ${entry.step} with its eigenvalues (${note})`,
    data: [
      ...discs,
      scale,
      {
        type: 'scatter',
        mode: 'markers',
        name: 'centres',
        x: [...centers],
        y: centers.map(() => 0),
        marker: { color: 'black', size: 4 },
        hovertemplate: 'centre %{x:.3g}<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'eigenvalues',
        x: [...entry.analysis.eigenvalues.re],
        y: [...entry.analysis.eigenvalues.im],
        marker: { color: 'red', symbol: 'x', size: 6 },
        hovertemplate: 'eigenvalue %{x:.3g} + %{y:.3g}i<extra></extra>',
      },
    ],
    layout: { ...layout, xaxis: { ...layout.xaxis, title: { text: 'real' } }, yaxis: { ...layout.yaxis, title: { text: 'imaginary' }, scaleanchor: 'x' } },
  };
}

/** Positive values as they are, the rest as gaps (a log axis has no place for them). */
const positive = (values: readonly number[]) => values.map((value) => (value > 0 && Number.isFinite(value) ? value : null));

/** Clean and noisy spectra ascending on log-log axes, with the Kaiser line at 1. */
export function perturbationPlot(entry: AnalysedFactor, theme: ChartTheme, height: number): InspectorPlot {
  const { clean, noisy, sigma } = entry.analysis.perturbation;
  const index = clean.map((_, i) => i + 1);
  const layout = baseLayout(
    `${plotTitle(entry, 'perturbation')}<br><sub>N(0, ${sigma}²) on the off-diagonal, SNR ${formatDb(entry.analysis.snrDb)}</sub>`,
    theme,
    height,
  );
  return {
    id: plotId(entry, 'perturbation'),
    description: `Eigenvalues of ${entry.layer}'s ${entry.side} at step ${entry.step} with and without off-diagonal noise`,
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: 'clean',
        x: index,
        y: positive(clean),
        marker: { size: 3, color: '#1f77b4' },
        line: { color: '#1f77b4' },
      },
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: 'noisy',
        x: index,
        y: positive(noisy),
        marker: { size: 3, color: '#ff7f0e' },
        line: { color: '#ff7f0e', dash: 'dot' },
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'Kaiser rule',
        x: [1, Math.max(index.length, 2)],
        y: [1, 1],
        line: { color: theme.fg ?? 'black', dash: 'dash', width: 1 },
      },
    ],
    layout: {
      ...layout,
      showlegend: true,
      // Inside the plot's top left, where ascending spectra leave room (below the axis title it would overlap).
      legend: { x: 0.02, y: 0.98, bgcolor: 'rgba(0,0,0,0)', font: { size: 10 } },
      xaxis: { ...layout.xaxis, type: 'log', title: { text: 'index (ascending)' } },
      yaxis: { ...layout.yaxis, type: 'log', title: { text: 'eigenvalue' } },
    },
  };
}

/** 20·ln|fftshift(fft2(M))| in the 'hot' scale, axes from −π to π. */
export function frequencyPlot(entry: AnalysedFactor, theme: ChartTheme, height: number): InspectorPlot {
  const { side } = entry.frequency;
  const axis = Array.from({ length: side }, (_, cell) => -Math.PI + ((cell + 0.5) * 2 * Math.PI) / side);
  const layout = baseLayout(`${plotTitle(entry, 'frequency')}<br><sub>${blockNote(entry.frequency)}</sub>`, theme, height);
  const piTicks = {
    tickvals: [-Math.PI, -Math.PI / 2, 0, Math.PI / 2, Math.PI],
    ticktext: ['−π', '−π/2', '0', 'π/2', 'π'],
    range: [-Math.PI, Math.PI] as [number, number],
  };
  return {
    id: plotId(entry, 'frequency'),
    description: `Frequency field of ${entry.layer}'s ${entry.side} at step ${entry.step}`,
    data: [
      {
        type: 'heatmap',
        z: imageRows(entry.frequency),
        x: axis,
        y: axis,
        colorscale: 'Hot',
        colorbar: { thickness: 10, title: { text: '20 ln|F|' } },
        hovertemplate: '(%{x:.2f}, %{y:.2f}): %{z:.3g}<extra></extra>',
      },
    ],
    layout: { ...layout, xaxis: { ...layout.xaxis, ...piTicks }, yaxis: { ...layout.yaxis, ...piTicks, scaleanchor: 'x' } },
  };
}

/** The four views of one analysed factor, in the seed's order. */
export function factorPlots(entry: AnalysedFactor, range: { min: number; max: number }, theme: ChartTheme, height: number): InspectorPlot[] {
  return [
    heatmapPlot(entry, range, theme, height),
    gershgorinPlot(entry, theme, height),
    perturbationPlot(entry, theme, height),
    frequencyPlot(entry, theme, height),
  ];
}

export function formatDb(value: number): string {
  if (value === Infinity) return '∞ dB';
  if (value === -Infinity) return '−∞ dB';
  return Number.isFinite(value) ? `${value.toFixed(1)} dB` : 'undefined';
}

const layerColor = (index: number) => RUN_COLORS[index % RUN_COLORS.length];

/** Each layer's diagonal share of H (or S) over steps, on 0..1. */
export function sharesPlot(run: string, side: FactorSide, lines: readonly LayerLine[], theme: ChartTheme, height: number): InspectorPlot {
  const layout = baseLayout(`${run}: diagonal share of ${side}, ‖diag ${side}‖² / ‖${side}‖²_F`, theme, height);
  return {
    id: `shares-${side}`,
    description: `Diagonal share of each layer's ${side} over the steps of ${run}`,
    data: lines.map((line, i) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: line.layer,
      x: line.steps,
      y: line.values,
      marker: { size: 4, color: layerColor(i) },
      line: { color: layerColor(i) },
      hovertemplate: `${line.layer}, step %{x}: %{y:.4f}<extra></extra>`,
    })),
    layout: {
      ...layout,
      showlegend: true,
      xaxis: { ...layout.xaxis, title: { text: 'step' } },
      yaxis: { ...layout.yaxis, title: { text: 'share' }, range: [0, 1.02] },
    },
  };
}

/** Each layer's F̃ median (solid) between its minimum and maximum (dotted), λ as a dashed line; log y. */
export function fisherPlot(
  run: string,
  lines: readonly FisherLine[],
  damping: { steps: number[]; values: number[] },
  theme: ChartTheme,
  height: number,
): InspectorPlot {
  const layout = baseLayout(`${run}: F̃ = S_D ⊗ H_D + λ per layer (min, median, max)`, theme, height);
  const traces = lines.flatMap((line, i) => {
    const color = layerColor(i);
    const common = { type: 'scatter', x: line.steps, legendgroup: line.layer };
    return [
      { ...common, mode: 'lines', name: `${line.layer} max`, y: line.max, line: { color, dash: 'dot', width: 1 }, showlegend: false },
      { ...common, mode: 'lines+markers', name: line.layer, y: line.median, line: { color }, marker: { size: 4, color } },
      { ...common, mode: 'lines', name: `${line.layer} min`, y: line.min, line: { color, dash: 'dot', width: 1 }, showlegend: false },
    ];
  });
  const lambda = {
    type: 'scatter',
    mode: 'lines',
    name: 'λ',
    x: damping.steps,
    y: damping.values,
    line: { color: theme.fg ?? 'black', dash: 'dash', width: 1.5 },
  };
  return {
    id: 'fisher',
    description: `F̃ minimum, median and maximum of each layer over the steps of ${run}, with λ`,
    data: [...traces, lambda],
    layout: { ...layout, showlegend: true, xaxis: { ...layout.xaxis, title: { text: 'step' } }, yaxis: { ...layout.yaxis, type: 'log', title: { text: 'F̃' } } },
  };
}
