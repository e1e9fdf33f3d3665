// float64 reference of causal multi-head self-attention, PyTorch's
// F.scaled_dot_product_attention(q, k, v, is_causal=True) on (B, H, T, D) views of (B, T, C)
// tensors: head h of position t is features h*D..h*D+D-1 of row t (x.view(B, T, H, D)), and the
// output comes back in the same layout. probs (B, H, T, T) holds the attention weights, with the
// masked entries (j > i) exactly 0. The backward adds into its gradient outputs or overwrites
// them, as its options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';
import { headSize } from './attention-shape';

/**
 * S_ij = q_i . k_j / sqrt(D) for j <= i; probs_i = softmax_j(S_i) over j <= i (row max
 * subtracted), 0 for j > i; out_i = sum_j probs_ij v_j.
 */
export function attentionForward(
  out: Float64Array,
  probs: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const D = headSize('attentionForward', C, H);
  const scale = 1 / Math.sqrt(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const head = b * T * C + h * D;
      for (let i = 0; i < T; i++) {
        const row = ((b * H + h) * T + i) * T;
        const qi = head + i * C;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = head + j * C;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
          probs[row + j] = dot * scale;
          max = Math.max(max, probs[row + j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          probs[row + j] = Math.exp(probs[row + j] - max);
          sum += probs[row + j];
        }
        for (let j = 0; j <= i; j++) probs[row + j] /= sum;
        for (let j = i + 1; j < T; j++) probs[row + j] = 0;
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += probs[row + j] * v[head + j * C + d];
          out[qi + d] = acc;
        }
      }
    }
  }
}

/**
 * From dOut (B, T, C) and the forward's probs: dV_j (+)= sum_i P_ij dOut_i; dP_ij = dOut_i . v_j;
 * dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik); dQ_i (+)= sum_j dS_ij k_j / sqrt(D);
 * dK_j (+)= sum_i dS_ij q_i / sqrt(D).
 */
export function attentionBackward(
  dQ: Float64Array,
  dK: Float64Array,
  dV: Float64Array,
  dOut: Float64Array,
  probs: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
  options: InputGradientOptions,
): void {
  const D = headSize('attentionBackward', C, H);
  clearUnlessAccumulating(options.accumulate, dQ, dK, dV);
  const scale = 1 / Math.sqrt(D);
  const dS = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const head = b * T * C + h * D;
      for (let i = 0; i < T; i++) {
        const row = ((b * H + h) * T + i) * T;
        const gi = head + i * C;
        let rowDot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = head + j * C;
          let dP = 0;
          for (let d = 0; d < D; d++) dP += dOut[gi + d] * v[vj + d];
          dS[j] = dP;
          rowDot += probs[row + j] * dP;
        }
        for (let j = 0; j <= i; j++) {
          const p = probs[row + j];
          const ds = p * (dS[j] - rowDot);
          const kj = head + j * C;
          for (let d = 0; d < D; d++) {
            dV[kj + d] += p * dOut[gi + d];
            dQ[gi + d] += ds * k[kj + d] * scale;
            dK[kj + d] += ds * q[gi + d] * scale;
          }
        }
      }
    }
  }
}
