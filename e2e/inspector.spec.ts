import { expect, test, type Page } from '@playwright/test';
import { openPlayground, startSession } from './page-helpers';

// cnn-small on the built-in images, AdaFisher (measuring every 10 steps) beside Adam, with a
// config whose inspect section names a layer cnn-small does not have.
const CONFIG = `model: cnn-small
batch_size: 16
steps: 400
seed: 3
log_every: 5
data: { source: synthetic, train_size: 600, test_size: 100, augment: none }
runs:
  - name: adafisher
    optimizer: { type: adafisher, lr: 1.0e-4, tcov: 10 }
  - name: adam
    optimizer: { type: adam, lr: 1.0e-3 }
inspect:
  layers: [conv9]
  every: 10
`;

/** Traces Plotly holds on each of the Inspector's plots, by the plot's id. */
function inspectorPlots(page: Page): Promise<Record<string, number>> {
  return page
    .locator('[data-testid^="inspector-plot-"]')
    .evaluateAll((elements) =>
      Object.fromEntries(
        elements.map((element) => [
          element.getAttribute('data-testid')!.replace(/^inspector-plot-/, ''),
          ((element as unknown as { data?: unknown[] }).data ?? []).length,
        ]),
      ),
    );
}

const trainedSteps = async (page: Page) => Number((await page.getByTestId('training-progress').textContent())?.match(/Step (\d+)/)?.[1] ?? 0);

test('shows the four views of H and S of a cnn-small layer while it trains, and a refused layer while training goes on', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  await openPlayground(page);
  await page.getByTestId('yaml-input').setInputFiles({ name: 'inspect.yaml', mimeType: 'application/yaml', buffer: Buffer.from(CONFIG) });
  await startSession(page);

  // The config's unknown layer is refused by name, with what can be inspected; training goes on.
  const refusal = page.getByTestId('inspector-refusal');
  await expect(refusal).toContainText('conv9', { timeout: 120_000 });
  await expect(refusal).toContainText(/conv1, conv2, fc/);
  await expect(refusal).toContainText('Training goes on.');
  const before = await trainedSteps(page);
  await expect.poll(() => trainedSteps(page), { timeout: 120_000 }).toBeGreaterThan(before);

  // Opening the panel measures AdaFisher's conv1 (the first layer) at its next measurements.
  await page.getByRole('heading', { name: 'Kronecker factors (Inspector)' }).click();
  await expect(page.getByRole('combobox', { name: 'Layer' })).toHaveValue('conv1');
  await expect
    .poll(
      async () => {
        const plots = await inspectorPlots(page);
        const drawn = (side: string, view: string) =>
          Object.entries(plots).some(([id, traces]) => id.startsWith(`${side}-`) && id.endsWith(`-${view}`) && traces > 0);
        return ['H', 'S'].every((side) => ['heatmap', 'gershgorin', 'perturbation', 'frequency'].every((view) => drawn(side, view)));
      },
      { timeout: 300_000, intervals: [2000] },
    )
    .toBe(true);
  await expect(page.getByTestId('inspector-time')).toBeVisible();
  await expect(page.locator('[data-testid^="inspector-facts-H-"]').first()).toContainText(/27 x 27, SNR .* dB, diagonal share 0\.\d{4}, analysed in/);
  await expect(page.locator('[data-testid^="inspector-facts-S-"]').first()).toContainText(/16 x 16/);
  const plots = await inspectorPlots(page);
  expect(plots['shares-H']).toBe(3);
  await expect(page.getByTestId('training-progress')).toBeVisible();
  await page.getByTestId('inspector-panel').screenshot({ path: testInfo.outputPath('inspector-conv1.png') });
  await page.screenshot({ path: testInfo.outputPath('inspector-page.png'), fullPage: true });
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
});
