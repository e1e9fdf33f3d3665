// Keeping runs outside the page: CSV in the command line's metrics.csv columns, one JSON file
// with the setup and every run, PNG of a chart (the loss charts' or the landscape's), a run's
// weights as safetensors, and the browser download that saves them.

import { metricsCsv } from '../engine/train/metrics-csv';
import type { SavedRun } from './persistence';
import { setupToConfig, type Setup, type Task } from './setup';

export const RUNS_JSON_FORMAT = 'adafisher-playground-runs';
export const RUNS_JSON_VERSION = 1;

/** One run's metrics: the same columns as the command line's metrics.csv for the task. */
export function runCsv(run: SavedRun, task: Task): string {
  return metricsCsv(run.rows, task);
}

/** A CSV field per RFC 4180: quoted when it holds a comma, a quote or a line break, with quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Several runs in one table: a leading `run` column, then metrics.csv's columns, the runs one after another. */
export function comparisonCsv(runs: readonly SavedRun[], task: Task): string {
  const header = metricsCsv([], task).trimEnd();
  const lines = [`run,${header}`];
  for (const run of runs) {
    if (run.rows.length === 0) continue;
    const name = csvField(run.name);
    // Metric values are numbers, so only the run name can need quoting.
    for (const line of metricsCsv(run.rows, task).trimEnd().split('\n').slice(1)) lines.push(`${name},${line}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The setup (as a run config, the format of configs/) and every run with its rows, in one
 * pretty-printed JSON document. JSON has no NaN or Infinity: JSON.stringify writes them as
 * null, so a diverged run's NaN loss reads back as null.
 */
export function comparisonJson(setup: Setup, runs: readonly SavedRun[], now: Date = new Date()): string {
  return JSON.stringify(
    {
      format: RUNS_JSON_FORMAT,
      version: RUNS_JSON_VERSION,
      exported: now.toISOString(),
      config: setupToConfig(setup),
      runs: runs.map(({ name, optimizer, state, message, summary, rows, evaluations }) => ({ name, optimizer, state, message, summary, rows, evaluations })),
    },
    null,
    2,
  );
}

/** A download name: the base in lowercase letters, digits and dashes, then the local date, e.g. "cnn-small-comparison-2025-03-09.csv". */
export function exportFileName(base: string, ext: string, now: Date = new Date()): string {
  const slug =
    base
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80)
      .replace(/-+$/, '') || 'runs';
  const pad = (value: number): string => String(value).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  return `${slug}-${date}.${ext.replace(/^\.+/, '')}`;
}

/** Characters Windows, macOS or Linux refuse in a file name. */
const UNSAFE_IN_FILE_NAME = '\\/:*?"<>|';

/** The download name of a run's weights: `<run>.safetensors`, with characters file systems refuse turned into "-". */
export function weightsFileName(run: string): string {
  const safe = [...run].map((char) => (char < ' ' || UNSAFE_IN_FILE_NAME.includes(char) ? '-' : char)).join('');
  return `${safe}.safetensors`;
}

/** How long an object URL outlives its click: revoking at once can cancel the download in some browsers. */
const REVOKE_AFTER_MS = 10_000;

export function downloadText(name: string, text: string, mime: string): void {
  downloadBlob(name, new Blob([text], { type: mime.includes('charset') ? mime : `${mime};charset=utf-8` }));
}

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  clickDownload(name, url);
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** Bytes as a file download (a run's weights). */
export function downloadBytes(name: string, bytes: Uint8Array, mime = 'application/octet-stream'): void {
  // Bytes that came from the worker sit in an ArrayBuffer (structured clone never makes a SharedArrayBuffer).
  downloadBlob(name, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
}

export function downloadDataUrl(name: string, dataUrl: string): void {
  clickDownload(name, dataUrl);
}

function clickDownload(name: string, href: string): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
}

/** Plotly's toImage, from whichever bundle drew the chart (a landscape's traces need the landscape's bundle). */
export interface ImageMaker {
  toImage(figure: never, options: { format: 'png'; width: number; height: number; scale: number }): Promise<string>;
}

/** The chart as a PNG data URL at the given size (scale 2 for a sharp picture on high-density screens). */
export async function chartPng(
  element: HTMLElement,
  { width, height, scale = 1 }: { width: number; height: number; scale?: number },
  plotly?: ImageMaker,
): Promise<string> {
  // Loaded on demand: the chart component has it already, and this module stays importable in Node.
  const Plotly: ImageMaker = plotly ?? (await import('plotly.js/dist/plotly-basic.min.js')).default;
  // The page draws charts on a transparent background; a file needs the page's own colour behind
  // them, or dark mode's light text would sit on nothing.
  const background = getComputedStyle(document.body).backgroundColor || '#ffffff';
  const figure = element as unknown as { data: unknown[]; layout: Record<string, unknown> };
  return Plotly.toImage({ data: figure.data, layout: { ...figure.layout, paper_bgcolor: background, plot_bgcolor: background } } as never, {
    format: 'png',
    width,
    height,
    scale,
  });
}
