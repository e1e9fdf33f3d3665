import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/engine/config/run-config';
import { encodeSafetensors } from '../../src/engine/checkpoint/safetensors';
import { decodeModelCheckpoint, encodeModelCheckpoint } from '../../src/engine/nn/checkpoint';
import { initialParameters } from '../../src/engine/nn/parameters';
import { modelPreset } from '../../src/engine/nn/presets';
import { parseExportArgs, UsageError } from './options';
import { readPythonSources, runExport } from './run';

const dir = mkdtempSync(join(tmpdir(), 'export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseExportArgs', () => {
  it('reads the options, and --help', () => {
    expect(parseExportArgs(['--help'])).toBeNull();
    const options = parseExportArgs(['--config', 'configs/gpt1-paper-adamw.yaml', '--out', join(dir, 'p'), '--vocabulary', '40479']);
    expect(options).toMatchObject({ out: join(dir, 'p'), init: null, vocabulary: 40479, config: { model: 'gpt1-paper' } });
  });

  it('refuses what it cannot use, naming the flag', () => {
    const usage = (argv: string[]) => () => parseExportArgs(argv);
    expect(usage(['--out', dir])).toThrow(UsageError);
    expect(usage(['--out', dir])).toThrow('--config is required');
    expect(usage(['--config', 'configs/cnn-small-adam.yaml'])).toThrow('--out is required');
    expect(usage(['--config', 'configs/nope.yaml', '--out', dir])).toThrow('Config file not found: configs/nope.yaml');
    expect(usage(['--config', 'configs/cnn-small-adam.yaml', '--out', dir, '--init', 'nope.safetensors'])).toThrow('--init not found: nope.safetensors');
    expect(usage(['--config', 'configs/cnn-small-adam.yaml', '--out', dir, '--vocabulary', '7'])).toThrow('--vocabulary is for language models');
    expect(usage(['--config', 'configs/gpt1-tiny-adamw.yaml', '--out', dir, '--vocabulary', 'x'])).toThrow('--vocabulary must be a whole number >= 2, got "x"');
    expect(usage(['--config', 'configs/cnn-small-adam.yaml', '--out', dir, '--steps', '3'])).toThrow(/Unknown option '--steps'.*--help/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'model: cnn-small\nruns: []\n');
    expect(usage(['--config', bad, '--out', dir])).toThrow(ConfigError);
  });
});

describe('npm run export', () => {
  it('writes the project, with the given starting weights and the notes on data it cannot carry', async () => {
    const graph = modelPreset('cnn-small');
    const weights = initialParameters(graph, 99);
    const init = join(dir, 'w.safetensors');
    writeFileSync(init, encodeModelCheckpoint(graph, { values: weights, numBatchesTracked: 0 }));
    const config = join(dir, 'cifar.yaml');
    writeFileSync(config, 'model: cnn-small\nsteps: 2\ndata: { source: cifar10 }\nruns: [{ name: sgd, optimizer: { type: sgd, lr: 0.1 } }]\n');
    const out = join(dir, 'project');
    const lines: string[] = [];
    const sources = { 'train.py': '"""Trains."""\n' };
    expect(await runExport(['--config', config, '--out', out, '--init', init], { log: (line) => lines.push(line), sources })).toBe(0);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe(sources['train.py']);
    expect(existsSync(join(out, 'model.py'))).toBe(true);
    expect(decodeModelCheckpoint(graph, readFileSync(join(out, 'init.safetensors'))).values.get('fc.bias')).toEqual(weights.get('fc.bias'));
    expect(lines[0]).toBe(`cnn-small: 5 files -> ${out}`);
    expect(lines[1]).toContain(
      `note: data/cifar10/manifest.json: the export does not copy datasets. Write the shards there with \`npm run data -- cifar10 --out ${out}/data/cifar10\``,
    );
    // A checkpoint of another model is refused with the decoder's reason.
    writeFileSync(init, encodeModelCheckpoint(modelPreset('iris-mlp'), { values: initialParameters(modelPreset('iris-mlp'), 0), numBatchesTracked: 0 }));
    await expect(runExport(['--config', config, '--out', out, '--init', init], { log: () => {}, sources })).rejects.toThrow(
      /^w.safetensors cannot start cnn-small: /,
    );
  });

  it("puts GPT-1's tables from --embeddings into init.safetensors, as the trainer does", async () => {
    const config = join(dir, 'lm.yaml');
    writeFileSync(
      config,
      'task: language-modeling\nmodel: gpt1-tiny\nsteps: 2\ndata: { source: wikitext2 }\nembeddings: { from: gpt1 }\nruns: [{ name: a, optimizer: { type: adamw, lr: 0.1 } }]\n',
    );
    const width = 128;
    const tokens = Float32Array.from({ length: 10 * width }, (_, i) => i / 7);
    const positions = Float32Array.from({ length: 512 * width }, (_, i) => -i / 3);
    const file = join(dir, 'gpt1.safetensors');
    writeFileSync(
      file,
      encodeSafetensors({
        'tokens_embed.weight': { dtype: 'F32', shape: [10, width], data: tokens },
        'positions_embed.weight': { dtype: 'F32', shape: [512, width], data: positions },
      }),
    );
    const out = join(dir, 'lm');
    const lines: string[] = [];
    await runExport(['--config', config, '--out', out, '--embeddings', file, '--vocabulary', '11'], { log: (line) => lines.push(line), sources: {} });
    const state = decodeModelCheckpoint(modelPreset('gpt1-tiny', 11), readFileSync(join(out, 'init.safetensors')));
    const table = state.values.get('tok_emb.weight')!;
    expect(table.subarray(0, 10 * width)).toEqual(tokens);
    expect(table.subarray(10 * width).every((v) => v === 0)).toBe(true);
    expect(state.values.get('pos_emb.weight')).toEqual(positions.subarray(0, 64 * width));
    expect(lines.join('\n')).not.toContain("not GPT-1's");
    await expect(runExport(['--config', join(dir, 'cifar.yaml'), '--out', out, '--embeddings', file], { log: () => {} })).rejects.toThrow(
      '--embeddings needs a config with embeddings',
    );
  });

  it('reads every .py file of a sources folder', () => {
    writeFileSync(join(dir, 'a.py'), 'x = 1\n');
    writeFileSync(join(dir, 'notes.txt'), 'no');
    expect(readPythonSources(dir)).toEqual({ 'a.py': 'x = 1\n' });
    expect(readPythonSources(join(dir, 'missing'))).toEqual({});
  });
});
