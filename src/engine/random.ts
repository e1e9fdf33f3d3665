// Seeded pseudo-random numbers: every initialisation, synthetic dataset and shuffle in the
// engine takes a seed, so runs are reproducible and comparable across optimizers.

/** sfc32, seeded through splitmix32 so that nearby seeds give unrelated streams. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(low: number, high: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  // State kept as int32 (| 0) so the engine stays on small integers; only the output is unsigned.
  let a = init() | 0;
  let b = init() | 0;
  let c = init() | 0;
  let d = init() | 0;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  const next = () => nextUint32() / 4294967296;
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
  };
}

export function randomArray(rng: Rng, length: number, low = -1, high = 1): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniform(low, high);
  return out;
}

/** Fisher-Yates in place: every permutation equally likely, drawn from `rng` (as torch's RandomSampler). */
export function shuffleInPlace(order: Uint32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
}

/** 0..count-1, shuffled by `rng` when one is given. */
export function permutation(count: number, rng: Rng | null = null): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (rng) shuffleInPlace(order, rng);
  return order;
}
