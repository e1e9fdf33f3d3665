import { describe, expect, it } from 'vitest';
import { paperOptimizerConfig, type BenchOptimizer } from './bench-configs';
import {
  evaluateFirstStepTargets,
  evaluatePipeliningTargets,
  evaluateTargets,
  fillAdamRatios,
  formatBenchNotes,
  formatBenchTable,
  formatProfile,
  formatTargets,
  type BenchRow,
} from './bench-report';
import type { FirstStepBreakdown } from '../train/first-step';
import type { FirstStepBenchResult } from './first-step-bench';
import type { PipeliningBenchResult } from './pipelining-bench';

function row(preset: string, optimizer: BenchOptimizer, ms: number, state: number, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    preset,
    optimizer,
    optimizer_config: paperOptimizerConfig(optimizer, preset),
    departures: [],
    batch: 64,
    curvature_interval: 1,
    timed_first_step: 3,
    timed_steps: 10,
    ms_per_step: ms,
    ms_statistic: 'median',
    ms_per_step_median: ms,
    ms_per_step_mean: ms,
    ms_per_step_min: ms - 1,
    ms_per_step_max: ms + 1,
    images_per_second: 64 / (ms / 1000),
    tokens_per_second: null,
    vs_adam: null,
    vs_adamw: null,
    dispatches_per_step: 20,
    dispatches_per_step_min: 20,
    dispatches_per_step_max: 20,
    model_dispatches: 19,
    optimizer_dispatches: 1,
    submits_per_step: 1,
    buffer_creations_per_step: 0,
    readbacks_per_step: 0.2,
    factor_measurements_in_window: null,
    ms_measurement_step: null,
    dispatches_measurement_step: null,
    ms_per_step_amortized: null,
    loss_last: 2.3,
    gpu_bytes: { parameters: 2048, gradients: 2048, optimizer_state: state },
    ...extra,
  };
}

describe('fillAdamRatios', () => {
  it("divides by Adam's median of the same preset, and leaves null where Adam did not run", () => {
    const rows = [
      row('cnn-small', 'sgd', 50, 2048),
      row('cnn-small', 'adam', 40, 4096),
      row('cnn-small', 'adafisher', 44, 3000),
      row('resnet-mini', 'adafisher', 90, 5000),
    ];
    fillAdamRatios(rows);
    expect(rows.map((r) => r.vs_adam)).toEqual([1.25, 1, 1.1, null]);
    expect(rows.map((r) => r.vs_adamw)).toEqual([null, null, null, null]);
  });

  it("divides an interval row's mean over whole intervals by Adam's median", () => {
    const rows = [row('cnn-small', 'adam', 40, 4096), row('cnn-small', 'kfac', 55, 9000, { ms_per_step: 60, ms_statistic: 'mean', curvature_interval: 10 })];
    fillAdamRatios(rows);
    expect(rows[1].vs_adam).toBe(1.5);
  });

  it("gives a language model's rows their ratio to AdamW", () => {
    const rows = [row('gpt1-tiny', 'adamw', 200, 4096), row('gpt1-tiny', 'adafisherw', 230, 3000)];
    fillAdamRatios(rows);
    expect(rows.map((r) => r.vs_adamw)).toEqual([1, 1.15]);
  });
});

