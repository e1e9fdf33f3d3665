import { expect, test, type Page } from '@playwright/test';
import { fillSetupField, keepRuns, openPlayground, setupPanel, startSession } from './page-helpers';

// The page's layout at common desktop widths and at 800 px, with two runs set up and a short
// session trained (run rows, charts and the summary table on the page): nothing sticks out of
// its box and nothing scrolls sideways. Full-page screenshots of each width are kept.

const WIDTHS = [1280, 1920, 800] as const;
/** Below this width the setup and the runs stack in one column (styles.css). */
const STACKED_BELOW = 900;

/**
 * Every visible control in `selector` that sticks out of one of its ancestors (up to the
 * panel), or whose content is cut (a value wider than its input, a label wider than its
 * button); a URL scrolls inside its input by design and is left out of the second check.
 */
function overflowingControls(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((panelSelector) => {
    const panel = document.querySelector<HTMLElement>(panelSelector);
    if (!panel) return [`no element matches ${panelSelector}`];
    const name = (element: Element) => {
      const html = element as HTMLElement;
      const label = html.getAttribute('aria-label') ?? (html as HTMLInputElement).labels?.[0]?.textContent ?? html.textContent ?? '';
      return `<${element.tagName.toLowerCase()}${html.className ? `.${String(html.className).replace(/\s+/g, '.')}` : ''}> "${label.trim().slice(0, 40)}"`;
    };
    const problems: string[] = [];
    if (panel.scrollWidth > panel.clientWidth + 1) problems.push(`${panelSelector} scrolls sideways: ${panel.scrollWidth} > ${panel.clientWidth}`);
    for (const control of panel.querySelectorAll<HTMLElement>('input, select, button, textarea')) {
      const rect = control.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      for (let ancestor = control.parentElement; ancestor && ancestor !== panel.parentElement; ancestor = ancestor.parentElement) {
        const box = ancestor.getBoundingClientRect();
        const out = Math.max(box.left - rect.left, rect.right - box.right);
        if (out > 0.5) {
          problems.push(`${name(control)} sticks out of ${name(ancestor)} by ${out.toFixed(1)} px`);
          break;
        }
      }
      const url = control instanceof HTMLInputElement && control.type === 'url';
      if (!url && control.scrollWidth > control.clientWidth + 1)
        problems.push(`${name(control)} cuts its content: ${control.scrollWidth} px in ${control.clientWidth} px`);
    }
    return problems;
  }, selector);
}

/** Sizes the viewport, back at the top of the page, and waits for the charts to follow (Plotly resizes on the window's resize event). */
async function resize(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
}

test('the setup and the runs fit at 1280, 1920 and 800 px, with nothing sticking out and no sideways scroll', async ({ page }, testInfo) => {
  await resize(page, WIDTHS[0]);
  await openPlayground(page);
  await keepRuns(page, ['adafisher', 'adam']);
  await fillSetupField(page, 'Steps', '4');
  await startSession(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');

  // Soft checks: every width is checked and photographed, and all the problems are reported together.
  for (const width of WIDTHS) {
    await resize(page, width);
    const pageWidth = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect.soft(pageWidth.scroll, `sideways scroll at ${width} px`).toBeLessThanOrEqual(pageWidth.client);
    expect.soft(await overflowingControls(page, 'aside.setup-panel'), `setup panel at ${width} px`).toEqual([]);
    expect.soft(await overflowingControls(page, 'section.results-panel'), `runs panel at ${width} px`).toEqual([]);

    const setup = (await setupPanel(page).boundingBox())!;
    const runs = (await page.getByRole('region', { name: 'Runs' }).boundingBox())!;
    const charts = (await page.getByTestId('chart-train-loss').boundingBox())!;
    if (width < STACKED_BELOW) {
      // One column: the setup above the runs, both the page's width.
      expect.soft(runs.y, 'runs below the setup').toBeGreaterThanOrEqual(setup.y + setup.height);
      expect.soft(setup.width, 'setup as wide as the page').toBeGreaterThan(width * 0.9);
      expect.soft(runs.width, 'runs as wide as the page').toBeGreaterThan(width * 0.9);
    } else {
      // Side by side, together filling the page; the runs (charts) get most of it.
      expect.soft(runs.x, 'runs right of the setup').toBeGreaterThanOrEqual(setup.x + setup.width);
      expect.soft(setup.width + runs.width, 'columns fill the page').toBeGreaterThan(width * 0.88);
      expect.soft(setup.width / width, 'setup column share').toBeGreaterThan(0.22);
      expect.soft(setup.width / width, 'setup column share').toBeLessThan(0.4);
    }
    expect.soft(charts.x + charts.width, 'charts inside the runs column').toBeLessThanOrEqual(runs.x + runs.width + 0.5);
    await page.screenshot({ path: testInfo.outputPath(`layout-${width}.png`), fullPage: true });
    // The setup panel alone, at full resolution, to read its fields.
    await setupPanel(page).screenshot({ path: testInfo.outputPath(`layout-${width}-setup.png`) });
  }
});
