import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { openPlayground, setupPanel } from './page-helpers';

test('exports the setup as a PyTorch project zip, with the built-in data and the commands', async ({ page }) => {
  await openPlayground(page);
  const panel = setupPanel(page);
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export to PyTorch' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^cnn-small-pytorch-\d{4}-\d{2}-\d{2}\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const folder = download.suggestedFilename().replace(/\.zip$/, '');
  const names = Object.keys(files).map((name) => name.slice(folder.length + 1));
  expect(names).toEqual(expect.arrayContaining(['model.py', 'config.yaml', 'init.safetensors', 'README.md', 'data/synthetic-images/manifest.json']));
  expect(strFromU8(files[`${folder}/model.py`])).toContain('class Model(nn.Module)');
  expect(strFromU8(files[`${folder}/config.yaml`])).toContain('url: data/synthetic-images/manifest.json');
  await expect(panel.getByTestId('pytorch-export-status')).toContainText('torchrun --nproc_per_node=2 train.py');
});
