import { expect, test, type Page } from '@playwright/test';
import { fillSetupField, openPlayground, startSession } from './page-helpers';

/** What the true-loss plot draws: its contour's measured points, and each trajectory's points by run. */
function landscapePlot(page: Page) {
  return page.getByTestId('landscape-plot-true').evaluate((element) => {
    const traces = (element as unknown as { data?: { type?: string; name?: string; uid?: string; x?: unknown[]; z?: (number | null)[][] }[] }).data ?? [];
    const contour = traces.find((trace) => trace.type === 'contour');
    const trajectories: Record<string, number> = {};
    for (const trace of traces) if (trace.type === 'scatter' && trace.uid?.includes('trajectory')) trajectories[trace.name ?? ''] = trace.x?.length ?? 0;
    const measured = (contour?.z ?? []).flat().filter((value) => value !== null && Number.isFinite(value)).length;
    return { measured, trajectories };
  });
}

test('shows both runs moving over one landscape while they train, and keeps it after a reload', async ({ page }, testInfo) => {
  test.setTimeout(480_000);
  await openPlayground(page);
  // The default setup: AdaFisher and Adam on cnn-small, the landscape on (PCA plane, sizes chosen for this adapter).
  await fillSetupField(page, 'Steps', '60');
  await startSession(page);
  const panel = page.getByTestId('landscape-panel');
  await expect(panel).toBeVisible({ timeout: 60_000 });

  // While training: a coarse surface with both trajectories on it.
  await expect
    .poll(
      async () => {
        const plot = await landscapePlot(page).catch(() => ({ measured: 0, trajectories: {} as Record<string, number> }));
        return plot.measured > 0 && (plot.trajectories.adafisher ?? 0) >= 2 && (plot.trajectories.adam ?? 0) >= 2;
      },
      { timeout: 300_000, intervals: [2000] },
    )
    .toBe(true);
  await expect(page.getByTestId('training-progress')).toBeVisible();
  const live = await landscapePlot(page);
  await page.screenshot({ path: testInfo.outputPath('landscape-live.png'), fullPage: true });
  expect(Object.keys(live.trajectories).sort()).toEqual(['adafisher', 'adam']);
  await expect(page.getByTestId('landscape-facts')).toContainText(/grid points measured|Fitting the plane/);

  // After training the landscape takes the whole GPU and completes its last grid.
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('landscape-progress')).toContainText('All', { timeout: 300_000 });
  const final = await landscapePlot(page);
  await page.screenshot({ path: testInfo.outputPath('landscape-settled.png'), fullPage: true });
  expect(final.trajectories.adam).toBeGreaterThanOrEqual(live.trajectories.adam);

  // The history keeps the landscape with the runs.
  await page.reload();
  await expect(page.getByTestId('landscape-panel')).toBeVisible({ timeout: 60_000 });
  await expect.poll(async () => (await landscapePlot(page).catch(() => ({ measured: 0 }))).measured, { timeout: 60_000 }).toBe(final.measured);
});
