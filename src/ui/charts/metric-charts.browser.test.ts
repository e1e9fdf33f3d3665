// The live charts in real Chromium: what Plotly ends up holding on each chart element, how
// often it redraws, and the legend and settings acting on every panel.

import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import Plotly from 'plotly.js/dist/plotly-basic.min.js';
import type { MetricsRow } from '../../engine/train/events';
import type { Task } from '../setup';
import { DEFAULT_CHART_SETTINGS, useChartSettings } from './chart-settings';
import { MetricCharts } from './metric-charts';
import type { ChartRun } from './series';

interface PlotElement extends HTMLElement {
  data?: { name?: string; legendgroup?: string; x?: number[]; y?: number[]; visible?: boolean | 'legendonly' }[];
  layout?: { annotations?: { text?: string }[]; yaxis?: { type?: string } };
}

function rows(count: number, start = 2.3): MetricsRow[] {
  return Array.from({ length: count }, (_, i) => ({
    step: (i + 1) * 5,
    epoch: 0,
    train_loss: start - 0.1 * i,
    train_accuracy: 0.3,
    lr: 0.01,
    ms_per_step: 4 + (i % 2),
    wall_time: i + 1,
  }));
}

function runs(count: number): ChartRun[] {
  return [
    { name: 'adam', rows: rows(count), evaluations: count >= 4 ? [{ step: 20, epoch: 0, test_loss: 1.9, test_accuracy: 0.4 }] : [] },
    { name: 'sgd', rows: rows(count, 2.4), evaluations: [] },
  ];
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
/** Lets React render (it schedules work in tasks) and the charts draw in the next frame. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  await nextFrame();
  await nextFrame();
}
const chart = (id: string) => document.querySelector<PlotElement>(`[data-testid="chart-${id}"]`)!;

let container: HTMLDivElement;
let root: Root;

async function render(chartRuns: ChartRun[], task: Task = 'image-classification'): Promise<void> {
  root.render(createElement(MetricCharts, { runs: chartRuns, task }));
  await settle();
}

beforeEach(() => {
  localStorage.clear();
  useChartSettings.setState({ ...DEFAULT_CHART_SETTINGS });
  container = document.createElement('div');
  container.style.width = '1100px';
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  root.unmount();
  container.remove();
  vi.restoreAllMocks();
});

describe('MetricCharts', () => {
  it('draws one chart per panel of the task, with raw and smoothed lines per run', async () => {
    await render(runs(6));
    for (const id of ['train-loss', 'test-accuracy', 'lr', 'ms-per-step']) expect(chart(id).data, id).toBeDefined();
    const loss = chart('train-loss').data!;
    expect(loss.map((t) => t.legendgroup)).toEqual(['adam', 'adam', 'sgd', 'sgd']);
    expect(loss[1].x).toEqual([5, 10, 15, 20, 25, 30]);
    expect(chart('test-accuracy').data![0].y![0]).toBeCloseTo(40, 10);
    await render(runs(6), 'language-modeling');
    expect(chart('perplexity').data).toHaveLength(4);
    expect(chart('tokens-per-second')).not.toBeNull();
    expect(document.querySelector('[data-testid="chart-test-accuracy"]')).toBeNull();
  });

  it('shows the axes with a note before the first metrics', async () => {
    await render(runs(0));
    expect(chart('train-loss').layout!.annotations![0].text).toBe('waiting for the first metrics');
    expect(chart('train-loss').textContent).toContain('waiting for the first metrics');
    expect(chart('test-accuracy').layout!.annotations![0].text).toBe('waiting for the first evaluation');
    await render(runs(2));
    expect(chart('train-loss').layout!.annotations).toEqual([]);
  });

  it('redraws at most once per animation frame, with the latest data, never with newPlot', async () => {
    await render(runs(1));
    const react = vi.spyOn(Plotly, 'react');
    const newPlot = vi.spyOn(Plotly, 'newPlot');
    // 19 updates committed synchronously (each render's effects run before the next render)
    // within one frame, as a burst of metrics messages would be.
    for (let count = 2; count <= 20; count++) flushSync(() => root.render(createElement(MetricCharts, { runs: runs(count), task: 'image-classification' })));
    expect(react).not.toHaveBeenCalled();
    await settle();
    expect(react.mock.calls.filter(([element]) => element === chart('train-loss'))).toHaveLength(1);
    expect(react).toHaveBeenCalledTimes(4);
    expect(newPlot).not.toHaveBeenCalled();
    expect(chart('train-loss').data![1].x).toHaveLength(20);
  });

  it('hides a run on every panel from the runs checkboxes', async () => {
    await render(runs(6));
    await userEvent.click(container.querySelector<HTMLInputElement>('fieldset input[type="checkbox"]')!);
    await settle();
    expect(useChartSettings.getState().hiddenRuns).toEqual(['adam']);
    for (const id of ['train-loss', 'lr', 'ms-per-step', 'test-accuracy']) {
      const traces = chart(id).data!;
      expect(
        traces.filter((t) => t.legendgroup === 'adam').every((t) => t.visible === 'legendonly'),
        id,
      ).toBe(true);
      expect(
        traces.filter((t) => t.legendgroup === 'sgd').every((t) => t.visible === true),
        id,
      ).toBe(true);
    }
  });

  it('toggles a run on every panel from a legend click', async () => {
    await render(runs(6));
    const items = chart('lr').querySelectorAll<SVGElement>('.legendtoggle');
    expect(items).toHaveLength(2);
    await userEvent.click(items[1]);
    await expect.poll(() => useChartSettings.getState().hiddenRuns, { timeout: 2000 }).toEqual(['sgd']);
    await settle();
    expect(
      chart('train-loss')
        .data!.filter((t) => t.legendgroup === 'sgd')
        .map((t) => t.visible),
    ).toEqual(['legendonly', 'legendonly']);
    expect(chart('lr').data!.map((t) => t.visible)).toEqual([true, 'legendonly']);
  });

  it('shows one run alone on a legend double click, and all again on a second', async () => {
    await render(runs(6));
    const item = () => chart('train-loss').querySelectorAll<SVGElement>('.legendtoggle')[0];
    await userEvent.dblClick(item());
    await expect.poll(() => useChartSettings.getState().hiddenRuns, { timeout: 2000 }).toEqual(['sgd']);
    // The clicks of the double click must not toggle anything once the delay has passed.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(useChartSettings.getState().hiddenRuns).toEqual(['sgd']);
    await settle();
    await userEvent.dblClick(item());
    await expect.poll(() => useChartSettings.getState().hiddenRuns, { timeout: 2000 }).toEqual([]);
  });

  it('smooths from the keyboard and switches scales and axes', async () => {
    await render(runs(6));
    const slider = container.querySelector<HTMLInputElement>('input[type="range"]')!;
    expect(slider.labels![0].textContent).toBe('Smoothing');
    slider.focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(useChartSettings.getState().smoothing).toBe(0.61);
    expect(container.querySelector('output')!.textContent).toBe('0.61');
    await userEvent.click(container.querySelector<HTMLInputElement>('input[aria-label="Log y (train loss)"]')!);
    await userEvent.selectOptions(container.querySelector('select')!, 'wall_time');
    await settle();
    expect(chart('train-loss').layout!.yaxis!.type).toBe('log');
    expect(chart('train-loss').data![1].x).toEqual([1, 2, 3, 4, 5, 6]);
    expect(JSON.parse(localStorage.getItem('playground-chart-settings')!).state).toMatchObject({ smoothing: 0.61, xAxis: 'wall_time' });
  });

  it('purges the plots on unmount', async () => {
    await render(runs(3));
    const purge = vi.spyOn(Plotly, 'purge');
    const element = chart('train-loss');
    flushSync(() => root.render(createElement('p', null, 'gone')));
    expect(purge.mock.calls.some(([target]) => target === element)).toBe(true);
    expect(purge).toHaveBeenCalledTimes(4);
  });
});
