// float64 reference for the softmax over the last dimension (PyTorch's nn.Softmax(dim=-1)),
// written as the formula itself. The backward adds into its gradient output or overwrites it,
// as its options say.
import { clearUnlessAccumulating, type InputGradientOptions } from '../backward-options';

/** out[n, c] = exp(x[n, c] - m_n) / sum_j exp(x[n, j] - m_n), m_n = max_j x[n, j], for each of the N rows of C values. */
export function softmaxForward(out: Float64Array, inp: Float64Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, inp[row + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(inp[row + c] - max);
    for (let c = 0; c < C; c++) out[row + c] = Math.exp(inp[row + c] - max) / sum;
  }
}

/** dInp[n, c] (+)= out[n, c] * (dOut[n, c] - sum_j dOut[n, j] * out[n, j]), from the forward's output. */
export function softmaxBackward(dInp: Float64Array, dOut: Float64Array, out: Float64Array, N: number, C: number, options: InputGradientOptions): void {
  clearUnlessAccumulating(options.accumulate, dInp);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dOut[row + c] * out[row + c];
    for (let c = 0; c < C; c++) dInp[row + c] += out[row + c] * (dOut[row + c] - dot);
  }
}
