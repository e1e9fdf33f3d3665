import { describe, expect, it } from 'vitest';
import { GPT1_EMBEDDING_SHAPE } from '../engine/data/stream/safetensors-range';
import { GPT1_PAPER, GPT1_PAPER_OPTIONS, GPT1_TINY, gpt } from '../engine/nn/presets';
import { withGpt1Embeddings } from './pretrained-embeddings';

const { vocabulary, positions, width } = GPT1_EMBEDDING_SHAPE;

/** GPT-1-sized tables whose every entry names its row: row r holds r + column / 1000. */
function tables() {
  const fill = (rows: number) => Float32Array.from({ length: rows * width }, (_, i) => Math.floor(i / width) + (i % width) / 1000);
  return { tokens: fill(vocabulary), positions: fill(positions) };
}

describe('withGpt1Embeddings', () => {
  it("puts GPT-1's token rows and a zero <unk> row, and the first 256 position rows, into gpt1-paper's tables", () => {
    const graph = gpt('gpt1-paper', GPT1_PAPER, vocabulary + 1, GPT1_PAPER_OPTIONS);
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

  it('refuses a model whose tables cannot hold them, saying what to use', () => {
    expect(() => withGpt1Embeddings(gpt('gpt1-tiny', GPT1_TINY, vocabulary + 1), new Map(), tables())).toThrow(
      /GPT-1's embeddings are 768 wide but gpt1-tiny is \d+ wide; use gpt1-paper/,
    );
    expect(() => withGpt1Embeddings(gpt('gpt1-paper', GPT1_PAPER, 33278, GPT1_PAPER_OPTIONS), new Map(), tables())).toThrow(
      /index its BPE vocabulary \(40478 tokens and <unk>\) but the data has 33278 tokens; train on GPT-1 BPE shards \(npm run data -- wikitext2 --tokenizer gpt1\)/,
    );
    expect(() => withGpt1Embeddings(gpt('long', { ...GPT1_PAPER, context: 1024 }, vocabulary, GPT1_PAPER_OPTIONS), new Map(), tables())).toThrow(
      /GPT-1 has 512 positions but long reads 1024 tokens/,
    );
  });
});
