// GPT-1's pretrained token and position embeddings put into a language model's starting
// weights, as the paper's WikiText-2 runs did: the token table's first 40,478 rows are GPT-1's,
// a 40,479th row (the BPE tokenizer's <unk>, id 40,478) is zeros; the position table is the first
// `context` of GPT-1's 512 rows. The tables are frozen in gpt1-paper.

import type { RunConfig } from '../engine/config/run-config';
import type { DataFile, ProgressReporter } from '../engine/data/load/data-files';
import { GPT1_EMBEDDING_SHAPE, readGpt1Embeddings, type Gpt1Embeddings, type SafetensorsInput } from '../engine/data/stream/safetensors-range';
import type { ModelGraph } from '../engine/nn/graph';

/** The model's embedding node: its two tables' parameter names and sizes. */
function embeddingOf(graph: ModelGraph) {
  const node = graph.nodes.find((candidate) => candidate.op === 'embedding');
  if (!node || node.op !== 'embedding') throw new Error(`${graph.preset} has no embedding tables to put GPT-1's into`);
  return { tokens: `${node.tokenTable}.weight`, positions: `${node.positionTable}.weight`, vocab: node.vocab, context: node.context, width: node.width };
}

/**
 * `initial` with the token and position tables replaced by GPT-1's. Refused, with what to do,
 * when the model's tables cannot hold them: another width, a longer context, another vocabulary.
 */
export function withGpt1Embeddings(graph: ModelGraph, initial: ReadonlyMap<string, ArrayLike<number>>, tables: Gpt1Embeddings): Map<string, ArrayLike<number>> {
  const { vocabulary, positions, width } = GPT1_EMBEDDING_SHAPE;
  const model = embeddingOf(graph);
  if (model.width !== width) {
    throw new Error(
      `GPT-1's embeddings are ${width} wide but ${graph.preset} is ${model.width} wide; use gpt1-paper (width ${width}) with embeddings: { from: gpt1 }`,
    );
  }
  if (model.context > positions) throw new Error(`GPT-1 has ${positions} positions but ${graph.preset} reads ${model.context} tokens`);
  if (model.vocab !== vocabulary && model.vocab !== vocabulary + 1) {
    throw new Error(
      `GPT-1's embeddings index its BPE vocabulary (${vocabulary} tokens and <unk>) but the data has ${model.vocab} tokens; ` +
        'train on GPT-1 BPE shards (npm run data -- wikitext2 --tokenizer gpt1) to use them',
    );
  }
  const tokens = new Float32Array(model.vocab * width);
  tokens.set(tables.tokens.subarray(0, vocabulary * width));
  const result = new Map(initial);
  result.set(model.tokens, tokens);
  result.set(model.positions, tables.positions.slice(0, model.context * width));
  return result;
}

/** Where the tables come from: a file given with the request (dropped, or --embeddings), else the config's URL or the Hub. */
function embeddingsSource(config: RunConfig, file: DataFile | undefined): SafetensorsInput | undefined {
  if (file) return 'bytes' in file ? file.bytes : new URL(file.url, self.location.href).href;
  return config.embeddings?.url;
}

/** Reads GPT-1's tables (only their byte ranges of model.safetensors) with progress under `label`. */
export function loadGpt1Embeddings(config: RunConfig, file: DataFile | undefined, report: ProgressReporter): Promise<Gpt1Embeddings> {
  const label = "GPT-1's embeddings";
  return readGpt1Embeddings(embeddingsSource(config, file), { onProgress: (loaded, total) => report(label, loaded, total) });
}
