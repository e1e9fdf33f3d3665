import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openPlayground, setupPanel } from './page-helpers';

test("adds K-FAC, Shampoo and AdaHessian with the paper's settings, refuses values out of range, and keeps them in a link and YAML", async ({
  page,
}, testInfo) => {
  await openPlayground(page);
  const panel = setupPanel(page);
  const newRun = panel.getByRole('combobox', { name: "New run's optimizer" });
  await expect(newRun.locator('option')).toHaveText(['AdaFisher', 'AdaFisherW', 'Adam', 'AdamW', 'SGD', 'K-FAC', 'Shampoo', 'AdaHessian']);
  for (const label of ['K-FAC', 'Shampoo', 'AdaHessian']) {
    await newRun.selectOption({ label });
    await panel.getByRole('button', { name: 'Add run' }).click();
  }
  await expect(panel.locator('[data-testid^="run-card-"]')).toHaveCount(5);

  // K-FAC: the paper's CNN settings; the notebook-only fields say so; a damping of 0 is refused with the range.
  const kfac = panel.getByTestId('run-card-kfac');
  await expect(kfac.getByRole('combobox', { name: 'Optimizer', exact: true })).toHaveValue('kfac');
  await expect(kfac.getByRole('textbox', { name: 'Learning rate' })).toHaveValue('0.3');
  await expect(kfac.getByRole('combobox', { name: 'Variant' })).toHaveValue('asdl');
  await expect(kfac.locator('.run-field-only')).toHaveText([' · notebook variant only', ' · notebook variant only', ' · notebook variant only']);
  const damping = kfac.getByRole('textbox', { name: 'Damping λ' });
  await expect(damping).toHaveValue('0.001');
  await damping.fill('0');
  await expect(kfac.getByRole('alert')).toHaveText('must be > 0 (got 0). Still using 0.001.');
  await kfac.screenshot({ path: testInfo.outputPath('kfac-damping-refused.png') });
  await damping.press('Escape');
  await expect(kfac.getByRole('alert')).toHaveCount(0);
  await kfac.getByRole('textbox', { name: 'Interval', exact: true }).fill('0');
  await expect(kfac.getByRole('alert')).toHaveText('must be > 0 (got 0). Still using 10.');
  await kfac.getByRole('textbox', { name: 'Interval', exact: true }).fill('5');
  await kfac.getByRole('combobox', { name: 'Variant' }).selectOption('notebook');

  // Shampoo: the clip must be positive; cnn-small's factor limit.
  const shampoo = panel.getByTestId('run-card-shampoo');
  await expect(shampoo.getByRole('textbox', { name: 'Max factor dim' })).toHaveValue('1024');
  await shampoo.getByRole('textbox', { name: 'Gradient clip' }).fill('-1');
  await expect(shampoo.getByRole('alert')).toHaveText('must be > 0 (got -1). Still using 1.');
  await shampoo.getByRole('textbox', { name: 'Gradient clip' }).fill('2');

  // AdaHessian: the Hessian power lies in (0, 1].
  const adahessian = panel.getByTestId('run-card-adahessian');
  const power = adahessian.getByRole('textbox', { name: 'Hessian power k' });
  await power.fill('1.5');
  await expect(adahessian.getByRole('alert')).toHaveText('must be in (0, 1] (got 1.5). Still using 1.');
  await power.fill('0.5');
  await expect(adahessian.getByRole('alert')).toHaveCount(0);

  // The YAML export and the link carry every edited value.
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export YAML' }).click()]);
  const yaml = readFileSync((await download.path())!, 'utf8');
  expect(yaml).toContain('type: kfac, variant: notebook, lr: 0.3');
  expect(yaml).toContain('interval: 5');
  expect(yaml).toContain('clip: 2, max_factor_dim: 1024');
  expect(yaml).toContain('hessian_power: 0.5');
  await panel.getByRole('button', { name: 'Copy link' }).click();
  const link = new URL(await panel.getByTestId('share-link').inputValue());
  await page.goto('about:blank');
  await openPlayground(page, `${link.pathname}${link.search}`);
  const shared = setupPanel(page);
  await expect(shared.locator('[data-testid^="run-card-"]')).toHaveCount(5);
  await expect(shared.getByTestId('run-card-kfac').getByRole('combobox', { name: 'Variant' })).toHaveValue('notebook');
  await expect(shared.getByTestId('run-card-kfac').getByRole('textbox', { name: 'Interval', exact: true })).toHaveValue('5');
  await expect(shared.getByTestId('run-card-shampoo').getByRole('textbox', { name: 'Gradient clip' })).toHaveValue('2');
  await expect(shared.getByTestId('run-card-adahessian').getByRole('textbox', { name: 'Hessian power k' })).toHaveValue('0.5');
  await page.screenshot({ path: testInfo.outputPath('second-order-runs.png'), fullPage: true });
});
