import { describe, expect, it } from 'vitest';
import { initialParameters, parameterSpecs } from './parameters';
import { cnnSmall, irisMlp, modelPreset, resnetMini } from './presets';
import { inferShapes } from './shapes';
import type { ModelGraph } from './graph';

const specList = (graph = cnnSmall()) => parameterSpecs(graph).map((s) => `${s.name} [${s.shape.join(',')}]`);

describe('model presets', () => {
  it('cnn-small has exactly the PyTorch state_dict the README lists', () => {
    expect(specList()).toEqual([
      'conv1.weight [16,3,3,3]',
      'conv1.bias [16]',
      'conv2.weight [32,16,3,3]',
      'conv2.bias [32]',
      'fc.weight [10,2048]',
      'fc.bias [10]',
    ]);
    const shapes = inferShapes(cnnSmall(), 4);
    expect(shapes.get('pool2')).toEqual([4, 32, 8, 8]);
    expect(shapes.get('flat')).toEqual([4, 2048]);
    expect(shapes.get('logits')).toEqual([4, 10]);
  });

  it('resnet-mini is a ResNet-8 named as torchvision names its ResNets', () => {
    const names = specList(resnetMini());
    expect(names.slice(0, 6)).toEqual([
      'conv1.weight [16,3,3,3]',
      'bn1.weight [16]',
      'bn1.bias [16]',
      'bn1.running_mean [16]',
      'bn1.running_var [16]',
      'layer1.0.conv1.weight [16,16,3,3]',
    ]);
    expect(names).toContain('layer2.0.downsample.0.weight [32,16,1,1]');
    expect(names).toContain('layer2.0.downsample.1.running_var [32]');
    expect(names).toContain('layer3.0.conv2.weight [64,64,3,3]');
    expect(names).not.toContain('layer1.0.downsample.0.weight [16,16,1,1]');
    expect(names.slice(-2)).toEqual(['fc.weight [10,64]', 'fc.bias [10]']);
    // 7 convolutions (6 in blocks + stem) + 2 downsample convs = 9 conv weights; 9 BatchNorms.
    expect(names.filter((n) => /conv\d?\.weight|downsample\.0\.weight/.test(n))).toHaveLength(9);
    expect(names.filter((n) => n.includes('running_mean'))).toHaveLength(9);
    const shapes = inferShapes(resnetMini(), 2);
    expect(shapes.get('layer3.0.out')).toEqual([2, 64, 8, 8]);
    expect(shapes.get('flat')).toEqual([2, 64]);
  });

  it("iris-mlp is the notebook's MLP: fc1 (2->1), ReLU, fc2 (1->3), softmax probabilities as the loss's input", () => {
    expect(specList(irisMlp())).toEqual(['fc1.weight [1,2]', 'fc1.bias [1]', 'fc2.weight [3,1]', 'fc2.bias [3]']);
    const graph = modelPreset('iris-mlp');
    expect(graph).toMatchObject({ task: 'tabular-classification', init: 'pytorch', inputShape: [2], classes: 3, output: 'probs' });
    expect(graph.nodes.map((node) => node.op)).toEqual(['linear', 'relu', 'linear', 'softmax']);
    const shapes = inferShapes(graph, 10);
    expect(shapes.get('fc1')).toEqual([10, 1]);
    expect(shapes.get('probs')).toEqual([10, 3]);
    // PyTorch's Linear(2, 1) and Linear(1, 3): fan-in 2 and 1.
    const values = initialParameters(graph, 5);
    for (const [name, bound] of [
      ['fc1.weight', 1 / Math.sqrt(2)],
      ['fc1.bias', 1 / Math.sqrt(2)],
      ['fc2.weight', 1],
      ['fc2.bias', 1],
    ] as const) {
      for (const v of values.get(name)!) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    }
  });

  it("gpt1-paper is the paper's MiniGPT1: exact GELU, PyTorch's initialisation, 28,351,488 parameters beside the embeddings", () => {
    const paper = modelPreset('gpt1-paper', 50);
    const tiny = modelPreset('gpt1-tiny', 50);
    const gelus = (graph: ModelGraph) => graph.nodes.flatMap((node) => (node.op === 'gelu' ? [node.approximate] : []));
    expect(gelus(paper)).toEqual(['none', 'none', 'none', 'none']);
    expect(gelus(tiny)).toEqual(['tanh', 'tanh']);
    expect([paper.init, tiny.init]).toEqual(['pytorch', 'gpt']);
    // The authors' count of trainable parameters: four blocks, the frozen embeddings left out.
    const blocks = parameterSpecs(paper).filter((spec) => spec.name.startsWith('blocks.'));
    expect(blocks.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0)).toBe(28_351_488);
    expect(specList(paper).filter((name) => !name.startsWith('blocks.'))).toEqual(['tok_emb.weight [50,768]', 'pos_emb.weight [256,768]']);
  });

  it('rejects an unknown preset with the list of known ones', () => {
    expect(() => modelPreset('vgg')).toThrow(/cnn-small, resnet-mini/);
  });

  it('rejects a bad batch size', () => {
    expect(() => inferShapes(cnnSmall(), 0)).toThrow(/positive integer/);
  });
});

