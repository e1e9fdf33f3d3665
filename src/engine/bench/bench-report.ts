// The bench's results as data, the messages that carry them from the worker to the command
// line, and their plain-text forms: the table and the targets. No GPU, no DOM.

import type { AdapterSummary } from '../gpu/context';
import type { BenchOptimizer, BenchOptions } from './bench-configs';
import type { LandscapeBenchResult } from './landscape-bench';

export interface BenchRow {
  preset: string;
  optimizer: BenchOptimizer;
  batch: number;
  /** Wall time of a measured step, from before prepare to onSubmittedWorkDone. */
  ms_per_step_median: number;
  ms_per_step_min: number;
  ms_per_step_max: number;
  /** Examples (images, or sequences) / (median seconds per step). */
  images_per_second: number;
  /** Language models: batch * context / (median seconds per step); null for image presets. */
  tokens_per_second: number | null;
  /** This row's median over Adam's on the same preset; null when Adam was not benchmarked. */
  vs_adam: number | null;
  /** This row's median over AdamW's on the same preset (the paper's language-model baseline). */
  vs_adamw: number | null;
  /** Model dispatches plus the optimizer's, averaged over the measured steps. */
  dispatches_per_step: number;
  model_dispatches: number;
  optimizer_dispatches: number;
  /** Device counters over the measured steps, divided by their number. */
  submits_per_step: number;
  buffer_creations_per_step: number;
  readbacks_per_step: number;
  /** AdaFisher only: measured steps that also measured the factors (step % tcov == 0). */
  factor_measurements_in_window: number | null;
  /** AdaFisher only: wall time of one step that measures the factors, timed on its own. */
  ms_measurement_step: number | null;
  /** AdaFisher only: dispatches of that step. */
  dispatches_measurement_step: number | null;
  /**
   * AdaFisher only: (tcov - 1) ordinary steps and one measurement step, averaged:
   * median + (ms_measurement_step - median) / tcov.
   */
  ms_per_step_amortized: number | null;
  /** Training loss read on the last measured step (the same batch every step). */
  loss_last: number;
  gpu_bytes: { parameters: number; gradients: number; optimizer_state: number };
}

export interface BenchResult {
  adapter: AdapterSummary;
  /** The landscape's cost, when benchmarked. */
  landscape: LandscapeBenchResult | null;
  /** describeAdapter's one line (the command line cannot import the GPU module that has it). */
  adapter_description: string;
  options: BenchOptions;
  rows: BenchRow[];
}

/** What the bench worker posts, and the headless page relays to the command line. */
export type BenchMessage =
  | { type: 'bench-started'; adapter_description: string; options: BenchOptions }
  | { type: 'bench-progress'; preset: string; optimizer: BenchOptimizer }
  | { type: 'bench-landscape-progress'; what: string }
  | { type: 'bench-row'; row: BenchRow }
  | { type: 'bench-result'; result: BenchResult }
  | { type: 'bench-error'; message: string };

/** Sets each row's vs_adam and vs_adamw from those rows of its preset among `rows` (null without one). */
export function fillAdamRatios(rows: BenchRow[]): void {
  const ratio = (row: BenchRow, baseline: BenchOptimizer) => {
    const other = rows.find((candidate) => candidate.preset === row.preset && candidate.optimizer === baseline);
    return other ? row.ms_per_step_median / other.ms_per_step_median : null;
  };
  for (const row of rows) {
    row.vs_adam = ratio(row, 'adam');
    row.vs_adamw = ratio(row, 'adamw');
  }
}

