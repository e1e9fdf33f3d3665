import type { GeluApproximation } from '../kernels/gelu/gelu-approximation';
import type { GraphNode, ModelGraph } from './graph';
import { GRAPH_INPUT } from './graph';
import { LAYER_NORM_EPS } from '../kernels/layernorm/layernorm-defaults';

const BN_MOMENTUM = 0.1;
const BN_EPS = 1e-5;

/**
 * cnn-small: conv1 (3->16, 3x3, pad 1), ReLU, 2x2 max-pool, conv2 (16->32, 3x3, pad 1), ReLU,
 * 2x2 max-pool, flatten (NCHW, 2048), fc (2048->10).
 */
export function cnnSmall(): ModelGraph {
  return {
    preset: 'cnn-small',
    task: 'image-classification',
    init: 'pytorch',
    inputShape: [3, 32, 32],
    classes: 10,
    output: 'logits',
    nodes: [
      { op: 'conv2d', name: 'conv1', input: GRAPH_INPUT, output: 'conv1', inChannels: 3, outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: true },
      { op: 'relu', input: 'conv1', output: 'relu1' },
      { op: 'maxpool2d', input: 'relu1', output: 'pool1', kernel: 2, stride: 2 },
      { op: 'conv2d', name: 'conv2', input: 'pool1', output: 'conv2', inChannels: 16, outChannels: 32, kernel: 3, stride: 1, padding: 1, bias: true },
      { op: 'relu', input: 'conv2', output: 'relu2' },
      { op: 'maxpool2d', input: 'relu2', output: 'pool2', kernel: 2, stride: 2 },
      { op: 'flatten', input: 'pool2', output: 'flat' },
      { op: 'linear', name: 'fc', input: 'flat', output: 'logits', inFeatures: 2048, outFeatures: 10, bias: true },
    ],
  };
}

/**
 * torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN, plus the input (or a 1x1 strided
 * conv + BN when the shape changes), then ReLU. Convolutions have no bias, as in torchvision.
 */
function basicBlock(prefix: string, input: string, inChannels: number, outChannels: number, stride: number): { nodes: GraphNode[]; output: string } {
  const t = (suffix: string) => `${prefix}.${suffix}`;
  const nodes: GraphNode[] = [
    { op: 'conv2d', name: t('conv1'), input, output: t('conv1'), inChannels, outChannels, kernel: 3, stride, padding: 1, bias: false },
    { op: 'batchnorm2d', name: t('bn1'), input: t('conv1'), output: t('bn1'), channels: outChannels, momentum: BN_MOMENTUM, eps: BN_EPS },
    { op: 'relu', input: t('bn1'), output: t('relu1') },
    {
      op: 'conv2d',
      name: t('conv2'),
      input: t('relu1'),
      output: t('conv2'),
      inChannels: outChannels,
      outChannels,
      kernel: 3,
      stride: 1,
      padding: 1,
      bias: false,
    },
    { op: 'batchnorm2d', name: t('bn2'), input: t('conv2'), output: t('bn2'), channels: outChannels, momentum: BN_MOMENTUM, eps: BN_EPS },
  ];
  let shortcut = input;
  if (stride !== 1 || inChannels !== outChannels) {
    nodes.push(
      { op: 'conv2d', name: t('downsample.0'), input, output: t('downsample.0'), inChannels, outChannels, kernel: 1, stride, padding: 0, bias: false },
      {
        op: 'batchnorm2d',
        name: t('downsample.1'),
        input: t('downsample.0'),
        output: t('downsample.1'),
        channels: outChannels,
        momentum: BN_MOMENTUM,
        eps: BN_EPS,
      },
    );
    shortcut = t('downsample.1');
  }
  nodes.push({ op: 'add', inputs: [t('bn2'), shortcut], output: t('sum') }, { op: 'relu', input: t('sum'), output: t('out') });
  return { nodes, output: t('out') };
}

/**
 * resnet-mini: a CIFAR ResNet-8 (He et al. 2016, section 4.2, n = 1): a 3x3 stem with 16
 * channels, one BasicBlock at each of 16, 32 and 64 channels (the last two with stride 2),
 * global average pooling and fc (64->10). Names follow torchvision's ResNet.
 */
