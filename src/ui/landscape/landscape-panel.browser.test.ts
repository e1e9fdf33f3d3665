// The Landscape panel in real Chromium, fed through the worker bridge as the worker would:
// what Plotly ends up holding on the plot elements, the controls' requests, and collapsing.

import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { LandscapeFrame } from '../../engine/landscape/landscape-frame';
import { PlaygroundContext } from '../playground-context';
import { landscapeFixture } from '../testing/landscape-fixture';
import { TEST_ADAPTER, testPlayground, type TestPlayground } from '../testing/test-playground';
import { LandscapePanel } from './landscape-panel';

interface PlotElement extends HTMLElement {
  data?: { type?: string; name?: string; uid?: string; marker?: { color?: string; symbol?: string[] }; connectgaps?: boolean }[];
  layout?: { xaxis?: { title?: { text?: string } } };
}

let container: HTMLDivElement;
let root: Root;
let playground: TestPlayground;

const plot = (id: string) => container.querySelector<PlotElement>(`[data-testid="landscape-plot-${id}"]`);
/** Waits until Plotly has drawn the plot with `count` traces (the bundle loads on first use). */
const drawn = async (id: string, count: number) => {
  await expect.poll(() => plot(id)?.data?.length, { timeout: 30_000 }).toBe(count);
  return plot(id)!;
};
const frameEvent = (frame: LandscapeFrame) => playground.worker.event({ type: 'landscape', frame });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

beforeEach(async () => {
  localStorage.clear();
  container = document.createElement('div');
  container.style.width = '1200px';
  document.body.append(container);
  root = createRoot(container);
  playground = testPlayground();
  await playground.start('http://localhost/');
  playground.worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
  const { setup, setRuns, startTraining } = playground.store.getState();
  // The first run carries its own colour from the config; the second takes the palette's.
  setRuns(setup.runs.map((run, i) => (i === 0 ? { ...run, color: 'black' } : run)));
  await startTraining();
  root.render(createElement(PlaygroundContext, { value: playground.store }, createElement(LandscapePanel)));
  await settle();
});

afterEach(() => {
  root.unmount();
  container.remove();
  playground.stop();
});

describe('LandscapePanel', () => {
  it('says what is coming before the first frame, then draws filled contours and one trajectory per run', async () => {
    expect(container.querySelector('[data-testid="landscape-empty"]')!.textContent).toMatch(/appears after the first snapshots/);
    frameEvent(landscapeFixture({ filled: 9 }));
    const element = await drawn('true', 3);
    const [contour, ...paths] = element.data!;
    expect(contour.type).toBe('contour');
    expect(contour.connectgaps).toBe(true);
    expect(paths.map((trace) => [trace.type, trace.name])).toEqual([
      ['scatter', 'adafisher'],
      ['scatter', 'adam'],
    ]);
    expect(paths[0].marker!.color).toBe('black');
    expect(paths[0].marker!.symbol![0]).toBe('star');
    expect(element.layout!.xaxis!.title!.text).toBe('PC1 (82.1 %)');
    // Plotly drew the contour fill (one path per level) and both lines.
    expect(element.querySelectorAll('.contourlayer path').length).toBeGreaterThan(0);
    expect(element.querySelectorAll('.scatterlayer .trace')).toHaveLength(2);
    expect(container.querySelector('[data-testid="landscape-progress"]')!.textContent).toBe('9 of 25 grid points measured.');
    expect(container.querySelector('[data-testid="landscape-fit"]')!.textContent).toMatch(/12\.0 % of its distance from the centre off the plane/);
  });

  it('follows each frame as the grid fills', async () => {
    frameEvent(landscapeFixture({ filled: 3 }));
    await drawn('true', 3);
    frameEvent(landscapeFixture({ filled: 25, settled: true }));
    await expect.poll(() => container.querySelector('[data-testid="landscape-progress"]')!.textContent).toBe('All 25 grid points measured.');
    await expect.poll(() => (plot('true')!.data![0] as unknown as { z: (number | null)[][] }).z[4][4]).not.toBeNull();
  });

  it("shows the true loss beside the seed's interpolation on the weights plane, and a 3-D surface when asked", async () => {
    frameEvent(landscapeFixture({ plane: 'weights' }));
    await drawn('true', 3);
    const interpolated = await drawn('interpolated', 3);
    expect(interpolated.data![0]).toMatchObject({ type: 'contour', connectgaps: false });
    await userEvent.click(getByLabel('3-D surface'));
    await expect.poll(() => plot('true')?.data?.map((trace) => trace.type), { timeout: 30_000 }).toEqual(['surface', 'scatter3d', 'scatter3d']);
  });

  it('sends each committed setting to the worker', async () => {
    frameEvent(landscapeFixture());
    await drawn('true', 3);
    const requests = () => playground.worker.requests.filter((request) => request.type === 'landscape-settings');
    await userEvent.selectOptions(getByLabel('Plane'), 'random');
    await userEvent.selectOptions(getByLabel('Centre run'), 'adam');
    await userEvent.click(getByLabel('Grid points per axis: auto'));
    await userEvent.clear(getByLabel('Grid points per axis'));
    await userEvent.type(getByLabel('Grid points per axis'), '31{Enter}');
    expect(requests().map((request) => request.settings)).toEqual([{ plane: 'random' }, { centerRun: 'adam' }, { grid: 5 }, { grid: 31 }]);
    // Out of range: refused on the page, naming the field, the range and the value.
    await userEvent.clear(getByLabel('Grid points per axis'));
    await userEvent.type(getByLabel('Grid points per axis'), '200{Enter}');
    expect(container.textContent).toContain('Grid points per axis must be a whole number in 3..101 (got 200)');
    expect(requests()).toHaveLength(4);
  });

  it('tells the worker when the panel is closed, and draws nothing while it is', async () => {
    frameEvent(landscapeFixture());
    await drawn('true', 3);
    // The page's viewport is narrower than the panel: click the title, at the summary's left.
    await userEvent.click(container.querySelector('summary h3')!);
    await expect.poll(() => playground.worker.requests.at(-1)).toEqual({ type: 'landscape-settings', settings: { visible: false } });
    expect(plot('true')).toBeNull();
    await userEvent.click(container.querySelector('summary h3')!);
    await expect.poll(() => playground.worker.requests.at(-1)).toEqual({ type: 'landscape-settings', settings: { visible: true } });
    await drawn('true', 3);
  });
});

function getByLabel(label: string): HTMLInputElement & HTMLSelectElement {
  const direct = container.querySelector<HTMLInputElement & HTMLSelectElement>(`[aria-label="${label}"]`);
  if (direct) return direct;
  for (const element of container.querySelectorAll('label')) {
    const text = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent)
      .join('')
      .trim();
    if (text !== label) continue;
    const control = element.htmlFor ? document.getElementById(element.htmlFor) : element.querySelector('input, select');
    if (control) return control as HTMLInputElement & HTMLSelectElement;
  }
  throw new Error(`No control labelled ${label}`);
}
