// The bench's results as data, the messages that carry them from the worker to the command
// line, and their plain-text forms: the table and the targets. No GPU, no DOM.

import type { OptimizerConfig } from '../config/run-config';
import type { AdapterSummary } from '../gpu/context';
import { profileShares, type StepProfile } from '../gpu/step-profile';
import type { BenchOptimizer, BenchOptions } from './bench-configs';
import type { FirstStepBenchResult } from './first-step-bench';
import type { PipeliningBenchResult } from './pipelining-bench';
import type { InspectBenchResult } from './inspect-bench';
import type { LandscapeBenchResult } from './landscape-bench';

export interface BenchRow {
  preset: string;
  optimizer: BenchOptimizer;
  /** The settings the row ran: the paper's, with the preset's departures. */
  optimizer_config: OptimizerConfig;
  /** Why the preset departs from the paper's settings, one sentence each (none for most rows). */
  departures: string[];
  batch: number;
  /** Steps after which the optimizer's work repeats (K-FAC's and Shampoo's interval; 1 when every step is alike). */
  curvature_interval: number;
  /** The timed steps: `timed_steps` (a multiple of the interval) from `timed_first_step` (a multiple of it). */
  timed_first_step: number;
  timed_steps: number;
  /**
   * The row's step time, which the ratios use: the median of the timed steps when every step
   * does the same work, else their mean, an average over whole curvature intervals.
   */
  ms_per_step: number;
  ms_statistic: 'median' | 'mean';
  /** Wall time of a measured step, from before prepare to onSubmittedWorkDone (and checkFactors on the step that reads metrics). */
  ms_per_step_median: number;
  ms_per_step_mean: number;
  ms_per_step_min: number;
  ms_per_step_max: number;
  /** Examples (images, or sequences) / (ms_per_step in seconds). */
  images_per_second: number;
  /** Language models: batch * context / (ms_per_step in seconds); null for image presets. */
  tokens_per_second: number | null;
  /** This row's ms_per_step over Adam's on the same preset; null when Adam was not benchmarked. */
  vs_adam: number | null;
  /** This row's ms_per_step over AdamW's on the same preset (the paper's language-model baseline). */
  vs_adamw: number | null;
  /** Model dispatches plus the optimizer's, the mean over the measured steps (curvature steps dispatch more). */
  dispatches_per_step: number;
  /** The fewest and most dispatches of one measured step. */
  dispatches_per_step_min: number;
  dispatches_per_step_max: number;
  model_dispatches: number;
  /** The optimizer's dispatches, the mean over the measured steps. */
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
  /** With --profile: where one step's GPU time goes, the step after the timed ones. */
  profile?: BenchStepProfile;
}

export interface BenchStepProfile extends StepProfile {
  /** The optimizer step profiled (a curvature step when it is a multiple of the row's interval). */
  step: number;
}

