// float64 reference for GPT's input embedding: token embedding plus learned position embedding.
// Shapes: tokens (B, T) ids below V, wte (V, C), wpe (Tmax, C) with T <= Tmax, out (B, T, C).
// The backward always adds into dWte (as the GPU's scatter does) and adds into dWpe or
// overwrites it, as its options say.
import type { ParamGradientOptions } from '../backward-options';
import { checkSequenceLength } from './embedding-shape';

function checkShapes(op: string, tokens: Uint32Array, B: number, T: number, V: number, Tmax: number): void {
  checkSequenceLength(op, T, Tmax);
  for (let i = 0; i < B * T; i++) {
    if (tokens[i] >= V) throw new Error(`${op}: token ${tokens[i]} at position ${i} is outside the vocabulary [0, ${V})`);
  }
}

/** out[b, t, c] = wte[tokens[b, t], c] + wpe[t, c]. */
export function embeddingForward(
  out: Float64Array,
  tokens: Uint32Array,
  wte: Float64Array,
  wpe: Float64Array,
  B: number,
  T: number,
  C: number,
  V: number,
  Tmax: number,
): void {
  checkShapes('embeddingForward', tokens, B, T, V, Tmax);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const p = b * T + t;
      const row = tokens[p] * C;
      for (let c = 0; c < C; c++) out[p * C + c] = wte[row + c] + wpe[t * C + c];
    }
  }
}

/**
 * dWte[tokens[b, t], c] += dOut[b, t, c] (a token repeated in the batch collects every one of
 * its positions) and dWpe[t, c] (+)= sum_b dOut[b, t, c] for t < T; rows t >= T of dWpe are not
 * touched. A null gradient is skipped.
 */
export function embeddingBackward(
  dWte: Float64Array | null,
  dWpe: Float64Array | null,
  dOut: Float64Array,
  tokens: Uint32Array,
  B: number,
  T: number,
  C: number,
  V: number,
  Tmax: number,
  options: ParamGradientOptions,
): void {
  checkShapes('embeddingBackward', tokens, B, T, V, Tmax);
  if (!options.accumulateParams) dWpe?.fill(0, 0, T * C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const p = b * T + t;
      const row = tokens[p] * C;
      for (let c = 0; c < C; c++) {
        if (dWte) dWte[row + c] += dOut[p * C + c];
        if (dWpe) dWpe[t * C + c] += dOut[p * C + c];
      }
    }
  }
}