describe('formatBenchTable', () => {
  const rows = [
    row('cnn-small', 'adam', 40, 4096, { vs_adam: 1 }),
    row('resnet-mini', 'adafisherw', 1234.56, 10240, { dispatches_per_step: 101, dispatches_per_step_min: 101, dispatches_per_step_max: 101 }),
  ];
  const lines = formatBenchTable(rows).split('\n');

  it('has a header, a rule and one line per row, with every column', () => {
    expect(lines).toHaveLength(4);
    for (const title of [
      'preset',
      'optimizer',
      'timed steps',
      'ms/step',
      'ex/s',
      'tok/s',
      'vs Adam',
      'vs AdamW',
      'dispatches',
      'submits',
      'creations',
      'read-backs',
      'params KiB',
      'grads KiB',
      'state KiB',
    ]) {
      expect(lines[0]).toContain(title);
    }
    expect(lines[1]).toMatch(/^[- ]+$/);
  });

  it('aligns every column: numbers end, and names start, where their column does', () => {
    const ends = (line: string, text: string) => line.indexOf(text) + text.length;
    expect(ends(lines[2], '40.0')).toBe(ends(lines[3], '1234.6'));
    expect(ends(lines[0], 'ms/step')).toBe(ends(lines[2], '40.0'));
    expect(lines[2].indexOf('adam')).toBe(lines[3].indexOf('adafisherw'));
    expect(ends(lines[0], 'state KiB')).toBe(lines[2].length);
    expect(lines[2].trimEnd().endsWith('4.0')).toBe(true);
    expect(lines[3].endsWith('10.0')).toBe(true);
  });

  it('shows the ratio, or a dash without Adam', () => {
    expect(lines[2]).toContain('1.00x');
    expect(lines[3]).toMatch(/\s-\s/);
  });

  it('names the timed steps and their statistic, and the range of dispatches where steps differ', () => {
    const kfac = row('cnn-small', 'kfac', 55, 9000, {
      ms_per_step: 61.25,
      ms_statistic: 'mean',
      curvature_interval: 10,
      timed_first_step: 10,
      timed_steps: 10,
      dispatches_per_step: 131.3,
      dispatches_per_step_min: 120,
      dispatches_per_step_max: 233,
    });
    const [, , adam, second] = formatBenchTable([row('cnn-small', 'adam', 40, 4096), kfac]).split('\n');
    expect(adam).toContain('3-12 median');
    expect(second).toContain('10-19 mean');
    expect(second).toContain('61.3');
    expect(second).toContain('131.3 (120-233)');
    expect(adam).toMatch(/\s20\s/);
  });
});

describe('formatBenchNotes', () => {
  it('says what the timed steps and dispatches mean, and lists each departure from the paper', () => {
    const notes = formatBenchNotes([row('cnn-small', 'adam', 40, 4096), row('cnn-small', 'shampoo', 90, 9000, { departures: ['its fc is wide'] })]);
    expect(notes).toContain('whole curvature intervals, starting on a curvature step');
    expect(notes).toContain('dispatches: the mean per timed step');
    expect(notes.split('\n').at(-1)).toBe('cnn-small / shampoo departs from the paper: its fc is wide.');
    expect(notes).not.toContain('AdaFisher');
    expect(formatBenchNotes([row('cnn-small', 'adafisher', 44, 4096, { ms_measurement_step: 180 })])).toContain('its factor step (every tcov) is timed apart');
  });
});

describe('evaluateTargets', () => {
  it("passes AdaFisher within 1.10x Adam's time and state, misses it beyond", () => {
    const targets = evaluateTargets([
      row('cnn-small', 'adam', 40, 4096),
      row('cnn-small', 'adafisher', 44, 4096),
      row('cnn-small', 'kfac', 400, 40960, { ms_per_step: 410, ms_statistic: 'mean', curvature_interval: 10 }),
      row('resnet-mini', 'adam', 100, 4096),
      row('resnet-mini', 'adafisherw', 111, 4097),
    ]);
    expect(targets.map((t) => [t.target, t.status])).toEqual([
      ["cnn-small adafisher: ms/step <= 1.10x Adam's", 'PASS'],
      ["cnn-small adafisher: state bytes <= Adam's", 'PASS'],
      ["resnet-mini adafisherw: ms/step <= 1.10x Adam's", 'MISS'],
      ["resnet-mini adafisherw: state bytes <= Adam's", 'MISS'],
      ['every row: 1 submit and 0 buffer creations per measured step', 'PASS'],
    ]);
    expect(targets[2].measured).toBe('1.11x (111.0 vs 100.0 ms)');
  });

  it('is N/A without an Adam row, and names the rows that submit or create more', () => {
    const targets = evaluateTargets([
      row('cnn-small', 'adafisher', 44, 10, { submits_per_step: 2 }),
      row('cnn-small', 'sgd', 30, 10, { buffer_creations_per_step: 0.5 }),
    ]);
    expect(targets.map((t) => t.status)).toEqual(['N/A', 'N/A', 'MISS']);
    expect(targets[2].measured).toBe('cnn-small adafisher: 2 submits, 0 creations; cnn-small sgd: 1 submits, 0.5 creations');
    expect(formatTargets(targets).split('\n')[2]).toMatch(/^MISS {2}every row/);
  });

  it('has nothing to say about no rows', () => {
    expect(evaluateTargets([])).toEqual([]);
  });
});

