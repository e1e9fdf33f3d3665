import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRunConfig, type RunConfig } from '../engine/config/run-config';
import { parseCifarBatch } from '../engine/data/cifar10';
import { irisSet } from '../engine/data/iris';
import { parseManifest } from '../engine/data/manifest';
import { generateSyntheticImages } from '../engine/data/synthetic-images';
import { decodeModelCheckpoint } from '../engine/nn/checkpoint';
import { initialParameters, parameterSpecs } from '../engine/nn/parameters';
import { modelPreset } from '../engine/nn/presets';
import { exportProject, pythonFloats, type ProjectFiles } from './export-project';
import { pythonWithTorch } from './testing/python';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIGS = join(ROOT, 'configs');
const SOURCES = { 'train.py': '"""Trains every run of config.yaml."""\n\nprint("train")\n' };

const text = (files: ProjectFiles, path: string) => {
  const content = files.get(path);
  if (typeof content !== 'string') throw new Error(`${path} is not a text file of the export`);
  return content;
};
const bytes = (files: ProjectFiles, path: string) => {
  const content = files.get(path);
  if (!(content instanceof Uint8Array)) throw new Error(`${path} is not a binary file of the export`);
  return content;
};

function config(overrides: object): RunConfig {
  return parseRunConfig({ steps: 3, runs: [{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }], ...overrides });
}

/** Zero weights of a config's model at GPT-1's vocabulary: quick to make even for gpt1-paper. */
function zeros(setup: RunConfig): Map<string, Float32Array> {
  const graph = modelPreset(setup.model, setup.task === 'language-modeling' ? 40478 : undefined);
  return new Map(parameterSpecs(graph).map((spec) => [spec.name, new Float32Array(spec.shape.reduce((a, b) => a * b, 1))]));
}

describe('exportProject', () => {
  it('writes synthetic images as shards of the records the trainer generates, and config.yaml points at them', async () => {
    const setup = config({ model: 'cnn-small', seed: 4, data: { source: 'synthetic', train_size: 12, test_size: 5 } });
    const { files, warnings } = await exportProject({ config: setup, sources: SOURCES });
    expect(warnings).toEqual([]);
    const manifest = parseManifest(text(files, 'data/synthetic-images/manifest.json'), 'manifest.json');
    expect(manifest).toMatchObject({ kind: 'images', dataset: 'synthetic', splits: { train: { records: 12 }, test: { records: 5 } } });
    const train = parseCifarBatch(bytes(files, 'data/synthetic-images/train-00000.bin'), 'train');
    const generated = generateSyntheticImages(12, 4);
    expect(train.images).toEqual(generated.images);
    expect(train.labels).toEqual(generated.labels);
    const exported = parseRunConfig(parseYaml(text(files, 'config.yaml')));
    expect(exported.data).toMatchObject({ source: 'synthetic', from: 'shards', url: 'data/synthetic-images/manifest.json', train_size: 12 });
    expect(exported.runs[0]).toMatchObject({ name: 'adam', optimizer: { type: 'adam', lr: 1e-3, betas: [0.9, 0.999] }, schedule: { type: 'constant' } });
    expect(text(files, 'train.py')).toBe(SOURCES['train.py']);
    expect(text(files, 'model.py')).toContain('class Model(nn.Module)');
    const readme = text(files, 'README.md');
    expect(readme).toContain('python3 train.py');
    expect(readme).toContain('torchrun --nproc_per_node=2 train.py');
    expect(readme).toContain('torch>=1.13');
    expect(readme).toContain('| `train.py` | Trains every run of config.yaml. |');
    expect(readme).not.toContain('Files to add');
  });

  it("writes the trainer's initial weights with the config's init overrides, or the given ones", async () => {
    const setup = config({ task: 'tabular-classification', model: 'iris-mlp', data: { source: 'iris' }, init: { 'fc1.weight': [0.2, 0.2] } });
    const { files, graph } = await exportProject({ config: setup, sources: {} });
    const state = decodeModelCheckpoint(graph, bytes(files, 'init.safetensors'));
    const expected = initialParameters(graph, setup.seed);
    expect([...state.values.get('fc1.weight')!]).toEqual([Math.fround(0.2), Math.fround(0.2)]);
    expect(state.values.get('fc2.weight')).toEqual(expected.get('fc2.weight'));
    const given = new Map([...expected].map(([name, values]) => [name, values.map((v) => v + 1)]));
    const fromGiven = await exportProject({ config: setup, sources: {}, initial: given });
    expect(decodeModelCheckpoint(graph, bytes(fromGiven.files, 'init.safetensors')).values.get('fc2.bias')).toEqual(given.get('fc2.bias'));
    await expect(exportProject({ config: setup, sources: {}, initial: new Map([['conv1.weight', new Float32Array(3)]]) })).rejects.toThrow(
      /not iris-mlp's:\n {2}- fc1.bias is missing[\s\S]*conv1.weight is not a tensor of iris-mlp/,
    );
    // Iris as the trainer feeds it: float32 values that read back exactly.
    const rows = text(files, 'data/iris/iris.csv').trim().split('\n').slice(2);
    expect(rows).toHaveLength(150);
    const set = irisSet();
    expect(rows[7].split(',').map(Number)).toEqual([set.inputs[14], set.inputs[15], set.labels[7]]);
  });

  it('writes synthetic text as token shards with its vocabulary, and builds the model for that vocabulary', async () => {
    const setup = config({ task: 'language-modeling', model: 'gpt1-tiny', data: { source: 'synthetic', train_size: 30, test_size: 10 } });
    const { files, graph, warnings } = await exportProject({ config: setup, sources: {} });
    expect(warnings).toEqual([]);
    const manifest = parseManifest(text(files, 'data/synthetic-text/manifest.json'), 'manifest.json');
    if (manifest.kind !== 'tokens' || manifest.tokenizer === 'gpt1-bpe') throw new Error('expected a word-level token manifest');
    expect(graph.classes).toBe(manifest.vocabulary.size);
    expect(new TextDecoder().decode(bytes(files, 'data/synthetic-text/vocab.txt')).split('\n')).toContain('<eos>');
    expect(text(files, 'model.py')).toContain(`nn.Embedding(${manifest.vocabulary.size}, 128)`);
  });

  it('says where the project expects data it cannot carry, in the warnings and the README', async () => {
    const dropped = config({ data: { source: 'cifar10', from: 'files' } });
    const { files, warnings } = await exportProject({ config: dropped, sources: {} });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^data\/cifar10\/manifest.json: the page read cifar10 from dropped files.*npm run data -- cifar10 --from cifar-10-binary.tar.gz --out <project>\/data\/cifar10/,
    );
    expect(text(files, 'README.md')).toContain(warnings[0]);
    expect(parseRunConfig(parseYaml(text(files, 'config.yaml'))).data).toMatchObject({ source: 'cifar10', from: 'shards', url: 'data/cifar10/manifest.json' });

    const paper = parseRunConfig(parseYaml(readFileSync(join(CONFIGS, 'gpt1-paper-adamw.yaml'), 'utf8')));
    const exported = await exportProject({ config: paper, sources: {}, initial: zeros(paper) });
    expect(exported.graph.classes).toBe(40478);
    expect(exported.warnings.map((w) => w.split(':')[0])).toEqual(['data/wikitext2-gpt1/manifest.json', 'model.py and init.safetensors']);
    // Without weights that hold GPT-1's tables, init.safetensors has random ones, and says so.
    const tiny = config({ task: 'language-modeling', model: 'gpt1-tiny', data: { source: 'wikitext2' }, embeddings: { from: 'gpt1' } });
    const withoutTables = await exportProject({ config: tiny, sources: {} });
    expect(withoutTables.warnings.at(-1)).toMatch(/^init.safetensors: holds N\(0, 0.02\) token and position tables, not GPT-1's/);
  });
});

