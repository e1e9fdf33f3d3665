import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../src/engine/checkpoint/safetensors';
import { initialParameters } from '../src/engine/nn/parameters';
import { modelPreset } from '../src/engine/nn/presets';
import { runTool } from './data-fixtures';
import { fillSetupField, keepRuns, openPlayground, setupPanel, startSession } from './page-helpers';

test('npm run train trains gpt1-tiny on the built-in corpus and reports validation and test perplexity', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lm-'));
  const result = await runTool(['scripts/train.ts', '--config', 'configs/gpt1-tiny-adafisherw.yaml', '--steps', '3', '--batch', '2', '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(/validation perplexity \d+\.\d+\s+test perplexity \d+\.\d+/);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('step,epoch,train_loss,train_accuracy,lr,ms_per_step,tokens_per_second,wall_time,val_loss,val_perplexity,test_loss,test_perplexity');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ steps: 3, state: 'finished', optimizer: 'adafisherw' });
  // Better than guessing uniformly among the corpus's words, and exp of the test loss.
  expect(summary.test_perplexity).toBeGreaterThan(1);
  expect(summary.test_perplexity).toBeCloseTo(Math.exp(summary.test_loss), 2);
  expect(summary.val_perplexity).toBeGreaterThan(1);
});

test('the page trains a language model on the built-in text and samples from it', async ({ page }, testInfo) => {
  await openPlayground(page);
  const panel = setupPanel(page);
  await panel.getByRole('radio', { name: 'Language modelling' }).check();
  await expect(panel.getByRole('combobox', { name: 'Model', exact: true })).toHaveValue('gpt1-tiny');
  await expect(panel.getByTestId('run-card-adafisherw')).toBeVisible();
  await keepRuns(page, ['adafisherw']);
  await fillSetupField(page, 'Batch', '2');
  await fillSetupField(page, 'Steps', '3');
  await startSession(page);
  const summaries = page.getByTestId('summaries');
  await expect(summaries).toBeVisible({ timeout: 170_000 });
  await expect(summaries).toContainText('Perplexity (validation, test)');
  await expect(summaries.getByRole('row').nth(1)).toContainText(/\d+\.\d, \d+\.\d/);

  await page.getByLabel('Prompt').fill('the dog');
  await page.getByLabel('Tokens (1–1000)').fill('5');
  await page.getByRole('button', { name: 'Generate' }).click();
  const sample = page.getByTestId('sample-text');
  await expect(sample).toContainText('the dog', { timeout: 60_000 });
  // Five generated words (or line breaks) after the prompt.
  const generated = (await sample.innerText())
    .replace(/^the dog/, '')
    .trim()
    .split(/\s+/);
  expect(generated.length).toBeGreaterThanOrEqual(1);
  expect(generated.length).toBeLessThanOrEqual(5);
  await page.screenshot({ path: testInfo.outputPath('language-model.png'), fullPage: true });
});

test('the page trains a language model whose embeddings a parameter group freezes: they come back unchanged, the rest moves', async ({ page }) => {
  await openPlayground(page);
  const panel = setupPanel(page);
  await panel.getByRole('radio', { name: 'Language modelling' }).check();
  await keepRuns(page, ['adafisherw']);
  await fillSetupField(page, 'Batch', '2');
  await fillSetupField(page, 'Steps', '3');
  await panel.getByRole('button', { name: 'Add a parameter group to adafisherw' }).click();
  const group = panel.getByTestId('param-group-0');
  await group.getByLabel('Names').fill('tok_emb.*, pos_emb.*');
  await group.getByLabel('Frozen').check();
  await startSession(page);
  await expect(page.getByTestId('summaries')).toBeVisible({ timeout: 170_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Weights of adafisherw' }).click()]);
  const { tensors } = decodeSafetensors(readFileSync((await download.path())!));
  // The page's runs start from the seeded initialisation of the config (seed 0 by default), on the built-in corpus's vocabulary.
  const vocab = tensors['tok_emb.weight'].shape[0];
  const initial = initialParameters(modelPreset('gpt1-tiny', vocab), 0);
  expect(Array.from(tensors['tok_emb.weight'].data as Float32Array)).toEqual(Array.from(initial.get('tok_emb.weight')!));
  expect(Array.from(tensors['pos_emb.weight'].data as Float32Array)).toEqual(Array.from(initial.get('pos_emb.weight')!));
  expect(Array.from(tensors['blocks.0.attn.q.weight'].data as Float32Array)).not.toEqual(Array.from(initial.get('blocks.0.attn.q.weight')!));
});
