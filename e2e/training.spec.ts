import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { chartPoints, fillSetupField, keepRuns, openPlayground, setupPanel, startSession } from './page-helpers';

test.beforeEach(async ({ page }) => {
  await openPlayground(page);
});

test('configures AdaFisher and Adam, starts them, and both curves grow', async ({ page }, testInfo) => {
  const panel = setupPanel(page);
  await expect(panel.getByTestId('run-card-adafisher')).toBeVisible();
  await expect(panel.getByTestId('run-card-adam')).toBeVisible();
  await fillSetupField(page, 'Steps', '20');
  await startSession(page);
  await expect(page.getByTestId('training-progress')).toBeVisible();
  await expect.poll(async () => (await chartPoints(page)).adam ?? 0, { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  // The run info says how long Start took to the first step, and where the time went.
  await expect(page.getByTestId('first-step-adam')).toContainText(/First step \d+\.\d\d s: data \d+\.\d\d, build .* pipelines compiled\)/);
  // Each run's step time, and how it was measured.
  await expect(page.getByTestId('step-time-adam')).toContainText(/\d+\.\d ms\/step \((GPU timestamps|between GPU completions)\)/);
  // Where a step's time goes: every dispatch timed, by phase and layer, while the runs train on.
  await page.getByRole('button', { name: 'Profile a step of adam' }).click();
  await expect(page.getByTestId('profile-adam')).toContainText(/Step \d+: \d+\.\d ms of GPU time over \d+ dispatches, timed (with GPU timestamps|op by op)/, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('profile-adam').getByRole('cell', { name: 'backward', exact: true })).toBeVisible();
  const early = await chartPoints(page);
  await page.screenshot({ path: testInfo.outputPath('training-live.png'), fullPage: true });
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 180_000 });
  const final = await chartPoints(page);
  expect(final.adafisher).toBeGreaterThan(early.adafisher ?? 0);
  expect(final.adam).toBeGreaterThan(early.adam);
  await expect(page.getByTestId('run-adafisher')).toContainText('finished');
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  await expect(page.getByTestId('summaries').getByRole('row')).toHaveCount(3);
  await page.screenshot({ path: testInfo.outputPath('training-finished.png'), fullPage: true });
});

test('pauses and resumes a session, then stops it keeping what was recorded', async ({ page }, testInfo) => {
  await keepRuns(page, ['adam']);
  await fillSetupField(page, 'Steps', '500');
  await startSession(page);
  await expect.poll(async () => (await chartPoints(page)).adam ?? 0, { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('training-progress')).toContainText('paused');
  // The step already submitted when Pause was pressed may still finish; after that nothing moves.
  await page.waitForTimeout(3000);
  const pausedAt = await page.getByTestId('training-progress').innerText();
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('training-progress')).toHaveText(pausedAt);
  await page.screenshot({ path: testInfo.outputPath('paused.png'), fullPage: true });
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(page.getByTestId('training-progress')).not.toHaveText(pausedAt, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('run-adam')).toContainText('stopped', { timeout: 60_000 });
  await expect(setupPanel(page).getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
});

test('finds the finished runs and their history after a reload', async ({ page }, testInfo) => {
  await keepRuns(page, ['adam']);
  await fillSetupField(page, 'Steps', '6');
  await startSession(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  const before = await chartPoints(page);
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  await expect(page.getByTestId('summaries')).toBeVisible();
  expect(await chartPoints(page)).toEqual(before);
  // The setup came back too: one run, six steps.
  await expect(setupPanel(page).locator('[data-testid^="run-card-"]')).toHaveCount(1);
  await expect(setupPanel(page).getByRole('spinbutton', { name: 'Steps', exact: true })).toHaveValue('6');
  await page.screenshot({ path: testInfo.outputPath('after-reload.png'), fullPage: true });
});

test('exports the comparison as CSV with a row per logged step of each run', async ({ page }) => {
  await fillSetupField(page, 'Steps', '4');
  await fillSetupField(page, 'Log every', '1');
  await startSession(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^comparison.*\.csv$/);
  const lines = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(lines[0]).toBe('run,step,epoch,train_loss,train_accuracy,lr,ms_per_step,wall_time,test_loss,test_accuracy');
  const rows = lines.slice(1).map((line) => line.split(','));
  expect(rows.map((row) => `${row[0]}:${row[1]}`)).toEqual([
    'adafisher:1',
    'adafisher:2',
    'adafisher:3',
    'adafisher:4',
    'adam:1',
    'adam:2',
    'adam:3',
    'adam:4',
  ]);
  for (const row of rows) expect(Number(row[3])).toBeGreaterThan(0);
  // The last logged step of each run carries its test evaluation.
  expect(rows.filter((row) => row[9] !== '')).toHaveLength(2);

  // PNG: one picture per chart, real PNG files.
  const pictures: string[] = [];
  page.on('download', (file) => pictures.push(file.suggestedFilename()));
  const [first] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
  const bytes = readFileSync((await first.path())!);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await expect.poll(() => pictures.length).toBe(4);
  expect(pictures.every((name) => name.endsWith('.png'))).toBe(true);
});

test('starts one run of the setup alone', async ({ page }) => {
  await fillSetupField(page, 'Steps', '3');
  await setupPanel(page).getByRole('button', { name: 'Start adam alone' }).click();
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  await expect(page.getByTestId('run-adafisher')).toHaveCount(0);
});

test("downloads a run's weights as <run>.safetensors from the worker that trained them", async ({ page }) => {
  await keepRuns(page, ['adam']);
  await fillSetupField(page, 'Steps', '2');
  await startSession(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Weights of adam' }).click()]);
  expect(download.suggestedFilename()).toBe('adam.safetensors');
  // safetensors: a little-endian u64 header length, a JSON header of tensors, then their bytes.
  const bytes = readFileSync((await download.path())!);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const tensors = Object.entries(header).filter(([name]) => name !== '__metadata__');
  expect(tensors.length).toBeGreaterThan(0);
  expect(bytes.length).toBe(8 + headerLength + Math.max(...tensors.map(([, tensor]) => tensor.data_offsets[1])));
  await expect(page.getByRole('button', { name: 'Weights of adam' })).toBeEnabled();
});
