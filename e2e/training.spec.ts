import { expect, test, type Page } from '@playwright/test';

/** Points per trace in the plotly loss chart (plotly keeps its data on the element). */
function chartPoints(page: Page): Promise<Record<string, number>> {
  return page.getByTestId('loss-chart').evaluate((element) => {
    const traces = (element as unknown as { data?: { name: string; x: number[] }[] }).data ?? [];
    return Object.fromEntries(traces.map((trace) => [trace.name, trace.x.length]));
  });
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toBeVisible({ timeout: 60_000 });
});

test('trains AdaFisher and Adam side by side with a live loss chart', async ({ page }, testInfo) => {
  await expect(page.getByRole('checkbox', { name: 'adafisher', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'adam', exact: true })).toBeChecked();
  await page.getByLabel('Steps').fill('12');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('training-progress')).toBeVisible();

  // The curves grow while training runs.
  await expect.poll(async () => (await chartPoints(page)).adam ?? 0, { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  const early = await chartPoints(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 180_000 });
  const final = await chartPoints(page);
  expect(final.adafisher).toBeGreaterThan(early.adafisher ?? 0);
  expect(final.adam).toBeGreaterThan(early.adam);
  await expect(page.getByTestId('run-adafisher')).toContainText('finished');
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  await expect(page.getByTestId('summaries').getByRole('row')).toHaveCount(3);
  await page.screenshot({ path: testInfo.outputPath('training.png'), fullPage: true });
});

test('stops a session part way', async ({ page }) => {
  await page.getByRole('checkbox', { name: 'adafisher', exact: true }).uncheck();
  await page.getByLabel('Steps').fill('500');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(async () => (await chartPoints(page)).adam ?? 0, { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('training-progress')).toContainText('paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('run-adam')).toContainText('stopped', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled();
});
