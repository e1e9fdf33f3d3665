// Text generation from a language model: a batch-1 copy of the model runs the evaluation pass
// on the last `context` tokens, and the next token is drawn from the logits at the last real
// position (later positions are padding, which causal attention keeps from looking back).

import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import type { GpuContext } from '../gpu/context';
import { createRng } from '../random';
import { GpuModel } from './gpu-model';
import type { ModelGraph } from './graph';
import { initialParameters } from './parameters';

export interface SampleOptions {
  /** Tokens to generate. */
  tokens: number;
  /** Softmax temperature; 0 picks the most likely token every time. */
  temperature: number;
  /** Draw only among the k most likely tokens; 0 keeps them all. */
  topK: number;
  seed: number;
}

export function checkSampleOptions(options: SampleOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.tokens) || options.tokens < 1 || options.tokens > 1000)
    problems.push(`tokens must be a whole number in 1..1000, got ${options.tokens}`);
  if (!(options.temperature >= 0 && options.temperature <= 10)) problems.push(`temperature must be in [0, 10], got ${options.temperature}`);
  if (!Number.isInteger(options.topK) || options.topK < 0) problems.push(`top-k must be a whole number >= 0, got ${options.topK}`);
  if (problems.length) throw new RangeError(`Cannot sample: ${problems.join('; ')}.`);
}

/**
 * The next token from one row of logits: softmax(logits / temperature) restricted to the topK
 * largest (all when topK is 0), or the arg-max at temperature 0. `uniform` is a draw in [0, 1).
 */
export function pickToken(logits: Float32Array, temperature: number, topK: number, uniform: number): number {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
  if (temperature === 0) return order[0];
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const max = logits[kept[0]];
  const weights = kept.map((token) => Math.exp((logits[token] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let threshold = uniform * total;
  for (let i = 0; i < kept.length; i++) {
    threshold -= weights[i];
    if (threshold < 0) return kept[i];
  }
  return kept[kept.length - 1];
}

export class TextSampler {
  private constructor(
    private readonly model: GpuModel,
    private readonly context: number,
  ) {}

  static async create(ctx: GpuContext, graph: ModelGraph, owner: string): Promise<TextSampler> {
    if (graph.task !== 'language-modeling') throw new Error(`${graph.preset} is not a language model`);
    const model = await GpuModel.create(ctx, graph, 1, { owner, initial: initialParameters(graph, 0) });
    return new TextSampler(model, graph.inputShape[0]);
  }

  /** Continues `prompt` (token ids, at least one) with the weights of `source`, a model of the same graph. */
  async generate(source: GpuModel, prompt: readonly number[], options: SampleOptions): Promise<number[]> {
    checkSampleOptions(options);
    if (prompt.length === 0) throw new Error('Cannot sample from an empty prompt: give at least one word.');
    this.model.copyParametersFrom(source);
    const rng = createRng(options.seed);
    const sequence = [...prompt];
    const window = new Uint32Array(this.context);
    const targets = new Uint32Array(this.context).fill(IGNORE_TARGET);
    for (let i = 0; i < options.tokens; i++) {
      const visible = sequence.slice(-this.context);
      window.fill(0);
      window.set(visible);
      this.model.evaluateBatch(window, targets);
      const logits = await this.model.readLogitsRow(visible.length - 1);
      sequence.push(pickToken(logits, options.temperature, options.topK, rng.next()));
    }
    return sequence.slice(prompt.length);
  }

  destroy(): void {
    this.model.destroy();
  }
}