describe('initialisation', () => {
  it('draws Conv2d/Linear weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch does', () => {
    const values = initialParameters(cnnSmall(), 7);
    for (const [name, fanIn] of [
      ['conv1', 27],
      ['conv2', 144],
      ['fc', 2048],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      for (const role of ['weight', 'bias']) {
        const data = values.get(`${name}.${role}`)!;
        const max = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(max).toBeLessThanOrEqual(bound);
        // A uniform sample of this size reaches close to the bound and is centred.
        if (data.length >= 400) {
          expect(max).toBeGreaterThan(0.95 * bound);
          const mean = data.reduce((s, v) => s + v, 0) / data.length;
          expect(Math.abs(mean)).toBeLessThan(0.1 * bound);
        }
      }
    }
  });

  it('sets BatchNorm weight 1, bias 0, running mean 0, running variance 1', () => {
    const values = initialParameters(resnetMini(), 1);
    expect(Array.from(values.get('bn1.weight')!)).toEqual(new Array(16).fill(1));
    expect(Array.from(values.get('bn1.bias')!)).toEqual(new Array(16).fill(0));
    expect(Array.from(values.get('layer3.0.bn2.running_mean')!)).toEqual(new Array(64).fill(0));
    expect(Array.from(values.get('layer3.0.bn2.running_var')!)).toEqual(new Array(64).fill(1));
  });

  it("gives gpt1-paper's Linear layers U(-1/sqrt(fan_in), 1/sqrt(fan_in)), LayerNorm 1 and 0, embeddings GPT-1's N(0, 0.02)", () => {
    const values = initialParameters(modelPreset('gpt1-paper', 50), 9);
    const maxAbs = (data: Float32Array) => data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const [layer, fanIn] of [
      ['blocks.0.attn.q', 768],
      ['blocks.1.attn.proj', 768],
      ['blocks.2.mlp.fc', 768],
      ['blocks.3.mlp.proj', 3072],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      for (const role of ['weight', 'bias']) {
        const max = maxAbs(values.get(`${layer}.${role}`)!);
        expect(max, `${layer}.${role}`).toBeLessThanOrEqual(bound);
        expect(max, `${layer}.${role}`).toBeGreaterThan(0.99 * bound);
      }
    }
    expect(Array.from(values.get('blocks.3.ln2.weight')!)).toEqual(new Array(768).fill(1));
    expect(Array.from(values.get('blocks.3.ln2.bias')!)).toEqual(new Array(768).fill(0));
    const table = values.get('tok_emb.weight')!;
    const variance = table.reduce((s, v) => s + v * v, 0) / table.length;
    // 38,400 draws of N(0, 0.02²): the sample variance is within 3 standard errors (0.022 relative) of 0.0004.
    expect(Math.abs(variance / 0.02 ** 2 - 1)).toBeLessThan(0.022);
  });

  it('is reproducible from the seed', () => {
    const a = initialParameters(cnnSmall(), 3).get('conv2.weight')!;
    const b = initialParameters(cnnSmall(), 3).get('conv2.weight')!;
    const c = initialParameters(cnnSmall(), 4).get('conv2.weight')!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