describe('formatProfile', () => {
  it('gives the total, the phases and the costliest layers with their shares', () => {
    const profiled = row('cnn-small', 'adam', 10, 0, {
      profile: {
        step: 13,
        method: 'op-by-op',
        note: '',
        dispatches: [
          { op: 'conv2d_forward', layer: 'conv1', phase: 'forward', ms: 3 },
          { op: 'conv2d_backward_weight', layer: 'conv1', phase: 'backward', ms: 5 },
          { op: 'adam_update', layer: '', phase: 'optimizer', ms: 2 },
        ],
        total_ms: 10,
        by_phase: [
          { name: 'forward', ms: 3, dispatches: 1 },
          { name: 'backward', ms: 5, dispatches: 1 },
          { name: 'optimizer', ms: 2, dispatches: 1 },
        ],
        by_layer: [
          { name: 'conv1', ms: 8, dispatches: 2, phases: { forward: 3, backward: 5 } },
          { name: '(whole model)', ms: 2, dispatches: 1, phases: { optimizer: 2 } },
        ],
        submit_overhead_ms: 0.25,
      },
    });
    expect(formatProfile(profiled).split('\n')).toEqual([
      'cnn-small / adam, step 13, 3 dispatches timed op-by-op; each includes a submit round trip of ~0.25 ms: 10.0 ms',
      '  by phase: forward 3.0 ms (30 %), backward 5.0 ms (50 %), optimizer 2.0 ms (20 %)',
      '  top layers: conv1 8.0 ms (80 %), (whole model) 2.0 ms (20 %)',
    ]);
    expect(formatProfile(row('cnn-small', 'sgd', 10, 0))).toBe('');
  });
});

const breakdown = (first: number, submit: number, compiled = 0): FirstStepBreakdown => ({
  first_step_ms: first,
  first_submit_ms: submit,
  data_ms: 100,
  build_ms: 10,
  pipelines_ms: 0,
  submit_ms: 1,
  readback_ms: first - 111,
  pipelines_compiled: compiled,
});

describe('evaluateFirstStepTargets', () => {
  const result = (prewarmed: number, addedSubmit: number, addedCompiled = 0): FirstStepBenchResult => ({
    model: 'cnn-small',
    runs: ['adafisher', 'adam'],
    batch: 32,
    cold: breakdown(5600, 4200, 27),
    prewarmed: breakdown(prewarmed, 200, 3),
    warm_up: { ms: 4500, compiled: 25 },
    added_run: breakdown(620, addedSubmit, addedCompiled),
    coverage: { cold: 1, prewarmed: 1, added_run: 1 },
  });

  it('holds the prewarmed first step to 2 s and an added run to starting within 0.5 s, compiling nothing', () => {
    expect(evaluateFirstStepTargets(result(1500, 100)).map((t) => t.status)).toEqual(['PASS', 'INFO', 'PASS', 'INFO']);
    expect(evaluateFirstStepTargets(result(2100, 600)).map((t) => t.status)).toEqual(['MISS', 'INFO', 'MISS', 'INFO']);
    // Fast, but it compiled: kernels were not shared.
    expect(evaluateFirstStepTargets(result(1500, 100, 2))[2].status).toBe('MISS');
    expect(evaluateFirstStepTargets(result(1500, 100))[3].measured).toBe('0.62 s (read-back 0.51 s)');
  });
});

describe('evaluatePipeliningTargets', () => {
  const result = (waiting: number[], pipelined: number[]): PipeliningBenchResult => ({
    model: 'cnn-small',
    runs: ['adafisher', 'adam'],
    batch: 32,
    log_every: 5,
    first_step: 10,
    steps: 20,
    rounds: waiting.length,
    waiting_ms_per_step: waiting,
    pipelined_ms_per_step: pipelined,
    ratio: pipelined.reduce((a, b) => a + b) / waiting.reduce((a, b) => a + b),
    peak_steps_in_flight: 4,
    step_times: 'gpu-timestamps',
    trainer_ms_per_step: { adafisher: 400, adam: 380 },
  });

  it('passes a pipelined step within 1.02x of a waited one and says over which steps', () => {
    const [target] = evaluatePipeliningTargets(result([800, 810], [805, 812]));
    expect(target.status).toBe('PASS');
    expect(target.measured).toBe('1.004x (pipelined 805.0, 812.0, waiting 800.0, 810.0 ms/step over steps 11-30; up to 4 steps in flight)');
    expect(evaluatePipeliningTargets(result([800], [830]))[0].status).toBe('MISS');
  });
});
