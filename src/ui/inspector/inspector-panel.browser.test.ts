// The Inspector panel in real Chromium, fed through the worker bridge as the training worker
// would, with a stand-in analysis worker: what opening and closing asks of the worker, the four
// views of H and S that Plotly ends up holding, the time plots, a large factor's progress, and
// a refusal.

import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { INSPECT_OFF } from '../../engine/inspect/inspect-types';
import { PlaygroundContext } from '../playground-context';
import { fakeAnalysisWorkers, inspectionRecord, type FakeAnalysisWorkers } from '../testing/inspection-fixture';
import { TEST_ADAPTER, testPlayground, type TestPlayground } from '../testing/test-playground';
import { InspectorPanel } from './inspector-panel';
import { AnalysisWorkerContext } from './use-factor-analyses';

interface PlotElement extends HTMLElement {
  data?: { type?: string; name?: string; zmin?: number; zmax?: number; colorscale?: unknown; x?: unknown[] }[];
  layout?: { yaxis?: { type?: string } };
}

let container: HTMLDivElement;
let root: Root;
let playground: TestPlayground;
let analyses: FakeAnalysisWorkers;

const plot = (id: string) => container.querySelector<PlotElement>(`[data-testid="inspector-plot-${id}"]`);
/** Waits until Plotly has drawn the plot with `count` traces (the bundle loads on first use). */
const drawn = async (id: string, count: number) => {
  await expect.poll(() => plot(id)?.data?.length, { timeout: 30_000 }).toBe(count);
  return plot(id)!;
};
const inspectRequests = () => playground.worker.requests.filter((request) => request.type === 'inspect-settings').map((request) => request.settings);
const open = () => userEvent.click(container.querySelector<HTMLElement>('summary h3')!);
const layerSelect = () => container.querySelectorAll<HTMLSelectElement>('.inspector-controls select')[1];

beforeEach(async () => {
  localStorage.clear();
  container = document.createElement('div');
  container.style.width = '1400px';
  document.body.append(container);
  root = createRoot(container);
  playground = testPlayground();
  await playground.start('http://localhost/');
  playground.worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
  await playground.store.getState().startTraining();
  playground.worker.answer({ type: 'training-started', runs: ['adafisher', 'adam'], totalSteps: 300, stepsPerEpoch: 100, adapter: TEST_ADAPTER });
  analyses = fakeAnalysisWorkers({ auto: true });
  root.render(
    createElement(
      AnalysisWorkerContext,
      { value: analyses.create },
      createElement(PlaygroundContext, { value: playground.store }, createElement(InspectorPanel)),
    ),
  );
  await expect.poll(() => container.querySelector('summary h3')).not.toBeNull();
});

afterEach(() => {
  root.unmount();
  container.remove();
  playground.stop();
});

