// npm run bench -- [--out FILE.json] [--batch N] [--steps N] [--warmup N] [--presets LIST] [--optimizers LIST]
// Times training steps per preset and optimizer in headless Chromium with WebGPU, prints a
// table and the performance targets, and writes the rows as JSON.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BenchOptionsError } from '../src/engine/bench/bench-configs';
import {
  evaluateFirstStepTargets,
  evaluateInspectTargets,
  evaluateLandscapeTargets,
  evaluatePipeliningTargets,
  evaluateTargets,
  formatBenchNotes,
  formatBenchTable,
  formatProfile,
  formatTargets,
  type BenchMessage,
  type BenchResult,
} from '../src/engine/bench/bench-report';
import { describeFirstStep } from '../src/engine/train/first-step';
import { unhandledMessage } from '../src/worker/unhandled-message';
import { BENCH_HELP, parseBenchArgs } from './bench-options';
import { openHeadlessSession } from './headless/session';

async function main(): Promise<number> {
  const command = parseBenchArgs(process.argv.slice(2));
  if (!command) {
    console.log(BENCH_HELP);
    return 0;
  }
  const { options, out } = command;
  // Filled by the page's last report, before its promise settles.
  const received: { result?: BenchResult } = {};
  const session = await openHeadlessSession({
    onReport: (report) => {
      const message = report as BenchMessage;
      switch (message.type) {
        case 'bench-started':
          console.log(
            `Benchmarking ${options.presets.join(', ')} x ${options.optimizers.join(', ')} at batch ${options.batch} ` +
              `(language models: ${options.textBatch} sequences, vocabulary ${options.vocabulary}): ` +
              `${options.warmup} warm-up + ${options.steps} timed steps each, both rounded up to whole curvature intervals, on ${message.adapter_description}`,
          );
          break;
        case 'bench-progress':
          console.log(`  ${message.preset} / ${message.optimizer} ...`);
          break;
        case 'bench-landscape-progress':
          console.log(`  landscape: ${message.what} ...`);
          break;
        case 'bench-first-step-progress':
          console.log("  first step of the page's default setup: nothing compiled, after the idle compile, and a run added ...");
          break;
        case 'bench-pipelining-progress':
          console.log("  the default setup's steady state, each step waited for and pipelined ...");
          break;
        case 'bench-inspect-progress':
          console.log(`  inspector: ${message.what} ...`);
          break;
        case 'bench-row': {
          const { row } = message;
          const last = row.timed_first_step + row.timed_steps - 1;
          console.log(
            `  ${row.preset} / ${row.optimizer}: ${row.ms_per_step.toFixed(1)} ms/step, the ${row.ms_statistic} of steps ${row.timed_first_step}-${last} ` +
              `(curvature interval ${row.curvature_interval}; min ${row.ms_per_step_min.toFixed(1)}, max ${row.ms_per_step_max.toFixed(1)}), loss ${row.loss_last.toFixed(4)}`,
          );
          break;
        }
        case 'bench-result':
          received.result = message.result;
          break;
        case 'bench-error':
          break; // the page rejects with it
        default:
          unhandledMessage(message);
      }
    },
    onPageError: (message) => console.error(`[page] ${message}`),
  });
  try {
    await session.page.evaluate((o) => window.playgroundBench.run(o), options);
  } catch (error) {
    // Playwright prefixes the page's error with its own call; the page's message is what matters.
    throw new Error(`The bench failed: ${(error as Error).message.replace(/^page\.evaluate: (Error: )?/, '')}`);
  } finally {
    await session.close();
  }
  const finished = received.result;
  if (!finished) throw new Error('The bench page finished without reporting a result');

  const targets = evaluateTargets(finished.rows);
  console.log(`\n${formatBenchTable(finished.rows)}\n\n${formatBenchNotes(finished.rows)}\n`);
  for (const row of finished.rows) {
    if (row.ms_measurement_step === null) continue;
    console.log(
      `${row.preset} / ${row.optimizer}: a factor-measurement step takes ${row.ms_measurement_step.toFixed(1)} ms (${row.dispatches_measurement_step} dispatches); ` +
        `${row.factor_measurements_in_window} in the timed window; amortised over tcov ${row.ms_per_step_amortized?.toFixed(1)} ms/step`,
    );
  }
  const profiled = finished.rows.filter((row) => row.profile);
  if (profiled.length > 0) console.log(`\nWhere a step's time goes (--profile):\n${profiled.map((row) => formatProfile(row)).join('\n')}`);
  if (finished.landscape) {
    const l = finished.landscape;
    console.log(
      `\nLandscape (${l.preset}, batch ${l.batch}, ${l.steps} steps): ${l.wall_ms_per_step_off.toFixed(1)} ms/step off, ${l.wall_ms_per_step_on.toFixed(1)} on, ${l.grid_points_while_training} grid points while training ` +
        `(training step alone ${l.train_ms_per_step_off.toFixed(1)} / ${l.train_ms_per_step_on.toFixed(1)}); ` +
        `a ${l.grid}x${l.grid} grid at ${l.eval_size} examples: ${(l.grid_ms / 1000).toFixed(1)} s, ${l.grid_forwards} forwards`,
    );
    targets.push(...evaluateLandscapeTargets(l));
  }
  if (finished.inspect) {
    const i = finished.inspect;
    console.log(
      `\nInspector (${i.preset}, batch ${i.batch}, ${i.steps} steps): ${i.ms_per_step_off.toFixed(1)} ms/step never opened, ${i.ms_per_step_closed.toFixed(1)} opened then closed; ` +
        `a measurement adds ${i.measurement.map((row) => `${row.ms_extra.toFixed(1)} ms (${row.full_layer ?? 'shares only'})`).join(', ')}; ` +
        `analysis ${i.analysis.map((row) => `${row.n}: ${(row.ms / 1000).toFixed(2)} s`).join(', ')}`,
    );
    targets.push(...evaluateInspectTargets(i));
  }
  if (finished.first_step) {
    const f = finished.first_step;
    console.log(
      `\nFirst step (${f.model}, ${f.runs.join(' and ')}, batch ${f.batch}):\n  nothing compiled: ${describeFirstStep(f.cold)}\n` +
        `  after the idle compile (${(f.warm_up.ms / 1000).toFixed(2)} s, ${f.warm_up.compiled} pipelines): ${describeFirstStep(f.prewarmed)}\n` +
        `  ${f.runs.at(-1)} added after them: ${describeFirstStep(f.added_run)}`,
    );
    targets.push(...evaluateFirstStepTargets(f));
  }
  if (finished.pipelining) {
    const p = finished.pipelining;
    const ms = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');
    console.log(
      `\nSteady state (${p.model}, ${p.runs.join(' and ')}, batch ${p.batch}, metrics every ${p.log_every}): waiting for each step ${ms(p.waiting_ms_per_step)} ms/step, ` +
        `pipelined ${ms(p.pipelined_ms_per_step)} (${p.ratio.toFixed(3)}x; up to ${p.peak_steps_in_flight} steps in flight; runs' step times from ${p.step_times})`,
    );
    targets.push(...evaluatePipeliningTargets(p));
  }
  console.log(`\nTargets (measured, not asserted):\n${formatTargets(targets)}`);

  const report = {
    adapter: finished.adapter_description,
    adapter_info: finished.adapter,
    date: new Date().toISOString(),
    options: finished.options,
    rows: finished.rows,
    landscape: finished.landscape,
    inspect: finished.inspect,
    first_step: finished.first_step,
    pipelining: finished.pipelining,
    targets,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nWrote ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof BenchOptionsError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`error: ${(error as Error).message}\nRun with --help for the options.`);
    } else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