const times = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}x`);

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

const COLUMNS: { title: string; align: 'left' | 'right'; cell: (row: BenchRow) => string }[] = [
  { title: 'preset', align: 'left', cell: (row) => row.preset },
  { title: 'optimizer', align: 'left', cell: (row) => row.optimizer },
  { title: 'ms/step', align: 'right', cell: (row) => row.ms_per_step_median.toFixed(1) },
  { title: 'ex/s', align: 'right', cell: (row) => row.images_per_second.toFixed(1) },
  { title: 'tok/s', align: 'right', cell: (row) => (row.tokens_per_second === null ? '-' : row.tokens_per_second.toFixed(0)) },
  { title: 'vs Adam', align: 'right', cell: (row) => times(row.vs_adam) },
  { title: 'vs AdamW', align: 'right', cell: (row) => times(row.vs_adamw) },
  { title: 'dispatches', align: 'right', cell: (row) => String(Math.round(row.dispatches_per_step * 100) / 100) },
  { title: 'submits', align: 'right', cell: (row) => row.submits_per_step.toFixed(2) },
  { title: 'creations', align: 'right', cell: (row) => row.buffer_creations_per_step.toFixed(2) },
  { title: 'read-backs', align: 'right', cell: (row) => row.readbacks_per_step.toFixed(2) },
  { title: 'params KiB', align: 'right', cell: (row) => kib(row.gpu_bytes.parameters) },
  { title: 'grads KiB', align: 'right', cell: (row) => kib(row.gpu_bytes.gradients) },
  { title: 'state KiB', align: 'right', cell: (row) => kib(row.gpu_bytes.optimizer_state) },
];

/** A header, a rule and one line per row, columns padded to their widest cell. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  const cells = [COLUMNS.map((column) => column.title), ...rows.map((row) => COLUMNS.map((column) => column.cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  const render = (line: string[]) =>
    line
      .map((cell, i) => (COLUMNS[i].align === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(cells[0]), rule, ...cells.slice(1).map(render)].join('\n');
}

/** AdaFisher's step may cost at most this many times Adam's. */
export const STEP_TIME_TARGET = 1.1;

export type TargetStatus = 'PASS' | 'MISS' | 'N/A';

export interface BenchTarget {
  target: string;
  measured: string;
  status: TargetStatus;
}

const isAdaFisher = (row: BenchRow) => row.optimizer === 'adafisher' || row.optimizer === 'adafisherw';

/**
 * The performance targets as measurements: AdaFisher's median step time within 1.10x Adam's
 * and its state no larger than Adam's, per preset; one submit and no buffer creation per
 * measured step for every row.
 */
export function evaluateTargets(rows: readonly BenchRow[]): BenchTarget[] {
  const targets: BenchTarget[] = [];
  const presets = [...new Set(rows.map((row) => row.preset))];
  for (const preset of presets) {
    const adam = rows.find((row) => row.preset === preset && row.optimizer === 'adam');
    for (const row of rows.filter((r) => r.preset === preset && isAdaFisher(r))) {
      const timeTarget = `${preset} ${row.optimizer}: ms/step <= ${STEP_TIME_TARGET.toFixed(2)}x Adam's`;
      const stateTarget = `${preset} ${row.optimizer}: state bytes <= Adam's`;
      if (!adam) {
        targets.push(
          { target: timeTarget, measured: 'Adam not benchmarked', status: 'N/A' },
          { target: stateTarget, measured: 'Adam not benchmarked', status: 'N/A' },
        );
        continue;
      }
      const ratio = row.ms_per_step_median / adam.ms_per_step_median;
      targets.push({
        target: timeTarget,
        measured: `${ratio.toFixed(2)}x (${row.ms_per_step_median.toFixed(1)} vs ${adam.ms_per_step_median.toFixed(1)} ms)`,
        status: ratio <= STEP_TIME_TARGET ? 'PASS' : 'MISS',
      });
      const state = row.gpu_bytes.optimizer_state;
      const adamState = adam.gpu_bytes.optimizer_state;
      targets.push({
        target: stateTarget,
        measured: `${kib(state)} vs ${kib(adamState)} KiB`,
        status: state <= adamState ? 'PASS' : 'MISS',
      });
    }
  }
  if (rows.length > 0) {
    const misses = rows.filter((row) => row.submits_per_step !== 1 || row.buffer_creations_per_step !== 0);
    targets.push({
      target: 'every row: 1 submit and 0 buffer creations per measured step',
      measured:
        misses.length === 0
          ? `all ${rows.length} rows`
          : misses.map((row) => `${row.preset} ${row.optimizer}: ${row.submits_per_step} submits, ${row.buffer_creations_per_step} creations`).join('; '),
      status: misses.length === 0 ? 'PASS' : 'MISS',
    });
  }
  return targets;
}

/** One line per target: status, target, measured value. */
export function formatTargets(targets: readonly BenchTarget[]): string {
  const width = Math.max(0, ...targets.map((t) => t.target.length));
  return targets.map((t) => `${t.status.padEnd(4)}  ${t.target.padEnd(width)}  ${t.measured}`).join('\n');
}

/** The landscape may slow cnn-small's training (wall time per step) at most this much at its default share. */
export const LANDSCAPE_STEP_RATIO_TARGET = 1.25;

/** The landscape's targets: its cost to training, what snapshots ask of a step, and one forward per grid point. */
export function evaluateLandscapeTargets(result: LandscapeBenchResult): BenchTarget[] {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const points = result.grid * result.grid;
  return [
    {
      target: `${result.preset} with the landscape on (snapshots every ${result.snapshot_every} steps, grid at ${Math.round(result.share * 100)} %): step time <= ${LANDSCAPE_STEP_RATIO_TARGET}x off`,
      measured: `${result.wall_ratio.toFixed(3)}x (${ms(result.wall_ms_per_step_on)} vs ${ms(result.wall_ms_per_step_off)} a step on average, ${result.grid_points_while_training} grid points measured meanwhile; the training step alone ${result.train_ratio.toFixed(3)}x)`,
      status: result.wall_ratio <= LANDSCAPE_STEP_RATIO_TARGET ? 'PASS' : 'MISS',
    },
    {
      target: 'snapshots: 0 buffer creations and 0 read-backs per step (1 submit)',
      measured: `${result.snapshot_buffer_creations_per_step} creations, ${result.snapshot_readbacks_per_step} read-backs, ${result.snapshot_submits_per_step} submits per step`,
      status:
        result.snapshot_buffer_creations_per_step === 0 && result.snapshot_readbacks_per_step === 0 && result.snapshot_submits_per_step === 1 ? 'PASS' : 'MISS',
    },
    {
      target: `a ${result.grid}x${result.grid} grid at ${result.eval_size} examples: one forward per point (${points})`,
      measured: `${result.grid_forwards} forwards in ${(result.grid_ms / 1000).toFixed(1)} s (${(result.grid_ms / Math.max(1, result.grid_forwards)).toFixed(0)} ms a point)`,
      status: result.grid_forwards === points ? 'PASS' : 'MISS',
    },
  ];
}