describe('InspectorPanel', () => {
  it('costs nothing until opened, then asks for the first layer and draws the four views of H and S at the first and latest steps', async () => {
    expect(inspectRequests()).toEqual([]);
    expect(analyses.started).toBe(0);
    await open();
    await expect.poll(() => inspectRequests()).toEqual([{ enabled: true, runs: null, full: [{ run: 'adafisher', layer: 'conv1' }], every: null, steps: null }]);
    for (const step of [0, 100, 200])
      playground.worker.event({
        type: 'inspection',
        record: inspectionRecord('adafisher', step, { damping: 1e-3, full: ['conv1'], decay: 0.2 + step / 1000 }),
      });

    for (const side of ['H', 'S']) {
      for (const step of [0, 200]) {
        const heatmap = await drawn(`${side}-${step}-heatmap`, 1);
        expect(heatmap.data![0]).toMatchObject({ type: 'heatmap' });
        await drawn(`${side}-${step}-perturbation`, 3);
        await drawn(`${side}-${step}-frequency`, 1);
        const gershgorin = plot(`${side}-${step}-gershgorin`)!;
        expect(gershgorin.data!.map((trace) => trace.name).slice(-2)).toEqual(['centres', 'eigenvalues']);
      }
      // One grey scale across the steps shown: the smallest entry of the later (less banded) matrix.
      const [early, late] = [plot(`${side}-0-heatmap`)!.data![0], plot(`${side}-200-heatmap`)!.data![0]];
      expect([early.zmin, early.zmax]).toEqual([late.zmin, late.zmax]);
    }
    expect(plot('H-100-heatmap')).toBeNull();
    // Four analyses (H and S at two steps), one worker, each with the session's seed.
    expect(analyses.requests.map((request) => [request.n, request.seed])).toEqual([
      [27, 0],
      [16, 0],
      [27, 0],
      [16, 0],
    ]);
    expect(container.querySelector('[data-testid="inspector-facts-H-0"]')!.textContent).toMatch(
      /27 x 27, SNR 42\.0 dB, diagonal share 0\.\d{4}, analysed in 12 ms/,
    );

    // Every layer over time, and F̃ around λ for this AdaFisher run.
    expect((await drawn('shares-H', 3)).data!.map((trace) => trace.name)).toEqual(['conv1', 'conv2', 'fc']);
    await drawn('shares-S', 3);
    const fisher = await drawn('fisher', 10);
    expect(fisher.data!.at(-1)!.name).toBe('λ');
    expect(fisher.layout!.yaxis!.type).toBe('log');
    await userEvent.click(container.querySelector<HTMLElement>('.inspector-steps input:not(:checked)')!);
    await drawn('S-100-heatmap', 1);
  });

  it('shows the size and the time a large factor takes, and ends stale work for a new choice', async () => {
    analyses.auto = false;
    await open();
    await expect.poll(() => layerSelect()).toBeDefined();
    await userEvent.selectOptions(layerSelect(), 'fc');
    await expect.poll(() => inspectRequests().at(-1)?.full).toEqual([{ run: 'adafisher', layer: 'fc' }]);
    playground.worker.event({ type: 'inspection', record: inspectionRecord('adafisher', 0, { full: ['fc'] }) });
    await expect
      .poll(() => container.querySelector('[data-testid="inspector-analysing"]')?.textContent)
      .toMatch(/^H at step 0: 2048 x 2048 \(16\.0 MiB\): analysing… \d/);
    expect(analyses.requests.at(-1)!.n).toBe(2048);
    // A new layer while fc's H is being analysed: the worker is ended.
    await userEvent.selectOptions(layerSelect(), 'conv2');
    await expect.poll(() => analyses.terminated).toBe(1);
    analyses.auto = true;
    playground.worker.event({ type: 'inspection', record: inspectionRecord('adafisher', 100, { full: ['conv2'] }) });
    await drawn('H-100-heatmap', 1);
    expect(analyses.requests.map((request) => request.n)).toEqual([2048, 144, 32]);
  });

  it('draws a factor analysed by the real analysis worker (float64), with its measured time', async () => {
    root.render(createElement(PlaygroundContext, { value: playground.store }, createElement(InspectorPanel)));
    await open();
    playground.worker.event({ type: 'inspection', record: inspectionRecord('adam', 0, { full: ['conv1'] }) });
    playground.store.getState().selectInspection({ run: 'adam' });
    await expect.poll(() => plot('H-0-gershgorin')?.data?.at(-1)?.name, { timeout: 30_000 }).toBe('eigenvalues');
    const eigenvalues = plot('H-0-gershgorin')!.data!.at(-1) as unknown as { x: number[]; y: number[] };
    // A symmetric matrix: 27 real eigenvalues, each inside the union of the discs (centre 1, radius below 2·0.3/0.7).
    expect(eigenvalues.x).toHaveLength(27);
    expect(eigenvalues.y.every((im) => im === 0)).toBe(true);
    expect(eigenvalues.x.every((re) => Math.abs(re - 1) < (2 * 0.3) / 0.7)).toBe(true);
    await drawn('S-0-frequency', 1);
    // A symmetric band with decay 0.3: real eigenvalues, and the diagonal share Σ1 / Σ0.3^(2|i−j|) of the 27 x 27 factor.
    const n = 27;
    let total = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += 0.3 ** (2 * Math.abs(i - j));
    const facts = container.querySelector('[data-testid="inspector-facts-H-0"]')!.textContent!;
    expect(facts).toContain(`diagonal share ${(n / total).toFixed(4)}`);
    expect(facts).toMatch(/analysed in \d+ ms/);
    expect(analyses.started).toBe(0);
  });

  it('shows a refusal and tells the worker when the panel is closed', async () => {
    await open();
    await expect.poll(() => inspectRequests()).toHaveLength(1);
    playground.worker.event({
      type: 'inspect-refused',
      message: 'Inspector: cnn-small has no layer named "conv9" (layers that can be inspected: conv1, conv2, fc)',
    });
    await expect.poll(() => container.querySelector('[data-testid="inspector-refusal"]')?.textContent).toMatch(/no layer named "conv9".*Training goes on\./);
    await open();
    await expect.poll(() => inspectRequests().at(-1)).toEqual(INSPECT_OFF);
    expect(container.querySelector('[data-testid="inspector-factors"]')).toBeNull();
  });
});
