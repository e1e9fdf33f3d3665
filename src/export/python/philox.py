"""The playground's counter-based random numbers (Philox4x32-10) and how its optimizers draw them.

Every draw is a pure function of the key (seed, stream) -- the run config's seed and the run's
index in its session -- and a counter (c0, c1, c2, c3) = (block, step, word2, 0). Block i/4
gives four 32-bit words; element i takes word i mod 4. So an exported run draws exactly the
numbers the browser drew, on any number of processes:

* K-FAC's sampled labels: a uniform u_b = top 24 bits / 2^24 of word b (counter word2 = 0)
  per prediction row b; y_b = the smallest k with u_b * S < e_0 + ... + e_k, the inverse CDF
  of softmax(logits_b), e_k = exp(logits[b, k] - max_b), S = sum e_k.
* AdaHessian's Rademacher vectors: element j of trainable parameter number `index` is -1 when
  the top bit of its word is set, else +1 (counter word2 = index).
* Shampoo's power-iteration starts: v_i = 2 u_i - 1 for statistic number `matrix`
  (counter word2 = matrix).
"""

from __future__ import annotations

import numpy as np

M0 = 0xD2511F53
M1 = 0xCD9E8D57
W0 = 0x9E3779B9
W1 = 0xBB67AE85
MASK32 = 0xFFFFFFFF


def _u32(value: int | np.ndarray, size: int) -> np.ndarray:
    """A uint64 array of `size` copies of a 32-bit word (or the given array)."""
    return np.broadcast_to(np.asarray(value, dtype=np.uint64) & np.uint64(MASK32), (size,)).copy()


def philox4x32_10(counter: tuple, key: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Ten Philox rounds on counters (c0, c1, c2, c3), each an int or a 1-D array, with key (k0, k1).

    One round: (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)),
    and the key advances by (W0, W1) before every round but the first. Returns four uint32 arrays.
    """
    size = max(np.size(word) for word in counter)
    c0, c1, c2, c3 = (_u32(word, size) for word in counter)
    k0, k1 = int(key[0]) & MASK32, int(key[1]) & MASK32
    m0, m1, mask = np.uint64(M0), np.uint64(M1), np.uint64(MASK32)
    for round_index in range(10):
        if round_index > 0:
            k0 = (k0 + W0) & MASK32
            k1 = (k1 + W1) & MASK32
        product0 = m0 * c0  # < 2^64: exact in uint64
        product1 = m1 * c2
        hi0, lo0 = product0 >> np.uint64(32), product0 & mask
        hi1, lo1 = product1 >> np.uint64(32), product1 & mask
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return tuple(word.astype(np.uint32) for word in (c0, c1, c2, c3))


def words(n: int, seed: int, stream: int, step: int, word2: int = 0) -> np.ndarray:
    """The n words w_i = word (i mod 4) of philox((i // 4, step, word2, 0), (seed, stream))."""
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    blocks = np.arange((n + 3) // 4, dtype=np.uint64)
    out = np.stack(philox4x32_10((blocks, step, word2, 0), (seed, stream)), axis=1)
    return out.reshape(-1)[:n]


def uniforms(n: int, seed: int, stream: int, step: int, word2: int = 0) -> np.ndarray:
    """u_i = (w_i >> 8) / 2^24 in [0, 1), exact in float32 (the engine's philoxUniform)."""
    return (words(n, seed, stream, step, word2) >> np.uint32(8)).astype(np.float64) / 16777216.0


def sample_labels(logits: np.ndarray, labels: np.ndarray, u: np.ndarray, classes: int) -> np.ndarray:
    """y_b ~ Categorical(softmax(logits_b)) by the inverse CDF of u_b, in float64.

    y_b = the smallest k with u_b * S_b < e_0 + ... + e_k (a running sum). If rounding leaves
    u_b * S_b at or past the last partial sum, the last class with e_k > 0 (0 when the logits are
    not finite). A row whose true label is not a class (an ignored token) keeps its label.
    """
    logits = np.asarray(logits, dtype=np.float64).reshape(-1, classes)
    labels = np.asarray(labels).reshape(-1)
    out = labels.astype(np.int64).copy()
    for b in range(logits.shape[0]):
        if not 0 <= labels[b] < classes:
            continue
        e = np.exp(logits[b] - logits[b].max())
        total = 0.0
        for value in e:
            total += value
        t = u[b] * total
        acc = 0.0
        label = -1
        last_positive = 0
        for k in range(classes):
            if e[k] > 0:
                last_positive = k
            acc += e[k]
            if t < acc:
                label = k
                break
        out[b] = label if label >= 0 else (last_positive if np.isfinite(total) else 0)
    return out


def rademacher(seed: int, stream: int, index: int, step: int, length: int) -> np.ndarray:
    """v_j = -1 if the top bit of word j (counter word2 = parameter index) is set, else +1."""
    w = words(length, seed, stream, step, index)
    return np.where(w >> np.uint32(31), -1.0, 1.0)


def power_iteration_start(n: int, seed: int, stream: int, step: int, matrix: int) -> np.ndarray:
    """v_i = 2 u_i - 1 in [-1, 1) for statistic number `matrix` (counter word2 = matrix)."""
    return 2.0 * uniforms(n, seed, stream, step, matrix) - 1.0
