// The windows of the paper's WikiText-2 runs (the authors' Wikitext2 dataset, break_mode "none",
// max_length 256): a split is one stream of n ids, cut into c = floor((n - 1) / 256) full windows
// of 257 ids starting at 0, 256, 512, ... (source = the first 256, target = the last 256), then,
// when ids remain, one final window of the r = n - (256c + [c > 0]) ids from 256c + [c > 0] on,
// its source and target padded to 256 with id 0 and the padded targets masked. As in their code,
// the final window starts one id after the last full window ends (when c > 0), so the target at
// 256c + 1 is never predicted; and a window shorter than 2 ids is kept only when c > 0 (their
// filter compares the nominal length r + 1 with min_length 1), as an all-masked window.
// Masked targets are IGNORE_TARGET here, the engine's ignore_index; their source ids are 0.

import { IGNORE_TARGET } from '../kernels/cross-entropy/cross-entropy-labels';
import type { TokenIds } from './token-batches';

export const PAPER_CONTEXT = 256;
export const PAPER_PAD_ID = 0;

export interface PaperWindows {
  /** (windows, context) source ids, row-major. */
  inputs: Uint32Array;
  /** (windows, context): the id after each source id, or IGNORE_TARGET in the padded tail of the final window. */
  targets: Uint32Array;
  windows: number;
  context: number;
  /** Targets that are not IGNORE_TARGET: what the per-token mean NLL divides by. */
  tokens: number;
}

/** [start, length] of every window, in order, as the authors' _get_split_indices gives them (length clipped to the stream). */
export function paperWindowSpans(count: number, context = PAPER_CONTEXT): [number, number][] {
  if (!Number.isSafeInteger(context) || context <= 0) throw new RangeError(`The context length must be a whole number > 0, got ${context}.`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`The token count must be a whole number >= 0, got ${count}.`);
  const full = count > 0 ? Math.floor((count - 1) / context) : 0;
  const spans: [number, number][] = [];
  for (let i = 0; i < full; i++) spans.push([i * context, context + 1]);
  const start = full * context + (full > 0 ? 1 : 0);
  const remainder = count - start;
  // Their filter keeps a window whose nominal length (remainder + [full > 0]) exceeds 1.
  if (remainder > 0 && remainder + (full > 0 ? 1 : 0) > 1) spans.push([start, remainder]);
  return spans;
}

/** Every window of a split, padded and masked as the paper's data loader does. */
export function paperWindows(ids: TokenIds, context = PAPER_CONTEXT): PaperWindows {
  const spans = paperWindowSpans(ids.length, context);
  const inputs = new Uint32Array(spans.length * context).fill(PAPER_PAD_ID);
  const targets = new Uint32Array(spans.length * context).fill(IGNORE_TARGET);
  let tokens = 0;
  spans.forEach(([start, length], row) => {
    const at = row * context;
    // A window of length ids has length - 1 (source, target) pairs.
    for (let t = 0; t + 1 < length; t++) {
      inputs[at + t] = ids[start + t];
      targets[at + t] = ids[start + t + 1];
    }
    tokens += Math.max(length - 1, 0);
  });
  return { inputs, targets, windows: spans.length, context, tokens };
}
