import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { shareLink } from '../src/ui/share-url';
import { defaultSetup, type Setup } from '../src/ui/setup';
import { openPlayground, setupPanel } from './page-helpers';

/** A setup unlike the defaults: SGD with Nesterov and AdamW, 7 steps of resnet-mini at batch 16, seed 4. */
function sharedSetup(): Setup {
  const setup = defaultSetup('image-classification');
  return {
    ...setup,
    model: 'resnet-mini',
    batchSize: 16,
    length: { unit: 'steps', value: 7 },
    seed: 4,
    runs: [
      {
        name: 'sgd-nesterov',
        optimizer: { type: 'sgd', lr: 0.02, momentum: 0.9, dampening: 0, nesterov: true, weight_decay: 5e-4 },
        schedule: { type: 'cosine', warmup_steps: 2, final_fraction: 0 },
      },
      {
        name: 'adamw',
        optimizer: { type: 'adamw', lr: 3e-4, betas: [0.9, 0.99], eps: 1e-8, weight_decay: 0.05 },
        schedule: { type: 'constant', warmup_steps: 0, final_fraction: 0 },
      },
    ],
  };
}

test('a shared link reproduces its setup', async ({ page }, testInfo) => {
  const link = shareLink(sharedSetup(), 'http://localhost:4173/');
  await openPlayground(page, link.replace('http://localhost:4173', ''));
  const panel = setupPanel(page);
  await expect(panel.locator('[data-testid^="run-card-"]')).toHaveCount(2);
  await expect(panel.getByTestId('run-card-sgd-nesterov')).toBeVisible();
  await expect(panel.getByTestId('run-card-adamw')).toBeVisible();
  await expect(panel.getByRole('combobox', { name: 'Model', exact: true })).toHaveValue('resnet-mini');
  await expect(panel.getByRole('spinbutton', { name: 'Steps', exact: true })).toHaveValue('7');
  await expect(panel.getByRole('spinbutton', { name: 'Batch', exact: true })).toHaveValue('16');
  await expect(panel.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue('4');
  await expect(page.getByTestId('setup-notice')).toHaveCount(0);

  // The page's own link and YAML export give the same setup back.
  await panel.getByRole('button', { name: 'Copy link' }).click();
  await expect(panel.getByTestId('share-link')).toHaveValue(/setup=/);
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export YAML' }).click()]);
  const yaml = readFileSync((await download.path())!, 'utf8');
  expect(yaml).toContain('model: resnet-mini');
  expect(yaml).toContain('sgd-nesterov');
  expect(yaml).toContain('nesterov: true');
  await page.screenshot({ path: testInfo.outputPath('shared-setup.png'), fullPage: true });
});

test('a link with a bad setup parameter gets a clear message, and the page still works', async ({ page }, testInfo) => {
  await openPlayground(page, '/?setup=this-is-not-a-setup');
  const notice = page.getByTestId('setup-notice');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(/link/i);
  await expect(notice).toContainText('kept your previous setup');
  await expect(setupPanel(page).locator('[data-testid^="run-card-"]').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('bad-link.png'), fullPage: true });

  // A link whose setup decodes but breaks the schema names the field and its range.
  const invalid = shareLink({ ...sharedSetup(), batchSize: 0 }, 'http://localhost:4173/');
  await openPlayground(page, invalid.replace('http://localhost:4173', ''));
  await expect(page.getByTestId('setup-notice')).toContainText('batch_size: must be > 0 (got 0)');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('setup-notice')).toHaveCount(0);
});

test('a remembered setup that no longer passes the schema is dropped with a notice', async ({ page }) => {
  await page.addInitScript(() => {
    // Once per test, before the page's first script: a setup with a batch size of 0.
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    localStorage.setItem('adafisher-playground:setup', JSON.stringify({ task: 'image-classification', model: 'cnn-small', batch_size: 0, steps: 5, runs: [] }));
  });
  await openPlayground(page);
  await expect(page.getByTestId('setup-notice')).toContainText('remembered from your last visit');
  await expect(page.getByTestId('setup-notice')).toContainText('batch_size');
  // The page starts from the defaults, and has forgotten the bad entry.
  await expect(setupPanel(page).getByTestId('run-card-adafisher')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('setup-notice')).toHaveCount(0);
});
