// The runs panel's Weights button in real Chromium: it asks the worker for the run's weights,
// and the safetensors bytes that come back download as <run>.safetensors.

import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { DEFAULT_CHART_SETTINGS, useChartSettings } from './charts/chart-settings';
import { downloadBytes } from './export';
import { memoryHistory } from './persistence';
import { PlaygroundContext } from './playground-context';
import { ResultsPanel } from './results-panel';
import { finishSession, TEST_ADAPTER, testPlayground, trainSteps, type TestPlayground } from './testing/test-playground';

/** A minimal safetensors file: the header length (little-endian u64), then the JSON header. */
function safetensors(header: object): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  return bytes;
}

let container: HTMLDivElement;
let root: Root;
let playground: TestPlayground;
/** The downloads the page started: the link's file name and what its URL held. */
let downloads: Promise<{ name: string; bytes: number[] }>[];

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const button = (name: string) => [...container.querySelectorAll('button')].find((candidate) => candidate.textContent === name);

async function render(): Promise<void> {
  root.render(createElement(PlaygroundContext, { value: playground.store }, createElement(ResultsPanel)));
  await settle();
}

beforeEach(async () => {
  localStorage.clear();
  useChartSettings.setState({ ...DEFAULT_CHART_SETTINGS });
  downloads = [];
  // The page's own download path, with the link's click caught instead of saving a file.
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const { download, href } = this;
    downloads.push(fetch(href).then(async (response) => ({ name: download, bytes: [...new Uint8Array(await response.arrayBuffer())] })));
  });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  root.unmount();
  container.remove();
  playground.stop();
  vi.restoreAllMocks();
});

describe('the Weights button', () => {
  it("downloads a trained run's weights as <run>.safetensors", async () => {
    playground = testPlayground({ saveFile: downloadBytes });
    await playground.start('http://localhost/');
    playground.worker.answer({ type: 'ready', adapter: TEST_ADAPTER });
    await playground.store.getState().startTraining();
    await trainSteps(playground, 3);
    finishSession(playground);
    await render();

    await userEvent.click(button('Weights of adam')!);
    expect(playground.worker.requests.at(-1)).toEqual({ type: 'export-checkpoint', run: 'adam' });
    await settle();
    // While the worker reads the weights back, no second export can start.
    expect(button('Preparing weights of adam…')!.disabled).toBe(true);
    expect(button('Weights of adafisher')!.disabled).toBe(true);

    const bytes = safetensors({ 'conv1.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    playground.worker.answer({ type: 'checkpoint-export', run: 'adam', bytes: new Uint8Array([...bytes, 0, 0, 128, 63]) });
    expect(downloads).toHaveLength(1);
    expect(await downloads[0]).toEqual({ name: 'adam.safetensors', bytes: [...bytes, 0, 0, 128, 63] });
    await settle();
    expect(button('Weights of adam')!.disabled).toBe(false);
  });

  it('shows why the worker could not send them', async () => {
    playground = testPlayground();
    await playground.start('http://localhost/');
    await playground.store.getState().startTraining();
    await render();
    await userEvent.click(button('Weights of adafisher')!);
    playground.worker.answer({ type: 'error', request: 'export-checkpoint', message: 'adafisher has not started yet' });
    await settle();
    expect(container.querySelector('[data-testid="weights-error"]')!.textContent).toBe(
      'Could not export the weights of adafisher: adafisher has not started yet',
    );
    expect(downloads).toHaveLength(0);
  });

  it('is disabled for runs brought back from the history, whose weights went with the last page load', async () => {
    const history = memoryHistory();
    const first = testPlayground({ history });
    await first.start('http://localhost/');
    await first.store.getState().startTraining();
    await trainSteps(first, 2);
    finishSession(first);
    await vi.waitFor(async () => expect((await history.list())[0]?.runs[0].state).toBe('finished'));
    first.stop();

    playground = testPlayground({ history });
    await playground.start('http://localhost/');
    await render();
    const weights = button('Weights of adam')!;
    expect(weights.disabled).toBe(true);
    expect(weights.title).toMatch(/train the run again/);
  });
});
