// How often the page renders while a session trains: a 50-step session of two runs, fed
// through the worker bridge as the worker would send it (a metrics row per run and a
// progress event per step, each its own message), with React Profilers counting commits.

import { createElement, Profiler } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import Plotly from 'plotly.js/dist/plotly-basic.min.js';
import { DEFAULT_CHART_SETTINGS, useChartSettings } from './charts/chart-settings';
import { PlaygroundContext } from './playground-context';
import { ResultsPanel, RunRow } from './results-panel';
import { SetupPanel } from './setup-panel';
import { landscapeFixture } from './testing/landscape-fixture';
import { metricsRow, TEST_ADAPTER, testPlayground, trainSteps, type TestPlayground } from './testing/test-playground';

const STEPS = 50;

let container: HTMLDivElement;
let root: Root;
let playground: TestPlayground;

/** Lets React render what a message changed, as it would between two worker messages. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

beforeEach(async () => {
  localStorage.clear();
  useChartSettings.setState({ ...DEFAULT_CHART_SETTINGS });
  container = document.createElement('div');
  container.style.width = '1400px';
  document.body.append(container);
  root = createRoot(container);
  playground = testPlayground();
  await playground.start('http://localhost/');
  playground.worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
});

afterEach(() => {
  vi.restoreAllMocks();
  root.unmount();
  container.remove();
  playground.stop();
});

it('renders the charts and run rows with every step, and the setup form not once', async () => {
  const commits = { setup: 0, results: 0 };
  root.render(
    createElement(
      PlaygroundContext,
      { value: playground.store },
      createElement(Profiler, { id: 'setup', onRender: () => void commits.setup++ }, createElement(SetupPanel)),
      createElement(Profiler, { id: 'results', onRender: () => void commits.results++ }, createElement(ResultsPanel)),
    ),
  );
  await nextTask();
  playground.store.getState().updateSetup({ length: { unit: 'steps', value: STEPS } });
  await playground.store.getState().startTraining();
  await nextTask();
  expect(container.querySelectorAll('[data-testid^="run-card-"]')).toHaveLength(2);

  await trainSteps(playground, STEPS, {
    afterMessage: nextTask,
    beforeSteps: () => {
      commits.setup = 0;
      commits.results = 0;
    },
  });
  await nextFrame();
  await nextFrame();

  // Before the state was split, the same session committed the setup form 153 times.
  expect(commits.setup).toBe(0);
  // The results commit for every message: the row of the run a metrics row belongs to, the charts, the progress.
  expect(commits.results).toBeGreaterThanOrEqual(3 * STEPS);
  expect(container.querySelector('[data-testid="run-adam"]')!.textContent).toContain(`Step ${STEPS} of ${STEPS}`);
  const chart = container.querySelector('[data-testid="chart-train-loss"]') as HTMLElement & { data?: { legendgroup?: string; x?: number[] }[] };
  expect(chart.data!.filter((trace) => trace.legendgroup === 'adam').map((trace) => trace.x!.length)).toEqual([STEPS, STEPS]);
});

it('renders only the row of the run a metrics row belongs to', async () => {
  await playground.store.getState().startTraining();
  await trainSteps(playground, 1);
  const commits = { adafisher: 0, adam: 0 };
  const row = (name: 'adafisher' | 'adam') =>
    createElement(Profiler, { id: name, onRender: () => void commits[name]++ }, createElement(RunRow, { name, text: false }));
  root.render(createElement(PlaygroundContext, { value: playground.store }, createElement('ul', null, row('adafisher'), row('adam'))));
  await nextTask();
  commits.adafisher = 0;
  commits.adam = 0;
  for (let step = 2; step <= 10; step++) {
    playground.worker.event({ type: 'metrics', run: 'adam', row: metricsRow(step, 1.5) });
    await nextTask();
  }
  expect(commits).toEqual({ adafisher: 0, adam: 9 });
  expect(container.querySelector('[data-testid="run-adam"]')!.textContent).toContain('loss 1.5000');
  // A progress tick moves both rows' steps.
  playground.worker.event({ type: 'progress', step: 2, totalSteps: 1, epoch: 0, runs: { adafisher: 2, adam: 2 } });
  await nextTask();
  expect(commits).toEqual({ adafisher: 1, adam: 10 });
});

it('draws landscape frames without redrawing the loss charts or rendering the setup form', async () => {
  const commits = { setup: 0 };
  root.render(
    createElement(
      PlaygroundContext,
      { value: playground.store },
      createElement(Profiler, { id: 'setup', onRender: () => void commits.setup++ }, createElement(SetupPanel)),
      createElement(ResultsPanel),
    ),
  );
  await nextTask();
  await playground.store.getState().startTraining();
  await trainSteps(playground, 5, { afterMessage: nextTask });
  await nextFrame();
  await nextFrame();
  const chart = container.querySelector('[data-testid="chart-train-loss"]') as HTMLElement & { data?: unknown[] };
  const traces = chart.data;
  expect(traces).toHaveLength(4);
  // The loss charts draw with the basic bundle; the landscape with its own, so any redraw of them shows here.
  const redraws = vi.spyOn(Plotly, 'react');
  commits.setup = 0;
  for (let filled = 5; filled <= 25; filled += 5) {
    playground.worker.event({ type: 'landscape', frame: landscapeFixture({ filled }) });
    await nextTask();
  }
  await expect
    .poll(() => (container.querySelector('[data-testid="landscape-plot-true"]') as (HTMLElement & { data?: unknown[] }) | null)?.data?.length, {
      timeout: 30_000,
    })
    .toBe(3);
  await nextFrame();
  expect(redraws).not.toHaveBeenCalled();
  expect(chart.data).toBe(traces);
  expect(commits.setup).toBe(0);
});
