import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModelCheckpoint } from '../engine/nn/checkpoint';
import type { ModelGraph } from '../engine/nn/graph';
import { initialParameters, parameterSpecs } from '../engine/nn/parameters';
import { MODEL_PRESETS, modelPreset, type ModelPresetName } from '../engine/nn/presets';
import { ReferenceModel } from '../engine/nn/reference-model';
import { createRng } from '../engine/random';
import { tinyGpt, tinyGraph, tinyPaperGpt } from '../engine/testing/tiny-graph';
import { modelInfo, modelPy, pyLiteral } from './model-py';
import { pythonWithTorch } from './testing/python';

/** The state_dict PyTorch gives the modules that model.py's __init__ builds, read from the text by PyTorch's rules. */
function stateDictOfSource(source: string): string[] {
  const init = source.slice(source.indexOf('def __init__'), source.indexOf('def forward'));
  const names: string[] = [];
  const lists = new Map<string, number>();
  const pathOf = (access: string) => access.replace(/^self\./, '').replace(/\[(\d+)\]/g, '.$1');
  for (const line of init.split('\n').map((l) => l.trim())) {
    let match = /^(self\S*) = (.*)$/.exec(line);
    let path: string;
    let module: string;
    if (match) {
      path = pathOf(match[1]);
      module = match[2];
    } else if ((match = /^(self\S*)\.append\((.*)\)$/.exec(line))) {
      const list = pathOf(match[1]);
      const index = lists.get(list) ?? 0;
      lists.set(list, index + 1);
      path = `${list}.${index}`;
      module = match[2];
    } else {
      continue;
    }
    const args = /\((\d+)(?:, (\d+))?/.exec(module);
    const [a, b] = [Number(args?.[1]), Number(args?.[2])];
    const kernel = Number(/kernel_size=(\d+)/.exec(module)?.[1]);
    const bias = !module.includes('bias=False');
    const add = (role: string, shape: number[]) => names.push(`${path}.${role} [${shape.join(',')}]`);
    if (module.startsWith('nn.Linear')) {
      add('weight', [b, a]);
      if (bias) add('bias', [b]);
    } else if (module.startsWith('nn.Conv2d')) {
      add('weight', [b, a, kernel, kernel]);
      if (bias) add('bias', [b]);
    } else if (module.startsWith('nn.BatchNorm2d')) {
      for (const role of ['weight', 'bias', 'running_mean', 'running_var']) add(role, [a]);
    } else if (module.startsWith('nn.LayerNorm')) {
      add('weight', [a]);
      add('bias', [a]);
    } else if (module.startsWith('nn.Embedding')) {
      add('weight', [a, b]);
    } else if (module.startsWith('nn.ModuleList') || module.startsWith('Container')) {
      lists.set(path, 0);
    } else if (module.startsWith('nn.ReLU') || module.startsWith('nn.MaxPool2d')) {
      continue; // no parameters
    } else {
      throw new Error(`unexpected module in model.py: ${line}`);
    }
  }
  return names;
}

const specList = (graph: ModelGraph) => parameterSpecs(graph).map((spec) => `${spec.name} [${spec.shape.join(',')}]`);

const presets = Object.keys(MODEL_PRESETS) as ModelPresetName[];

describe('model.py', () => {
  it.each(presets)('%s: the modules __init__ builds have the playground state_dict, in its order', (preset) => {
    const graph = modelPreset(preset, 37);
    expect(stateDictOfSource(modelPy(graph))).toEqual(specList(graph));
  });

  it('MODEL_INFO lists every preconditioned layer in graph order, the frozen tables and the BatchNorm counters', () => {
    const gpt = modelInfo(modelPreset('gpt1-paper', 37));
    expect(gpt.frozen).toEqual(['tok_emb.weight', 'pos_emb.weight']);
    expect((gpt.layers as { name: string; kind: string }[]).slice(0, 5)).toEqual([
      { name: 'blocks.0.attn.q', kind: 'linear' },
      { name: 'blocks.0.attn.k', kind: 'linear' },
      { name: 'blocks.0.attn.v', kind: 'linear' },
      { name: 'blocks.0.attn.proj', kind: 'linear' },
      { name: 'blocks.0.ln1', kind: 'layernorm' },
    ]);
    const resnet = modelInfo(modelPreset('resnet-mini'));
    expect(resnet).toMatchObject({ preset: 'resnet-mini', task: 'image-classification', input_shape: [3, 32, 32], classes: 10, frozen: [] });
    expect(resnet.layers).toContainEqual({ name: 'layer2.0.downsample.1', kind: 'batchnorm2d' });
    expect(resnet.batch_counters).toContain('layer3.0.downsample.1.num_batches_tracked');
    expect(modelInfo(modelPreset('iris-mlp')).task).toBe('tabular-classification');
  });

  it('writes one forward line per node, with the GELU of each node and the frozen tables', () => {
    const paper = modelPy(modelPreset('gpt1-paper', 37));
    const tiny = modelPy(modelPreset('gpt1-tiny', 37));
    expect(paper).toContain("F.gelu(blocks_0_mlp_fc, approximate='none')");
    expect(tiny).toContain("F.gelu(blocks_0_mlp_fc, approximate='tanh')");
    expect(paper).toContain('model.get_parameter(name).requires_grad_(False)');
    expect(tiny).not.toContain('requires_grad_');
    expect(tiny).toContain('logits = F.linear(blocks_1_ln2, self.tok_emb.weight)');
    const graph = modelPreset('resnet-mini');
    const forward = modelPy(graph).split('def forward')[1].split('\n\n\n')[0];
    expect(forward.split('\n').filter((line) => /^ {8}\w+ = /.test(line))).toHaveLength(graph.nodes.length);
  });

  it('writes Python literals', () => {
    expect(pyLiteral({ a: [1, 0.5, "it's"], b: true, c: null })).toBe("{'a': [1, 0.5, 'it\\'s'], 'b': True, 'c': None}");
  });
});

// ---- The generated modules against the float64 reference, in PyTorch (float64) ----

/** Loads each case's weights into model.double() and writes its training and evaluation forwards and the updated running statistics. */
const FORWARD_SCRIPT = `
import json, struct, sys, importlib.util
import numpy as np
import torch

DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64}

def read_safetensors(path):
    data = open(path, 'rb').read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    header.pop('__metadata__', None)
    body = data[8 + length:]
    return {name: torch.from_numpy(np.frombuffer(body[e['data_offsets'][0]:e['data_offsets'][1]], dtype=DTYPES[e['dtype']]).reshape(e['shape']).copy())
            for name, e in header.items()}

for case in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location('model_' + case.replace('/', '_').replace('-', '_'), case + '/model.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build_model().double()
    model.load_state_dict(read_safetensors(case + '/weights.safetensors'), strict=True)
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    assert frozen == module.MODEL_INFO['frozen'], (frozen, module.MODEL_INFO['frozen'])
    for layer in module.MODEL_INFO['layers']:
        model.get_submodule(layer['name'])
    meta = json.load(open(case + '/case.json'))
    inputs = np.fromfile(case + '/inputs.bin', dtype=np.float64).reshape(meta['input_shape'])
    x = torch.from_numpy(inputs).long() if meta['tokens'] else torch.from_numpy(inputs)
    with torch.no_grad():
        model.train()
        train = model(x).numpy()
        stats = [t.numpy().ravel() for name, t in model.state_dict().items() if name.endswith('running_mean') or name.endswith('running_var')]
        model.eval()
        evaluation = model(x).numpy()
    np.concatenate([train.ravel(), evaluation.ravel()] + stats).astype(np.float64).tofile(case + '/out.bin')
`;

interface ForwardCase {
  readonly name: string;
  readonly graph: ModelGraph;
  readonly batch: number;
}

const CASES: ForwardCase[] = [
  { name: 'cnn-small', graph: modelPreset('cnn-small'), batch: 2 },
  { name: 'resnet-mini', graph: modelPreset('resnet-mini'), batch: 2 },
  { name: 'iris-mlp', graph: modelPreset('iris-mlp'), batch: 5 },
  { name: 'gpt1-tiny', graph: modelPreset('gpt1-tiny', 23), batch: 2 },
  // gpt1-paper's build (exact GELU, PyTorch init, frozen tables) at tiny-gpt's size: its own is too big for a float64 forward in a test.
  { name: 'gpt1-paper-options', graph: tinyPaperGpt(), batch: 3 },
  { name: 'tiny-gpt', graph: tinyGpt(), batch: 3 },
  { name: 'tiny', graph: tinyGraph(), batch: 3 },
];

function caseInputs(graph: ModelGraph, batch: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const count = batch * graph.inputShape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: count }, () => (graph.task === 'language-modeling' ? rng.int(graph.classes) : rng.normal()));
}