export function resnetMini(): ModelGraph {
  const nodes: GraphNode[] = [
    { op: 'conv2d', name: 'conv1', input: GRAPH_INPUT, output: 'conv1', inChannels: 3, outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false },
    { op: 'batchnorm2d', name: 'bn1', input: 'conv1', output: 'bn1', channels: 16, momentum: BN_MOMENTUM, eps: BN_EPS },
    { op: 'relu', input: 'bn1', output: 'relu' },
  ];
  let current = 'relu';
  let channels = 16;
  const stages: [string, number, number][] = [
    ['layer1', 16, 1],
    ['layer2', 32, 2],
    ['layer3', 64, 2],
  ];
  for (const [stage, width, stride] of stages) {
    const block = basicBlock(`${stage}.0`, current, channels, width, stride);
    nodes.push(...block.nodes);
    current = block.output;
    channels = width;
  }
  nodes.push(
    { op: 'avgpool2d', input: current, output: 'avgpool', kernel: 8, stride: 8 },
    { op: 'flatten', input: 'avgpool', output: 'flat' },
    { op: 'linear', name: 'fc', input: 'flat', output: 'logits', inFeatures: 64, outFeatures: 10, bias: true },
  );
  return { preset: 'resnet-mini', task: 'image-classification', init: 'pytorch', inputShape: [3, 32, 32], classes: 10, output: 'logits', nodes };
}

export interface GptSize {
  layers: number;
  heads: number;
  width: number;
  mlp: number;
  context: number;
}

/** The compact GPT-1 of the paper (docs/adafisher.md): 4 blocks, 12 heads, width 768, MLP 3072, context 256. */
export const GPT1_PAPER: GptSize = { layers: 4, heads: 12, width: 768, mlp: 3072, context: 256 };
/** Small enough to train in a browser tab on any GPU; the page's default. */
export const GPT1_TINY: GptSize = { layers: 2, heads: 4, width: 128, mlp: 512, context: 64 };

/** Word-level WikiText-2's vocabulary size: 33,278 (PyTorch's word_language_model). */
export const WIKITEXT2_VOCABULARY = 33278;

/** How a GPT is built beyond its size: GELU's form and the initialisation of its trained parts. */
export interface GptOptions {
  /** 'tanh' (GPT-1's own, the default) or 'none', the exact erf GELU of PyTorch's nn.GELU(). */
  readonly gelu?: GeluApproximation;
  /** 'gpt' (N(0, 0.02) weights, the default) or 'pytorch' (nn.Linear's and nn.LayerNorm's own defaults). */
  readonly init?: ModelGraph['init'];
  /** Freeze the token and position tables (and so the tied output layer), as the paper's runs do with GPT-1's pretrained ones. */
  readonly frozenEmbeddings?: boolean;
}

/**
 * The paper's MiniGPT1 (AdaFisher's Language_Model code): nn.GELU() is the exact GELU, its
 * Linear and LayerNorm layers keep PyTorch's default initialisation, and its token and position
 * embeddings (GPT-1's pretrained tables) have requires_grad = False.
 */
export const GPT1_PAPER_OPTIONS: GptOptions = { gelu: 'none', init: 'pytorch', frozenEmbeddings: true };

/**
 * GPT-1's post-LN block (Radford et al. 2018): x = LN1(x + proj(attn(q(x), k(x), v(x)))),
 * x = LN2(x + fc2(gelu(fc1(x)))). Separate Q, K, V and output projections with bias, no dropout.
 */
function gptBlock(prefix: string, input: string, size: GptSize, gelu: GeluApproximation): { nodes: GraphNode[]; output: string } {
  const t = (suffix: string) => `${prefix}.${suffix}`;
  const C = size.width;
  const linear = (name: string, from: string, inFeatures: number, outFeatures: number): GraphNode => ({
    op: 'linear',
    name: t(name),
    input: from,
    output: t(name),
    inFeatures,
    outFeatures,
    bias: true,
  });
  const nodes: GraphNode[] = [
    linear('attn.q', input, C, C),
    linear('attn.k', input, C, C),
    linear('attn.v', input, C, C),
    { op: 'attention', name: t('attn'), inputs: [t('attn.q'), t('attn.k'), t('attn.v')], output: t('attn.heads'), heads: size.heads },
    linear('attn.proj', t('attn.heads'), C, C),
    { op: 'add', inputs: [input, t('attn.proj')], output: t('attn.residual') },
    { op: 'layernorm', name: t('ln1'), input: t('attn.residual'), output: t('ln1'), features: C, eps: LAYER_NORM_EPS },
    linear('mlp.fc', t('ln1'), C, size.mlp),
    { op: 'gelu', input: t('mlp.fc'), output: t('mlp.gelu'), approximate: gelu },
    linear('mlp.proj', t('mlp.gelu'), size.mlp, C),
    { op: 'add', inputs: [t('ln1'), t('mlp.proj')], output: t('mlp.residual') },
    { op: 'layernorm', name: t('ln2'), input: t('mlp.residual'), output: t('ln2'), features: C, eps: LAYER_NORM_EPS },
  ];
  return { nodes, output: t('ln2') };
}

