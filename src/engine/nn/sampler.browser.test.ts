import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import { testContext } from '../testing/gpu-test';
import { tinyGpt } from '../testing/tiny-graph';
import { GpuModel } from './gpu-model';
import { initialParameters } from './parameters';
import { ReferenceModel } from './reference-model';
import { TextSampler } from './sampler';

describe('TextSampler', () => {
  it('continues a prompt greedily exactly as the float64 reference model does, past the context length', async () => {
    const ctx = await testContext();
    const graph = tinyGpt();
    const T = graph.inputShape[0];
    // Larger weights than GPT's init, so the arg-max is decided by the model, not by rounding.
    const initial = initialParameters(graph, 4);
    for (const [name, values] of initial) if (name.endsWith('.weight') && !name.includes('.ln')) values.forEach((v, i) => (values[i] = 20 * v));
    const source = await GpuModel.create(ctx, graph, 2, { owner: 'test:sampler-source', initial });
    const sampler = await TextSampler.create(ctx, graph, 'test:sampler');
    try {
      const prompt = [3, 1, 4];
      const generated = await sampler.generate(source, prompt, { tokens: 6, temperature: 0, topK: 0, seed: 1 });

      const reference = new ReferenceModel(graph, 1, initial);
      const sequence = [...prompt];
      for (let i = 0; i < 6; i++) {
        const visible = sequence.slice(-T);
        const window = new Array<number>(T).fill(0);
        visible.forEach((token, t) => (window[t] = token));
        reference.forward(window, new Array<number>(T).fill(IGNORE_TARGET), false);
        const logits = reference.activations.get(graph.output)!.subarray((visible.length - 1) * graph.classes, visible.length * graph.classes);
        sequence.push(logits.indexOf(Math.max(...logits)));
      }
      expect(prompt.length + 6).toBeGreaterThan(T); // the window slides
      expect(generated).toEqual(sequence.slice(prompt.length));

      // Seeded draws repeat; another seed (at a high temperature) gives another continuation.
      const drawn = (seed: number) => sampler.generate(source, prompt, { tokens: 8, temperature: 2, topK: 0, seed });
      expect(await drawn(5)).toEqual(await drawn(5));
      expect(await drawn(6)).not.toEqual(await drawn(5));
    } finally {
      sampler.destroy();
      source.destroy();
    }
  });
});
