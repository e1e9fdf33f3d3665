// How the end-to-end tests work the page, as a person would: through labels, roles and buttons.

import { expect, type Locator, type Page } from '@playwright/test';

export async function openPlayground(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('adapter')).toBeVisible({ timeout: 60_000 });
}

export function setupPanel(page: Page): Locator {
  return page.getByRole('complementary', { name: 'Setup' });
}

/** Types into a setup field found by its label (exact, so "Steps" is not "Log every steps"). */
export async function fillSetupField(page: Page, label: string, value: string): Promise<void> {
  await setupPanel(page).getByRole('spinbutton', { name: label, exact: true }).fill(value);
}

/** Keeps only the named runs of the setup, removing the others with their Remove buttons. */
export async function keepRuns(page: Page, keep: string[]): Promise<void> {
  const panel = setupPanel(page);
  const cards = panel.locator('[data-testid^="run-card-"]');
  for (const id of await cards.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid')!))) {
    const name = id.replace(/^run-card-/, '');
    if (!keep.includes(name)) await panel.getByRole('button', { name: `Remove ${name}` }).click();
  }
  await expect(cards).toHaveCount(keep.length);
}

/** Points per run in a plotly chart (plotly keeps its data on the element); smoothed lines only. */
export function chartPoints(page: Page, chart = 'chart-train-loss'): Promise<Record<string, number>> {
  return page.getByTestId(chart).evaluate((element) => {
    const traces = (element as unknown as { data?: { name?: string; x?: unknown[]; showlegend?: boolean; legendgroup?: string }[] }).data ?? [];
    const points: Record<string, number> = {};
    for (const trace of traces) {
      const run = trace.legendgroup ?? trace.name ?? '';
      points[run] = Math.max(points[run] ?? 0, trace.x?.length ?? 0);
    }
    return points;
  });
}

export async function startSession(page: Page): Promise<void> {
  await setupPanel(page).getByRole('button', { name: 'Start', exact: true }).click();
}
