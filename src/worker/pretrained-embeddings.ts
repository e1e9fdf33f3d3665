// GPT-1's pretrained token and position embeddings put into a language model's starting
// weights, as the paper's WikiText-2 runs did: the token table's first V − 1 rows are GPT-1's
// (40,478 for GPT-1's BPE vocabulary), the last row (the BPE tokenizer's <unk>, id 40,478) is
// zeros; the position table is the first `context` of GPT-1's 512 rows. The tables are frozen
// in gpt1-paper. Any file with GPT-1's tensor names and the model's sizes reads the same way
// (the tests' small copies).

import { CheckpointError } from '../engine/checkpoint/safetensors';
import type { RunConfig } from '../engine/config/run-config';
import type { DataFile, ProgressReporter } from '../engine/data/load/data-files';
import {
  GPT1_EMBEDDING_SHAPE,
  readGpt1Embeddings,
  type EmbeddingShape,
  type Gpt1Embeddings,
  type SafetensorsInput,
} from '../engine/data/stream/safetensors-range';
import type { ModelGraph } from '../engine/nn/graph';
import { initialParameters } from '../engine/nn/parameters';

/** What to do when GPT-1's tables do not fit the model. */
const FIT_ADVICE =
  "GPT-1's tables ([40478, 768] and [512, 768]) fit gpt1-paper trained on GPT-1 BPE shards (npm run data -- wikitext2 --tokenizer gpt1), whose vocabulary is GPT-1's 40,478 tokens and <unk>";

/** The model's embedding node: its two tables' parameter names and sizes. */
function embeddingOf(graph: ModelGraph) {
  const node = graph.nodes.find((candidate) => candidate.op === 'embedding');
  if (!node || node.op !== 'embedding') throw new Error(`${graph.preset} has no embedding tables to put GPT-1's into`);
  return { tokens: `${node.tokenTable}.weight`, positions: `${node.positionTable}.weight`, vocab: node.vocab, context: node.context, width: node.width };
}

/** The tables a GPT-1-format file must hold for this model: V − 1 token rows (the last is <unk>) and GPT-1's 512 positions, at the model's width. */
export function gpt1TableShape(graph: ModelGraph): EmbeddingShape {
  const model = embeddingOf(graph);
  return { vocabulary: model.vocab - 1, positions: GPT1_EMBEDDING_SHAPE.positions, width: model.width };
}

/** `initial` with the token and position tables replaced by the file's (checked against gpt1TableShape). */
export function withGpt1Embeddings(graph: ModelGraph, initial: ReadonlyMap<string, ArrayLike<number>>, tables: Gpt1Embeddings): Map<string, ArrayLike<number>> {
  const model = embeddingOf(graph);
  const shape = gpt1TableShape(graph);
  if (model.context > shape.positions) throw new Error(`GPT-1 has ${shape.positions} positions but ${graph.preset} reads ${model.context} tokens`);
  if (tables.tokens.length !== shape.vocabulary * shape.width || tables.positions.length !== shape.positions * shape.width) {
    throw new Error(`The embeddings do not fit ${graph.preset}'s [${model.vocab}, ${model.width}] tables. ${FIT_ADVICE}`);
  }
  const tokens = new Float32Array(model.vocab * model.width);
  tokens.set(tables.tokens);
  const result = new Map(initial);
  result.set(model.tokens, tokens);
  result.set(model.positions, tables.positions.slice(0, model.context * model.width));
  return result;
}

/**
 * The trainer's starting weights of `graph` (seeded initialisation) with GPT-1's tables from a
 * model.safetensors in hand (only the tables' byte ranges of a Blob are read): what the export
 * writes as init.safetensors for a setup with embeddings: { from: gpt1 }.
 */
export async function initialWithGpt1File(graph: ModelGraph, seed: number, file: Blob | Uint8Array): Promise<Map<string, ArrayLike<number>>> {
  const tables = await readGpt1Embeddings(file, { shape: gpt1TableShape(graph) });
  return withGpt1Embeddings(graph, initialParameters(graph, seed), tables);
}

/** Where the tables come from: a file given with the request (dropped, or --embeddings), else the config's URL or the Hub. */
function embeddingsSource(config: RunConfig, file: DataFile | undefined): SafetensorsInput | undefined {
  if (file) return 'bytes' in file ? file.bytes : new URL(file.url, self.location.href).href;
  return config.embeddings?.url;
}

/** Reads GPT-1's tables (only their byte ranges of model.safetensors) for `graph`, with progress; a shape that does not fit says what does. */
export async function loadGpt1Embeddings(config: RunConfig, graph: ModelGraph, file: DataFile | undefined, report: ProgressReporter): Promise<Gpt1Embeddings> {
  const label = "GPT-1's embeddings";
  try {
    return await readGpt1Embeddings(embeddingsSource(config, file), {
      shape: gpt1TableShape(graph),
      onProgress: (loaded, total) => report(label, loaded, total),
    });
  } catch (error) {
    if (error instanceof CheckpointError && error.kind === 'shape') throw new CheckpointError('shape', `${error.message}. ${FIT_ADVICE}`, error.tensorName);
    throw error;
  }
}