/** A compact GPT-1 over a vocabulary of `vocab` words: embeddings, post-LN blocks, output tied to the token embedding. */
export function gpt(preset: string, size: GptSize, vocab: number, options: GptOptions = {}): ModelGraph {
  const { gelu = 'tanh', init = 'gpt', frozenEmbeddings = false } = options;
  if (size.width % size.heads !== 0) throw new Error(`${preset}: width ${size.width} is not a multiple of ${size.heads} heads`);
  const nodes: GraphNode[] = [
    { op: 'embedding', tokenTable: 'tok_emb', positionTable: 'pos_emb', input: GRAPH_INPUT, output: 'embed', vocab, context: size.context, width: size.width },
  ];
  let current = 'embed';
  for (let i = 0; i < size.layers; i++) {
    const block = gptBlock(`blocks.${i}`, current, size, gelu);
    nodes.push(...block.nodes);
    current = block.output;
  }
  nodes.push({ op: 'tied_linear', table: 'tok_emb', input: current, output: 'logits', width: size.width, vocab });
  const graph: ModelGraph = { preset, task: 'language-modeling', init, inputShape: [size.context], classes: vocab, output: 'logits', nodes };
  return frozenEmbeddings ? { ...graph, frozen: ['tok_emb.weight', 'pos_emb.weight'] } : graph;
}

/**
 * iris-mlp: the two-weight classifier of AdaFisher's loss-landscape notebook, on Iris reduced to
 * two standardised principal components: fc1 (2->1), ReLU, fc2 (1->3), Softmax. The training
 * loss is the usual cross-entropy applied to those probabilities, as the notebook applies
 * nn.CrossEntropyLoss to its model's softmax outputs. The softmax is thus taken twice, so the loss
 * is log(sum_k exp p_k) - p_label, between log(e + 2) - 1 = 0.55 (all probability on the label)
 * and log(e + 2) = 1.55, and log 3 = 1.10 for uniform outputs. fc1.weight holds the two weights
 * the notebook's landscape is drawn over.
 */
export function irisMlp(): ModelGraph {
  return {
    preset: 'iris-mlp',
    task: 'tabular-classification',
    init: 'pytorch',
    inputShape: [2],
    classes: 3,
    output: 'probs',
    nodes: [
      { op: 'linear', name: 'fc1', input: GRAPH_INPUT, output: 'fc1', inFeatures: 2, outFeatures: 1, bias: true },
      { op: 'relu', input: 'fc1', output: 'relu' },
      { op: 'linear', name: 'fc2', input: 'relu', output: 'fc2', inFeatures: 1, outFeatures: 3, bias: true },
      { op: 'softmax', input: 'fc2', output: 'probs' },
    ],
  };
}

export const MODEL_PRESETS = {
  'cnn-small': cnnSmall,
  'resnet-mini': resnetMini,
  'gpt1-tiny': (vocab: number = WIKITEXT2_VOCABULARY) => gpt('gpt1-tiny', GPT1_TINY, vocab),
  'gpt1-paper': (vocab: number = WIKITEXT2_VOCABULARY) => gpt('gpt1-paper', GPT1_PAPER, vocab, GPT1_PAPER_OPTIONS),
  'iris-mlp': irisMlp,
} as const;

export type ModelPresetName = keyof typeof MODEL_PRESETS;

/** A preset's graph; a language model's vocabulary comes from its data (WikiText-2's by default). */
export function modelPreset(name: string, vocab?: number): ModelGraph {
  const build = MODEL_PRESETS[name as ModelPresetName];
  if (!build) throw new Error(`Unknown model preset "${name}"; choose one of ${Object.keys(MODEL_PRESETS).join(', ')}`);
  return build(vocab);
}
