import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/engine/config/run-config';
import { EMBEDDINGS_FILE, INIT_FILE, parseTrainArgs, TRAIN_HELP, UsageError } from './options';

const CONFIG = 'configs/cnn-small-adam.yaml';
const TEXT_CONFIG = 'configs/gpt1-tiny-adamw.yaml';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'train-options-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('parseTrainArgs', () => {
  it('reads the config, with the output folder named after it', () => {
    const options = parseTrainArgs(['--config', CONFIG])!;
    expect(options).toMatchObject({ configName: 'cnn-small-adam', out: join('runs', 'cnn-small-adam'), init: null });
    expect(options.config).toMatchObject({ model: 'cnn-small', batch_size: 256, epochs: 200, data: { source: 'synthetic' } });
    expect(options.files.size + options.folders.size).toBe(0);
  });

  it('overrides steps (instead of epochs) and the batch size', () => {
    const { config } = parseTrainArgs(['--config', CONFIG, '--steps', '7', '--batch', '16', '--out', 'elsewhere'])!;
    expect(config).toMatchObject({ steps: 7, batch_size: 16 });
    expect(config.epochs).toBeUndefined();
    expect(() => parseTrainArgs(['--config', CONFIG, '--steps', '0'])).toThrow(new UsageError('--steps must be a positive whole number, got "0"'));
    expect(() => parseTrainArgs(['--config', CONFIG, '--batch', '2.5'])).toThrow(UsageError);
  });

  it('streams the shards of a manifest URL or of a local folder served to the page', () => {
    const remote = parseTrainArgs(['--config', CONFIG, '--data', 'https://example.org/cifar10/manifest.json'])!;
    expect(remote.config.data).toMatchObject({ source: 'cifar10', from: 'shards', url: 'https://example.org/cifar10/manifest.json' });
    const shards = folder({ 'manifest.json': '{}' });
    const local = parseTrainArgs(['--config', TEXT_CONFIG, '--data', shards])!;
    expect(local.config.data).toMatchObject({ source: 'wikitext2', from: 'shards', url: '/__local-files/shards/manifest.json' });
    expect(local.folders.get('shards')).toBe(resolve(shards));
  });

  it('reads the official files of a folder or an archive, and the initial weights', () => {
    const batches = folder({ 'data_batch_1.bin': '', 'test_batch.bin': '', 'readme.html': '' });
    const weights = join(folder({ 'w.safetensors': '' }), 'w.safetensors');
    const options = parseTrainArgs(['--config', CONFIG, '--data', batches, '--init', weights])!;
    expect(options.config.data).toMatchObject({ source: 'cifar10', from: 'files' });
    expect([...options.files.keys()].sort()).toEqual([INIT_FILE, 'data_batch_1.bin', 'test_batch.bin'].sort());
    expect(options.init).toBe(weights);
    const archive = join(folder({ 'cifar-10-binary.tar.gz': '' }), 'cifar-10-binary.tar.gz');
    expect([...parseTrainArgs(['--config', CONFIG, '--data', archive])!.files.keys()]).toEqual(['cifar-10-binary.tar.gz']);
  });

  it('says what is wrong with the command line', () => {
    expect(parseTrainArgs(['--help'])).toBeNull();
    expect(TRAIN_HELP).toContain('--data PATH|URL');
    expect(() => parseTrainArgs([])).toThrow('--config is required');
    expect(() => parseTrainArgs(['--config', 'configs/absent.yaml'])).toThrow('Config file not found: configs/absent.yaml');
    expect(() => parseTrainArgs(['--config', CONFIG, '--data', join(folder(), 'absent')])).toThrow('--data not found');
    const empty = folder();
    mkdirSync(join(empty, 'sub'));
    expect(() => parseTrainArgs(['--config', CONFIG, '--data', empty])).toThrow('holds no manifest.json and no dataset files');
    expect(() => parseTrainArgs(['--config', CONFIG, '--init', join(empty, 'none.safetensors')])).toThrow('--init not found');
    const broken = join(folder({ 'bad.yaml': 'runs: [' }), 'bad.yaml');
    expect(() => parseTrainArgs(['--config', broken])).toThrow(/bad\.yaml is not valid YAML/);
    const invalid = join(folder({ 'invalid.yaml': 'steps: 1\nruns: []\n' }), 'invalid.yaml');
    expect(() => parseTrainArgs(['--config', invalid])).toThrow(ConfigError);
  });

  it('reads --embeddings for a config with embeddings: { from: gpt1 }, and refuses it without one', () => {
    const dir = folder({
      'paper.yaml':
        'task: language-modeling\nmodel: gpt1-paper\nsteps: 1\nembeddings: { from: gpt1 }\nruns: [{ name: a, optimizer: { type: adamw, lr: 1.0e-5 } }]\n',
      'model.safetensors': 'x',
    });
    const options = parseTrainArgs(['--config', join(dir, 'paper.yaml'), '--embeddings', join(dir, 'model.safetensors')])!;
    expect(options.embeddings).toBe(join(dir, 'model.safetensors'));
    expect(options.files.get(EMBEDDINGS_FILE)).toBe(resolve(dir, 'model.safetensors'));
    expect(() => parseTrainArgs(['--config', TEXT_CONFIG, '--embeddings', join(dir, 'model.safetensors')])).toThrow(
      new UsageError('--embeddings needs a config with embeddings: { from: gpt1 } (the tables it reads)'),
    );
    expect(() => parseTrainArgs(['--config', join(dir, 'paper.yaml'), '--embeddings', join(dir, 'missing.safetensors')])).toThrow(/--embeddings not found/);
    writeFileSync(join(dir, 'images.yaml'), 'steps: 1\nembeddings: { from: gpt1 }\nruns: [{ name: a, optimizer: { type: sgd, lr: 0.1 } }]\n');
    expect(() => parseTrainArgs(['--config', join(dir, 'images.yaml')])).toThrow(/embeddings: pretrained embeddings are for language models/);
  });
});
