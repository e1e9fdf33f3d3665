// The float64 twin of the WGSL Philox4x32-10 (shaders/common/philox.wgsl): the same words from
// the same counter and key, computed with 32-bit integer arithmetic in JavaScript.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product a * b, from 16-bit halves as the shader computes it. */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  const carry = (loLo >>> 16) + (hiLo & 0xffff) + (loHi & 0xffff);
  return (aHi * bHi + (hiLo >>> 16) + (loHi >>> 16) + (carry >>> 16)) >>> 0;
}

export function philox4x32_10(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((word) => word >>> 0);
  let [k0, k1] = key.map((word) => word >>> 0);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** The top 24 bits over 2^24: a float in [0, 1), exact in float32. */
export function philoxUniformOf(word: number): number {
  return (word >>> 8) / 16777216;
}

/** What philoxUniform's kernel writes: n uniforms for key (seed, stream) at `step`. */
export function philoxUniform(n: number, seed: number, stream: number, step: number): Float64Array {
  const out = new Float64Array(n);
  for (let block = 0; block * 4 < n; block++) {
    const words = philox4x32_10([block, step, 0, 0], [seed, stream]);
    for (let lane = 0; lane < 4 && block * 4 + lane < n; lane++) out[block * 4 + lane] = philoxUniformOf(words[lane]);
  }
  return out;
}
