import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/run-config';
import { IGNORE_TARGET } from '../../kernels/cross-entropy/cross-entropy-labels';
import { expectDatasetError } from '../../testing/data/dataset-errors';
import { gpt1BpeFixture, uploadFixture, type Gpt1BpeFixture } from '../../testing/data/shard-fixtures';
import { startFaultServer, type FaultServer } from '../../testing/fault-server';
import { faultServerClient } from '../../testing/fault-server-client';
import { Gpt1BpeTokenizer } from '../gpt1-bpe';
import { MANIFEST_FILE, type Gpt1BpeManifest } from '../manifest';
import { paperWindows } from '../paper-windows';
import { loadTrainingData } from './training-data-from-config';

const runs = [{ name: 'adamw', optimizer: { type: 'adamw', lr: 1e-3 } }];
const noProgress = () => undefined;
// 13 ids a sentence: 312 training ids, 4 full windows of gpt1-tiny's context, 64.
const TEXT = {
  train: 'The lower cat, the newest 1999 cat! '.repeat(24),
  validation: 'the cat was lower.',
  test: 'the newest cat. '.repeat(20),
};

function config(url: string, batchSize = 2) {
  return parseRunConfig({
    task: 'language-modeling',
    model: 'gpt1-tiny',
    batch_size: batchSize,
    steps: 1,
    data: { source: 'wikitext2', from: 'shards', url },
    runs,
  });
}

describe('GPT-1 BPE token shards as training data', () => {
  let server: FaultServer;
  let fixture: Gpt1BpeFixture;
  beforeAll(async () => {
    server = await startFaultServer();
    fixture = await gpt1BpeFixture(TEXT);
  });
  afterAll(() => server.close());

  it('builds the tokenizer from the files next to the manifest and cuts every split into the paper windows of the context', async () => {
    const url = await uploadFixture(faultServerClient(server.url), 'bpe-ok/', fixture);
    const data = await loadTrainingData(config(url), [], noProgress);
    expect(data.vocabulary).toBeInstanceOf(Gpt1BpeTokenizer);
    expect(data.classes).toBe(fixture.tokenizer.size);
    const train = fixture.ids.train;
    expect(train.length).toBeGreaterThanOrEqual(4 * 64 + 1);
    expect(train.length).toBeLessThan(5 * 64 + 1);
    expect(data).toMatchObject({ task: 'language-modeling', stepsPerEpoch: 2, trainExamples: 4 });

    const batch = await data.nextBatch();
    expect(batch.inputs).toHaveLength(2 * 64);
    for (let row = 0; row < 2; row++) {
      const inputs = [...batch.inputs.subarray(row * 64, row * 64 + 64)];
      const targets = [...batch.targets.subarray(row * 64, row * 64 + 64)];
      const start = [0, 64, 128, 192].find((s) => train.slice(s, s + 64).every((id, t) => id === inputs[t]));
      expect(start, `row ${row} is a full window`).toBeDefined();
      expect(targets).toEqual(train.slice(start! + 1, start! + 65));
    }

    // Validation: one short window, padded and masked; the batch's second row is padding.
    const validation = [...data.validationBatches!()].map((b) => ({ size: b.size, targets: [...b.targets] }));
    expect(validation).toHaveLength(1);
    const n = fixture.ids.validation.length;
    expect(validation[0].size).toBe(1);
    expect(validation[0].targets.slice(0, n - 1)).toEqual(fixture.ids.validation.slice(1));
    expect(validation[0].targets.slice(n - 1).every((t) => t === IGNORE_TARGET)).toBe(true);

    const tests = [...data.testBatches()];
    const scored = tests.reduce((sum, b) => sum + [...b.targets].filter((t) => t !== IGNORE_TARGET).length, 0);
    expect(scored).toBe(paperWindows(Uint32Array.from(fixture.ids.test), 64).tokens);

    const set = await data.evaluationSet(3);
    expect([...set.inputs]).toEqual(train.slice(0, 3 * 64));
  });

  it('refuses a tokenizer file whose SHA-256 differs from the manifest’s, naming it', async () => {
    const client = faultServerClient(server.url);
    const url = await uploadFixture(client, 'bpe-hash/', fixture);
    await client.put('bpe-hash/merges.txt', `${new TextDecoder().decode(fixture.files.get('merges.txt'))}n e\n`);
    await expectDatasetError(loadTrainingData(config(url), [], noProgress), 'hash', [
      'tiny-bpe GPT-1 merges',
      'bpe-hash/merges.txt',
      `the manifest says ${(fixture.manifest as Gpt1BpeManifest).merges.sha256}`,
      'merges.txt changed on the server or belongs to another dataset',
      'npm run data',
    ]);
  });

  it('refuses a dataset whose vocab.json is missing, naming it', async () => {
    const client = faultServerClient(server.url);
    const files = new Map(fixture.files);
    files.delete('vocab.json');
    const url = await uploadFixture(client, 'bpe-missing/', { ...fixture, files });
    await expectDatasetError(loadTrainingData(config(url), [], noProgress), 'http', ['tiny-bpe GPT-1 vocabulary', 'bpe-missing/vocab.json', 'HTTP 404']);
  });

  it('refuses tokenizer files that give other ids than the manifest says', async () => {
    const client = faultServerClient(server.url);
    const manifest = JSON.parse(new TextDecoder().decode(fixture.files.get(MANIFEST_FILE))) as { vocabulary: { size: number } };
    manifest.vocabulary.size += 1;
    const url = await uploadFixture(client, 'bpe-size/', {
      ...fixture,
      files: new Map([...fixture.files, [MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest))]]),
    });
    await expectDatasetError(loadTrainingData(config(url), [], noProgress), 'manifest', [
      `bpe-size/vocab.json gives ${fixture.tokenizer.size} ids with "<unk>" at ${fixture.tokenizer.unk}`,
      `says ${fixture.tokenizer.size + 1} ids`,
      'npm run data -- wikitext2 --tokenizer gpt1',
    ]);
  });

  it('refuses a training split with fewer full windows than the batch', async () => {
    const url = await uploadFixture(faultServerClient(server.url), 'bpe-small/', fixture);
    await expectDatasetError(loadTrainingData(config(url, 5), [], noProgress), 'too-small', ['4 full windows of 65 (context 64), fewer than the batch size 5']);
  });
});
