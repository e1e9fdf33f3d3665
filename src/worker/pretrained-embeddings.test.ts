import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../engine/checkpoint/safetensors';
import { GPT1_EMBEDDING_SHAPE } from '../engine/data/stream/safetensors-range';
import { GPT1_PAPER, GPT1_PAPER_OPTIONS, GPT1_TINY, gpt } from '../engine/nn/presets';
import type { RunConfig } from '../engine/config/run-config';
import { gpt1TableShape, loadGpt1Embeddings, withGpt1Embeddings } from './pretrained-embeddings';

const { vocabulary, positions, width } = GPT1_EMBEDDING_SHAPE;

/** Tables whose every entry names its row: row r holds r + column / 1000. */
function tables(rows = vocabulary, positionRows = positions, columns = width) {
  const fill = (count: number) => Float32Array.from({ length: count * columns }, (_, i) => Math.floor(i / columns) + (i % columns) / 1000);
  return { tokens: fill(rows), positions: fill(positionRows) };
}

describe("GPT-1's embeddings in a model", () => {
  it("puts GPT-1's token rows and a zero <unk> row, and the first 256 position rows, into gpt1-paper's tables", () => {
    const graph = gpt('gpt1-paper', GPT1_PAPER, vocabulary + 1, GPT1_PAPER_OPTIONS);
    expect(gpt1TableShape(graph)).toEqual(GPT1_EMBEDDING_SHAPE);
    const other = new Float32Array([1, 2, 3]);
    const result = withGpt1Embeddings(graph, new Map([['blocks.0.ln1.weight', other]]), tables());
    const tokens = result.get('tok_emb.weight') as Float32Array;
    const positionTable = result.get('pos_emb.weight') as Float32Array;
    expect(tokens.length).toBe((vocabulary + 1) * width);
    expect([tokens[0], tokens[width + 5], tokens[(vocabulary - 1) * width + 767]]).toEqual([0, Math.fround(1.005), Math.fround(vocabulary - 1 + 0.767)]);
    expect(Array.from(tokens.subarray(vocabulary * width)).every((value) => value === 0)).toBe(true);
    expect(positionTable.length).toBe(256 * width);
    expect(positionTable[255 * width]).toBe(255);
    expect(result.get('blocks.0.ln1.weight')).toBe(other);
  });

  it("reads a GPT-1-format file of any model's sizes, and says what fits when the file does not", async () => {
    const graph = gpt('gpt1-tiny', GPT1_TINY, 11);
    const file = (rows: number) =>
      encodeSafetensors({
        'tokens_embed.weight': { dtype: 'F32', shape: [rows, GPT1_TINY.width], data: tables(rows, 512, GPT1_TINY.width).tokens },
        'positions_embed.weight': { dtype: 'F32', shape: [512, GPT1_TINY.width], data: tables(rows, 512, GPT1_TINY.width).positions },
      });
    const config = { embeddings: { from: 'gpt1' } } as RunConfig;
    const read = await loadGpt1Embeddings(config, graph, { name: 'model.safetensors', bytes: file(10).slice().buffer }, () => {});
    const result = withGpt1Embeddings(graph, new Map(), read);
    expect((result.get('tok_emb.weight') as Float32Array)[9 * GPT1_TINY.width + 1]).toBe(Math.fround(9.001));
    expect(Array.from((result.get('tok_emb.weight') as Float32Array).subarray(10 * GPT1_TINY.width))).toEqual(new Array(GPT1_TINY.width).fill(0));
    await expect(loadGpt1Embeddings(config, graph, { name: 'model.safetensors', bytes: file(20).slice().buffer }, () => {})).rejects.toThrow(
      /tokens_embed\.weight.*\[20, 128\].*\. GPT-1's tables \(\[40478, 768\] and \[512, 768\]\) fit gpt1-paper trained on GPT-1 BPE shards/,
    );
  });

  it('refuses tables that do not fit the model, and a context longer than GPT-1 has', () => {
    expect(() => withGpt1Embeddings(gpt('gpt1-paper', GPT1_PAPER, 33278, GPT1_PAPER_OPTIONS), new Map(), tables())).toThrow(
      /do not fit gpt1-paper's \[33278, 768\] tables\. GPT-1's tables .* fit gpt1-paper trained on GPT-1 BPE shards/,
    );
    expect(() => withGpt1Embeddings(gpt('long', { ...GPT1_PAPER, context: 1024 }, vocabulary + 1, GPT1_PAPER_OPTIONS), new Map(), tables())).toThrow(
      /GPT-1 has 512 positions but long reads 1024 tokens/,
    );
  });
});
