import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openPlayground, setupPanel } from './page-helpers';

// The setup's newer pieces, without training: the Iris task with the seed's runs and colours,
// the run colour picker, the loss-landscape block, and all of it through YAML and a link.

test('sets up the Iris task as the seed, with colours and a weights-plane landscape, and carries them through YAML and a link', async ({ page }, testInfo) => {
  await openPlayground(page);
  const panel = setupPanel(page);
  await panel.getByRole('radio', { name: 'Tabular (Iris)' }).check();
  await expect(panel.getByRole('combobox', { name: 'Model', exact: true })).toHaveValue('iris-mlp');
  await expect(panel.getByRole('spinbutton', { name: 'Batch', exact: true })).toHaveValue('10');
  await expect(panel.getByRole('combobox', { name: 'Train for' })).toHaveValue('epochs');
  await expect(panel.getByRole('spinbutton', { name: 'Epochs', exact: true })).toHaveValue('20');
  await expect(panel.getByRole('spinbutton', { name: 'Log every', exact: true })).toHaveValue('15');
  await expect(panel.getByRole('radio', { name: 'Iris (built in)' })).toBeChecked();
  await expect(panel.getByText('The 150 Iris flowers, reduced to 2 PCA components and standardised, built in')).toBeVisible();
  await expect(panel.getByTestId('init-overrides')).toHaveText('Starting values: fc1.weight = (0.2, 0.2).');

  // The seed's colours: AdaFisher black, Adam cyan, as swatches and in the pickers.
  await expect(panel.getByTestId('run-swatch-adafisher')).toHaveCSS('background-color', 'rgb(0, 0, 0)');
  await expect(panel.getByTestId('run-swatch-adam')).toHaveCSS('background-color', 'rgb(0, 255, 255)');
  const adamColour = panel.getByTestId('run-card-adam').getByLabel('Colour');
  await expect(adamColour).toHaveValue('#00ffff');
  await adamColour.fill('#ff8800');
  await expect(panel.getByTestId('run-swatch-adam')).toHaveCSS('background-color', 'rgb(255, 136, 0)');

  // The landscape block: the plane of fc1's two weights, one snapshot an epoch.
  const landscape = panel.getByTestId('landscape-setup');
  await expect(landscape.getByRole('checkbox')).toBeChecked();
  await expect(landscape.getByRole('combobox', { name: 'Plane' })).toHaveValue('weights');
  await expect(landscape.getByLabel('Weight on the x axis')).toHaveValue('fc1.weight[0, 0]');
  await expect(landscape.getByLabel('Weight on the y axis')).toHaveValue('fc1.weight[0, 1]');
  await expect(landscape.getByRole('spinbutton', { name: 'Snapshot every' })).toHaveValue('15');
  await expect(landscape.getByTestId('landscape-live-settings')).toContainText('Grid 31 × 31, evaluation set 150 examples');
  await landscape.getByLabel('Weight on the y axis').fill('fc2.weight[2, 0]');
  await landscape.getByRole('spinbutton', { name: 'GPU share (%)' }).fill('35');
  // Away to PCA and back: the typed names stay.
  await landscape.getByRole('combobox', { name: 'Plane' }).selectOption('pca');
  await expect(landscape.getByLabel('Weight on the x axis')).toHaveCount(0);
  await landscape.getByRole('combobox', { name: 'Plane' }).selectOption('weights');
  await expect(landscape.getByLabel('Weight on the y axis')).toHaveValue('fc2.weight[2, 0]');
  await expect(panel.getByRole('alert', { name: 'Setup problems' })).toHaveCount(0);
  await panel.screenshot({ path: testInfo.outputPath('iris-setup.png') });

  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export YAML' }).click()]);
  const yaml = readFileSync((await download.path())!, 'utf8');
  for (const line of [
    'task: tabular-classification',
    'model: iris-mlp',
    '  fc1.weight: [ 0.2, 0.2 ]',
    '  source: iris',
    '    color: black',
    '    color: "#ff8800"',
    '  plane: weights',
    '  weights: [ "fc1.weight[0, 0]", "fc2.weight[2, 0]" ]',
    '  share: 0.35',
  ])
    expect(yaml.split('\n'), line).toContain(line);

  // The page's own link brings all of it back.
  await panel.getByRole('button', { name: 'Copy link' }).click();
  const link = await panel.getByTestId('share-link').inputValue();
  await openPlayground(page, link.slice(new URL(link).origin.length));
  await expect(page.getByTestId('setup-notice')).toHaveCount(0);
  await expect(panel.getByRole('radio', { name: 'Tabular (Iris)' })).toBeChecked();
  await expect(panel.getByTestId('run-swatch-adam')).toHaveCSS('background-color', 'rgb(255, 136, 0)');
  await expect(panel.getByTestId('landscape-setup').getByLabel('Weight on the y axis')).toHaveValue('fc2.weight[2, 0]');
  await expect(panel.getByTestId('landscape-setup').getByRole('spinbutton', { name: 'GPU share (%)' })).toHaveValue('35');
  await expect(panel.getByTestId('init-overrides')).toHaveText('Starting values: fc1.weight = (0.2, 0.2).');
});

test('switching the landscape off keeps its settings for later and writes enabled: false', async ({ page }) => {
  await openPlayground(page);
  const landscape = setupPanel(page).getByTestId('landscape-setup');
  await expect(landscape.getByRole('combobox', { name: 'Plane' })).toHaveValue('pca');
  await landscape.getByRole('spinbutton', { name: 'Snapshot every' }).fill('25');
  await landscape.getByRole('checkbox').uncheck();
  await expect(landscape.getByRole('combobox', { name: 'Plane' })).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), setupPanel(page).getByRole('button', { name: 'Export YAML' }).click()]);
  const yaml = readFileSync((await download.path())!, 'utf8');
  expect(yaml).toContain('landscape:\n  enabled: false\n  plane: pca\n');
  expect(yaml).toContain('  snapshot_every: 25\n');
  await landscape.getByRole('checkbox').check();
  await expect(landscape.getByRole('spinbutton', { name: 'Snapshot every' })).toHaveValue('25');
});