export interface BenchResult {
  adapter: AdapterSummary;
  /** The landscape's cost, when benchmarked. */
  landscape: LandscapeBenchResult | null;
  /** The inspector's cost, when benchmarked. */
  inspect: InspectBenchResult | null;
  /** Time to the first step of the page's default setup, when benchmarked. */
  first_step: FirstStepBenchResult | null;
  /** The default setup's steady state, each step waited for and pipelined, when benchmarked. */
  pipelining: PipeliningBenchResult | null;
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
  | { type: 'bench-inspect-progress'; what: string }
  | { type: 'bench-first-step-progress' }
  | { type: 'bench-pipelining-progress' }
  | { type: 'bench-row'; row: BenchRow }
  | { type: 'bench-result'; result: BenchResult }
  | { type: 'bench-error'; message: string };

/** Sets each row's vs_adam and vs_adamw from those rows of its preset among `rows` (null without one). */
export function fillAdamRatios(rows: BenchRow[]): void {
  const ratio = (row: BenchRow, baseline: BenchOptimizer) => {
    const other = rows.find((candidate) => candidate.preset === row.preset && candidate.optimizer === baseline);
    return other ? row.ms_per_step / other.ms_per_step : null;
  };
  for (const row of rows) {
    row.vs_adam = ratio(row, 'adam');
    row.vs_adamw = ratio(row, 'adamw');
  }
}

const times = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}x`);

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

const round2 = (value: number) => String(Math.round(value * 100) / 100);

/** The mean, and the fewest to most where curvature steps dispatch more than the others. */
function dispatchesCell(row: BenchRow): string {
  const { dispatches_per_step: mean, dispatches_per_step_min: min, dispatches_per_step_max: max } = row;
  return min === max ? round2(mean) : `${round2(mean)} (${min}-${max})`;
}

const COLUMNS: { title: string; align: 'left' | 'right'; cell: (row: BenchRow) => string }[] = [
  { title: 'preset', align: 'left', cell: (row) => row.preset },
  { title: 'optimizer', align: 'left', cell: (row) => row.optimizer },
  { title: 'timed steps', align: 'left', cell: (row) => `${row.timed_first_step}-${row.timed_first_step + row.timed_steps - 1} ${row.ms_statistic}` },
  { title: 'ms/step', align: 'right', cell: (row) => row.ms_per_step.toFixed(1) },
  { title: 'ex/s', align: 'right', cell: (row) => row.images_per_second.toFixed(1) },
  { title: 'tok/s', align: 'right', cell: (row) => (row.tokens_per_second === null ? '-' : row.tokens_per_second.toFixed(0)) },
  { title: 'vs Adam', align: 'right', cell: (row) => times(row.vs_adam) },
  { title: 'vs AdamW', align: 'right', cell: (row) => times(row.vs_adamw) },
  { title: 'dispatches', align: 'right', cell: dispatchesCell },
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

/** What the table's columns mean where that is not obvious, and each row's departures from the paper's settings. */
export function formatBenchNotes(rows: readonly BenchRow[]): string {
  const lines = [
    'timed steps: whole curvature intervals, starting on a curvature step (K-FAC interval 10: steps 10-19); ms/step is their',
    'median when every step does the same work, else their mean. dispatches: the mean per timed step, with the fewest to',
    "most in brackets where curvature steps dispatch more. Ratios divide ms/step by Adam's (AdamW's) on the same preset.",
  ];
  if (rows.some((row) => row.ms_measurement_step !== null)) {
    lines.push('AdaFisher counts as interval 1: its factor step (every tcov) is timed apart and amortised, as the lines below say.');
  }
  for (const row of rows) for (const reason of row.departures) lines.push(`${row.preset} / ${row.optimizer} departs from the paper: ${reason}.`);
  return lines.join('\n');
}

/** AdaFisher's step may cost at most this many times Adam's. */
export const STEP_TIME_TARGET = 1.1;

export type TargetStatus = 'PASS' | 'MISS' | 'N/A' | 'INFO';

export interface BenchTarget {
  target: string;
  measured: string;
  status: TargetStatus;
}

const isAdaFisher = (row: BenchRow) => row.optimizer === 'adafisher' || row.optimizer === 'adafisherw';

/**
 * The performance targets as measurements: AdaFisher's step time (the median of its ordinary steps) within 1.10x Adam's
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
      const ratio = row.ms_per_step / adam.ms_per_step;
      targets.push({
        target: timeTarget,
        measured: `${ratio.toFixed(2)}x (${row.ms_per_step.toFixed(1)} vs ${adam.ms_per_step.toFixed(1)} ms)`,
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

/** With the inspector closed, a step may take at most this much longer than never opened (the issue's bound; the two are the same code path). */
export const INSPECT_CLOSED_RATIO_TARGET = 1.02;

/** The inspector's targets: closed costs nothing; and what a measurement and an analysis cost, reported. */
export function evaluateInspectTargets(result: InspectBenchResult): BenchTarget[] {
  const { off, closed } = result;
  const sameWork =
    off.readbacks_per_step === closed.readbacks_per_step && off.submits_per_step === closed.submits_per_step && closed.buffer_creations_per_step === 0;
  return [
    {
      target: `${result.preset} with the inspector opened then closed: step time <= ${INSPECT_CLOSED_RATIO_TARGET}x never opened`,
      measured: `${result.closed_ratio.toFixed(3)}x (${result.ms_per_step_closed.toFixed(1)} vs ${result.ms_per_step_off.toFixed(1)} ms a step)`,
      status: result.closed_ratio <= INSPECT_CLOSED_RATIO_TARGET ? 'PASS' : 'MISS',
    },
    {
      target: 'inspector closed: 0 extra read-backs, submits or buffer creations per step',
      measured: `closed ${closed.readbacks_per_step} read-backs, ${closed.submits_per_step} submits, ${closed.buffer_creations_per_step} creations per step; never opened ${off.readbacks_per_step}, ${off.submits_per_step}, ${off.buffer_creations_per_step}`,
      status: sameWork ? 'PASS' : 'MISS',
    },
    ...result.measurement.map((row) => ({
      target: `one measurement (shares of every layer and F̃${row.full_layer ? ` + ${row.full_layer}'s full H and S` : ''}): extra time, reported`,
      measured: `${row.ms_extra.toFixed(1)} ms, ${row.readbacks} read-back${row.readbacks === 1 ? '' : 's'}`,
      status: 'INFO' as const,
    })),
    ...result.analysis.map((row) => ({
      target: `float64 analysis of a ${row.n} x ${row.n} factor in a worker: reported`,
      measured: `${(row.ms / 1000).toFixed(2)} s`,
      status: 'INFO' as const,
    })),
  ];
}

/** The issue's bounds on the software adapter: the default setup's first step, and a run whose kernels are all compiled. */
export const FIRST_STEP_TARGET_MS = 2000;
export const ADDED_RUN_TARGET_MS = 500;

/**
 * The time to the first step: within 2 s of Start once the page has compiled the setup while it
 * waited, and a run added after others starting (its first step submitted) within 0.5 s, compiling
 * nothing; the cold start, and the added run's first step end, are reported.
 */
export function evaluateFirstStepTargets(result: FirstStepBenchResult): BenchTarget[] {
  const setup = `${result.model} (${result.runs.join(', ')}, batch ${result.batch})`;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const { cold, prewarmed, added_run: added } = result;
  return [
    {
      target: `${setup}: first step <= ${s(FIRST_STEP_TARGET_MS)} after Start, the setup compiled while the page waited`,
      measured: `${s(prewarmed.first_step_ms)} (${prewarmed.pipelines_compiled} pipelines compiled at Start; the idle compile took ${s(result.warm_up.ms)} for ${result.warm_up.compiled})`,
      status: prewarmed.first_step_ms <= FIRST_STEP_TARGET_MS ? 'PASS' : 'MISS',
    },
    {
      target: `${setup}: first step on a device that compiled nothing, reported`,
      measured: `${s(cold.first_step_ms)} (${cold.pipelines_compiled} pipelines compiled, ${s(cold.pipelines_ms)} waiting for them)`,
      status: 'INFO',
    },
    {
      target: `run ${result.runs.at(-1)} added after the others: starts (first step submitted) <= ${s(ADDED_RUN_TARGET_MS)}, no pipeline compiled`,
      measured: `first submit at ${s(added.first_submit_ms)} (${added.pipelines_compiled} pipelines compiled)`,
      status: added.first_submit_ms <= ADDED_RUN_TARGET_MS && added.pipelines_compiled === 0 ? 'PASS' : 'MISS',
    },
    {
      target: `run ${result.runs.at(-1)} added after the others: its first step's end, reported (the step's own GPU work is in it)`,
      measured: `${s(added.first_step_ms)} (read-back ${s(added.readback_ms)})`,
      status: 'INFO',
    },
  ];
}

/** The issue's bound on the pipelined steady state against waiting for each step. */
export const PIPELINING_RATIO_TARGET = 1.02;

export function evaluatePipeliningTargets(result: PipeliningBenchResult): BenchTarget[] {
  const ms = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');
  return [
    {
      target: `${result.model} (${result.runs.join(', ')}, batch ${result.batch}): pipelined ms/step <= ${PIPELINING_RATIO_TARGET}x waiting for each step`,
      measured:
        `${result.ratio.toFixed(3)}x (pipelined ${ms(result.pipelined_ms_per_step)}, waiting ${ms(result.waiting_ms_per_step)} ms/step over steps ` +
        `${result.first_step + 1}-${result.first_step + result.steps}; up to ${result.peak_steps_in_flight} steps in flight)`,
      status: result.ratio <= PIPELINING_RATIO_TARGET ? 'PASS' : 'MISS',
    },
  ];
}

/** A profiled row in a few lines: the step's total, its phases, and the layers that take the most, with their share. */
export function formatProfile(row: BenchRow, topLayers = 5): string {
  const profile = row.profile;
  if (!profile) return '';
  const total = profile.total_ms;
  const { phases, layers } = profileShares(profile, topLayers);
  const overhead = profile.submit_overhead_ms === null ? '' : `; each includes a submit round trip of ~${profile.submit_overhead_ms.toFixed(2)} ms`;
  return (
    `${row.preset} / ${row.optimizer}, step ${profile.step}, ${profile.dispatches.length} dispatches timed ${profile.method}${overhead}: ${total.toFixed(1)} ms\n` +
    `  by phase: ${phases}\n  top layers: ${layers}`
  );
}
