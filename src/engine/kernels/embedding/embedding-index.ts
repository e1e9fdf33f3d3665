// The batch's token positions grouped by token id, built on the CPU when a batch is written.
// With it the GPU's dWte is a gather: one invocation per (distinct token, channel) sums dOut
// over that token's positions, so no two invocations write one element of dWte and no float
// atomics are needed; the positions are summed in a fixed order, so the result is
// deterministic.

export interface EmbeddingIndex {
  /** Capacity: the most positions (B*T) one batch may have. */
  readonly maxPositions: number;
  /** Vocabulary size; every token must be below it. */
  readonly V: number;
  /** The distinct tokens of the batch in ascending order; the first U entries are valid. */
  readonly uniqueTokens: Uint32Array<ArrayBuffer>;
  /** uniqueTokens[u] occurs at positions[offsets[u]] .. positions[offsets[u + 1] - 1]; the first U + 1 entries are valid. */
  readonly offsets: Uint32Array<ArrayBuffer>;
  /** Flat positions b*T + t, grouped by token in the order of uniqueTokens and ascending within a token. */
  readonly positions: Uint32Array<ArrayBuffer>;
  /** [U], the number of distinct tokens, as the one-element array the GPU's count tensor is written from. */
  readonly count: Uint32Array<ArrayBuffer>;
  /** Per token id: occurrences, then write cursors while an index is built; all zero between calls. */
  readonly scratch: Uint32Array;
}

function expectPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`createEmbeddingIndex: ${name} must be a positive integer, got ${value}`);
}

/** Allocates every array an index needs once, for batches of up to maxPositions (B*T) tokens below V. */
export function createEmbeddingIndex(maxPositions: number, V: number): EmbeddingIndex {
  expectPositiveInteger('maxPositions', maxPositions);
  expectPositiveInteger('V', V);
  return {
    maxPositions,
    V,
    uniqueTokens: new Uint32Array(maxPositions),
    offsets: new Uint32Array(maxPositions + 1),
    positions: new Uint32Array(maxPositions),
    count: new Uint32Array(1),
    scratch: new Uint32Array(V),
  };
}

/**
 * Fills `index` for `tokens` (flat, position b*T + t) with a stable counting sort by token,
 * and returns U, the number of distinct tokens. Allocates nothing. Throws, before changing the
 * index, on more tokens than its capacity or a token >= V.
 */
export function embeddingBackwardIndex(tokens: Uint32Array, index: EmbeddingIndex): number {
  const { V, uniqueTokens, offsets, positions, scratch } = index;
  const n = tokens.length;
  if (n > index.maxPositions) {
    throw new Error(`embeddingBackwardIndex: ${n} tokens exceed the index's capacity of ${index.maxPositions} positions`);
  }
  // Checked in a pass of its own so a bad token cannot leave counts behind in scratch.
  for (let i = 0; i < n; i++) {
    if (tokens[i] >= V) throw new Error(`embeddingBackwardIndex: token ${tokens[i]} at position ${i} is outside the vocabulary [0, ${V})`);
  }
  for (let i = 0; i < n; i++) scratch[tokens[i]]++;
  // Scanning all of V yields the distinct tokens already sorted, without sorting them.
  let U = 0;
  let start = 0;
  for (let v = 0; v < V; v++) {
    const occurrences = scratch[v];
    if (occurrences === 0) continue;
    uniqueTokens[U] = v;
    offsets[U] = start;
    scratch[v] = start;
    start += occurrences;
    U++;
  }
  offsets[U] = n;
  // Positions in ascending order, each appended at its token's cursor: a stable sort.
  for (let i = 0; i < n; i++) positions[scratch[tokens[i]]++] = i;
  for (let u = 0; u < U; u++) scratch[uniqueTokens[u]] = 0;
  index.count[0] = U;
  return U;
}
