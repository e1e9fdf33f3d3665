import { GRAPH_INPUT, type ModelGraph } from '../nn/graph';
import { GPT1_PAPER_OPTIONS, gpt } from '../nn/presets';

/**
 * A model small enough for many training steps on a software GPU, with every kind of layer
 * an optimizer treats differently: Conv2d with bias, BatchNorm2d, Linear, and a residual sum.
 * Input (B, 3, 8, 8).
 */
export function tinyGraph(): ModelGraph {
  return {
    preset: 'tiny',
    task: 'image-classification',
    init: 'pytorch',
    inputShape: [3, 8, 8],
    classes: 10,
    output: 'logits',
    nodes: [
      { op: 'conv2d', name: 'conv1', input: GRAPH_INPUT, output: 'conv1', inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: true },
      { op: 'batchnorm2d', name: 'bn1', input: 'conv1', output: 'bn1', channels: 4, momentum: 0.1, eps: 1e-5 },
      { op: 'relu', input: 'bn1', output: 'relu1' },
      { op: 'conv2d', name: 'conv2', input: 'relu1', output: 'conv2', inChannels: 4, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: false },
      { op: 'add', inputs: ['conv2', 'relu1'], output: 'sum' },
      { op: 'maxpool2d', input: 'sum', output: 'pool', kernel: 2, stride: 2 },
      { op: 'flatten', input: 'pool', output: 'flat' },
      { op: 'linear', name: 'fc', input: 'flat', output: 'logits', inFeatures: 64, outFeatures: 10, bias: true },
    ],
  };
}

/**
 * A two-block GPT small enough for finite differences and quick GPU checks: vocabulary 11,
 * width 8 in 2 heads, MLP 12, context 5; every op of gpt1-tiny, including the tied output.
 */
export function tinyGpt(): ModelGraph {
  return gpt('tiny-gpt', TINY_GPT_SIZE, 11);
}

const TINY_GPT_SIZE = { layers: 2, heads: 2, width: 8, mlp: 12, context: 5 };

/** tinyGpt built as gpt1-paper is: exact (erf) GELU and PyTorch's default initialisation. */
export function tinyPaperGpt(): ModelGraph {
  return gpt('tiny-paper-gpt', TINY_GPT_SIZE, 11, GPT1_PAPER_OPTIONS);
}