describe('pythonFloats', () => {
  it('writes exponents as YAML 1.1 floats', () => {
    expect(pythonFloats('lr: 1e-8\neps:  2.5e-7\nbetas:\n  - 1e+21\n  - 0.9\nname: 1e-3x\n')).toBe(
      'lr: 1.0e-8\neps:  2.5e-7\nbetas:\n  - 1.0e+21\n  - 0.9\nname: 1e-3x\n',
    );
  });
});

describe('the export of every config in configs/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'export-configs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const names = readdirSync(CONFIGS).filter((name) => name.endsWith('.yaml'));

  it('succeeds, and every Python file of it compiles', async () => {
    const python = pythonWithTorch();
    const pythonFiles: string[] = [];
    const configs: { path: string; config: RunConfig }[] = [];
    for (const name of names) {
      // Small sets, so that the export of 26 configs stays quick; the sizes do not change any file but the data.
      const raw = parseYaml(readFileSync(join(CONFIGS, name), 'utf8')) as { data?: object };
      const setup = parseRunConfig({ ...raw, data: { ...raw.data, train_size: 20, test_size: 10 } });
      // gpt1-paper's seeded initialisation of 38 million weights takes seconds; its zeros export the same files otherwise.
      const initial = setup.model === 'gpt1-paper' ? zeros(setup) : undefined;
      const { files } = await exportProject({ config: setup, sources: SOURCES, initial });
      const exported = parseRunConfig(parseYaml(text(files, 'config.yaml')));
      expect(exported.runs).toEqual(setup.runs);
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'config.yaml'), text(files, 'config.yaml'));
      configs.push({ path: join(dir, name, 'config.yaml'), config: exported });
      for (const [path, content] of files) {
        if (!path.endsWith('.py')) continue;
        const target = join(dir, name, path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
        pythonFiles.push(target);
      }
    }
    expect(pythonFiles.length).toBeGreaterThanOrEqual(2 * names.length);
    const compiled = spawnSync(python, ['-m', 'py_compile', ...pythonFiles], { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    // PyYAML (YAML 1.1) reads every config.yaml as the playground does: numbers as numbers.
    const read = spawnSync(
      python,
      ['-c', 'import json, sys, yaml\nprint(json.dumps([yaml.safe_load(open(p)) for p in sys.argv[1:]]))', ...configs.map((c) => c.path)],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    if (read.status !== 0) throw new Error(`${python} could not read the exported config.yaml files with PyYAML:\n${read.stderr}`);
    expect(JSON.parse(read.stdout)).toEqual(configs.map((c) => JSON.parse(JSON.stringify(c.config))));
  }, 60_000);
});
