import { expect, test, type Page } from '@playwright/test';
import { epochShardOrder, epochWindows } from '../src/engine/data/stream/shard-stream';
import { fillSetupField, keepRuns, openPlayground } from './page-helpers';
import { serveFolder, tinyCifarArchive, tinyWikitextZip, shardServerForSpec } from './data-fixtures';

const fixture = shardServerForSpec();

test.beforeEach(async ({ page }) => {
  await openPlayground(page);
});

/** One Adam run of `steps` steps at batch 4: enough to see the data path work, quick on SwiftShader. */
async function setUpQuickRun(page: Page, steps: number): Promise<void> {
  await keepRuns(page, ['adam']);
  await fillSetupField(page, 'Batch', '4');
  await fillSetupField(page, 'Steps', String(steps));
}

test('streams CIFAR-10 shards from another host and trains on them', async ({ page }, testInfo) => {
  const manifestUrl = serveFolder(fixture.server(), fixture.shards(), 'stream-ok');
  await page.getByRole('radio', { name: 'CIFAR-10 shards' }).check();
  await page.getByTestId('manifest-url').fill(manifestUrl);
  await setUpQuickRun(page, 3);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  await expect(page.getByTestId('summaries')).toContainText('%'); // evaluated on the streamed test split
  expect(fixture.server().requestCount('stream-ok/manifest.json')).toBe(1);
  expect(fixture.server().requestCount('stream-ok/test-00000.bin') + fixture.server().requestCount('stream-ok/test-00001.bin')).toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('streamed.png'), fullPage: true });
});

test('a manifest that is not there stops training before it starts, with what to do', async ({ page }) => {
  await page.getByRole('radio', { name: 'CIFAR-10 shards' }).check();
  await page.getByTestId('manifest-url').fill(`${fixture.server().url}/nowhere/manifest.json`);
  await setUpQuickRun(page, 3);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const error = page.getByTestId('training-error');
  await expect(error).toContainText('HTTP 404', { timeout: 60_000 });
  await expect(error).toContainText('npm run data');
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  await expect(page.getByTestId('summaries')).toHaveCount(0);
});

test('a shard failing mid-training pauses the session, and Resume carries on once it is back', async ({ page }, testInfo) => {
  const prefix = 'stream-fault';
  serveFolder(fixture.server(), fixture.shards(), prefix);
  // Seed 0's first epoch: the second window of two shards fails (HTTP 500) until the server recovers.
  const secondWindow = epochWindows(epochShardOrder(5, 0, 0, true), 2)[1];
  const failing = secondWindow.map((shard) => `${prefix}/train-${String(shard).padStart(5, '0')}.bin`);
  for (const path of failing) fixture.server().setFault(path, '500');
  await page.getByRole('radio', { name: 'CIFAR-10 shards' }).check();
  await page.getByTestId('manifest-url').fill(`${fixture.server().url}/${prefix}/manifest.json`);
  await setUpQuickRun(page, 4);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const error = page.getByTestId('training-error');
  await expect(error).toContainText('HTTP 500', { timeout: 120_000 });
  await expect(error).toContainText('press Resume');
  await expect(page.getByTestId('training-progress')).toContainText('Step 2 of 4 (paused)');
  await page.screenshot({ path: testInfo.outputPath('paused-on-data-error.png'), fullPage: true });
  for (const path of failing) fixture.server().setFault(path, 'none');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');
  // Asked for before the pause (prefetch and its retry) and again after Resume.
  for (const path of failing) expect(fixture.server().requestCount(path)).toBeGreaterThanOrEqual(3);
});

test('the official archive, chosen with the file dialog, is checked and trained on in the browser', async ({ page }) => {
  await page.getByRole('radio', { name: 'Your files' }).check();
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'cifar-10-binary.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from(await tinyCifarArchive()) });
  await expect(page.getByTestId('data-summary')).toContainText('CIFAR-10: 20 training and 6 test images, 10 classes.', { timeout: 30_000 });
  await setUpQuickRun(page, 3);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-adam')).toContainText('finished');
});

/** Drops files on the page as a person dragging them from the desktop would. */
async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const transfer = await page.evaluateHandle(
    (list) => {
      const data = new DataTransfer();
      for (const { name, bytes } of list) data.items.add(new File([new Uint8Array(bytes)], name));
      return data;
    },
    files.map(({ name, bytes }) => ({ name, bytes: [...bytes] })),
  );
  await page.locator('main').dispatchEvent('drop', { dataTransfer: transfer });
}

test('WikiText-2 dropped on the page is parsed into a word-level vocabulary', async ({ page }) => {
  await dropFiles(page, [{ name: 'wikitext-2-v1.zip', bytes: tinyWikitextZip() }]);
  await expect(page.getByRole('radio', { name: 'Your files' })).toBeChecked();
  // Train: 5 lines, 16 words + 5 <eos>; 13 distinct words plus <eos>.
  await expect(page.getByTestId('data-summary')).toContainText('WikiText-2: a vocabulary of 14 words; 21 training, 6 validation and 6 test tokens.', {
    timeout: 30_000,
  });
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
});

test('a dropped file that is not what its name says is refused with the reason', async ({ page }) => {
  await dropFiles(page, [{ name: 'cifar-10-binary.tar.gz', bytes: new TextEncoder().encode('<html>Not found</html>') }]);
  await expect(page.getByTestId('data-error')).toContainText('gzip', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
});
