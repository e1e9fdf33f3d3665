import { expect, test } from '@playwright/test';

test('shows the WebGPU adapter and runs one forward and backward pass of cnn-small', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('adapter')).not.toHaveText('');

  const check = page.getByRole('region', { name: 'Check this device' });
  await expect(check.getByLabel('Model')).toHaveValue('cnn-small');
  await check.getByRole('button', { name: 'Run one forward and backward pass' }).click();
  await expect(page.getByTestId('check-verdict')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('check-verdict')).toContainText('GPU matches the float64 reference');

  // A freshly initialised 10-class network predicts close to uniformly: loss near ln 10.
  const loss = Number(await page.getByTestId('gpu-loss').textContent());
  expect(Math.abs(loss - Math.log(10))).toBeLessThan(0.5);
  await expect(check.getByRole('row')).toHaveCount(1 + 6); // header + six cnn-small parameters
  await page.screenshot({ path: testInfo.outputPath('device-check.png'), fullPage: true });
  expect(errors).toEqual([]);
});