describe('model.py in PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-py-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes the float64 reference forward of every preset (training and evaluation) to 1e-10, and the same running statistics', () => {
    const python = pythonWithTorch();
    const expected = new Map<string, Float64Array>();
    CASES.forEach(({ name, graph, batch }, index) => {
      const caseDir = join(dir, name);
      mkdirSync(caseDir);
      // Non-trivial BatchNorm and LayerNorm affine values, so a swapped weight and bias would show.
      const initial = initialParameters(graph, 11 + index);
      const rng = createRng(100 + index);
      for (const spec of parameterSpecs(graph)) {
        if (/^(bias|weight)$/.test(spec.role) && /bn|ln|downsample\.1/.test(spec.layer))
          initial.get(spec.name)!.forEach((_, i, a) => (a[i] = 1 + 0.3 * rng.normal()));
        if (spec.role === 'running_var') initial.get(spec.name)!.forEach((_, i, a) => (a[i] = 0.5 + rng.uniform(0, 1)));
      }
      writeFileSync(join(caseDir, 'model.py'), modelPy(graph));
      writeFileSync(join(caseDir, 'weights.safetensors'), encodeModelCheckpoint(graph, { values: initial, numBatchesTracked: 0 }));
      const inputs = caseInputs(graph, batch, 7 + index);
      writeFileSync(join(caseDir, 'inputs.bin'), new Uint8Array(inputs.buffer));
      writeFileSync(join(caseDir, 'case.json'), JSON.stringify({ input_shape: [batch, ...graph.inputShape], tokens: graph.task === 'language-modeling' }));

      const reference = new ReferenceModel(graph, batch, initial);
      const rows = reference.rows;
      const labels = new Uint32Array(rows);
      reference.forward(inputs, labels, true);
      const train = reference.activations.get(graph.output)!.slice();
      const stats = parameterSpecs(graph)
        .filter((spec) => spec.role === 'running_mean' || spec.role === 'running_var')
        .flatMap((spec) => [...reference.params.get(spec.name)!]);
      reference.forward(inputs, labels, false);
      const evaluation = reference.activations.get(graph.output)!.slice();
      expected.set(name, Float64Array.from([...train, ...evaluation, ...stats]));
    });
    writeFileSync(join(dir, 'forward.py'), FORWARD_SCRIPT);
    const run = spawnSync(python, [join(dir, 'forward.py'), ...CASES.map(({ name }) => join(dir, name))], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${python} forward.py failed:\n${run.stderr}`);
    for (const { name } of CASES) {
      const want = expected.get(name)!;
      const got = new Float64Array(new Uint8Array(readFileSync(join(dir, name, 'out.bin'))).buffer);
      expect(got.length, name).toBe(want.length);
      const scale = Math.max(...want.map(Math.abs));
      const worst = Math.max(...got.map((value, i) => Math.abs(value - want[i])));
      expect(worst / scale, name).toBeLessThan(1e-10);
    }
  }, 60_000);
});
