import { expect, test } from '@playwright/test';
import { findBrowser } from '../scripts/find-browser.mjs';

// Chromium without the WebGPU switches and without a GPU: the page must explain what is
// missing instead of staying blank.
test.use({
  launchOptions: { executablePath: findBrowser(), args: ['--disable-gpu', '--disable-features=WebGPU', '--no-first-run', '--disable-background-networking'] },
});

test('explains what is missing when the browser has no WebGPU', async ({ page }, testInfo) => {
  await page.goto('/');
  const alert = page.getByTestId('gpu-error');
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert).toContainText('WebGPU cannot be used in this browser');
  await expect(alert).toContainText(/Chrome or Edge 113/);
  await expect(page.getByRole('button', { name: 'Run one forward and backward pass' })).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('no-webgpu.png'), fullPage: true });
});
