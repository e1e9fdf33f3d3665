"""The playground's seeded random numbers, bit for bit.

A port of the engine's generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting
generator, 32-bit) whose four state words come from splitmix32(seed), with 12 draws
discarded. Every shuffle, crop and flip of the training data is drawn from it, so the
exported project sees the examples in the browser's order.

All arithmetic is on unsigned 32-bit integers (masked with 0xFFFFFFFF); the floating-point
steps (next, uniform, int, normal) are the same IEEE double operations the engine performs.
"""

from __future__ import annotations

import math
from typing import MutableSequence

import numpy as np

MASK32 = 0xFFFFFFFF
TWO_POW_32 = 4294967296.0


def _splitmix32(seed: int):
    """splitmix32: state += 0x9E3779B9; z = mix(state); the seed's stream of 32-bit words."""
    state = seed & MASK32

    def draw() -> int:
        nonlocal state
        state = (state + 0x9E3779B9) & MASK32
        z = state
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK32
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK32
        return (z ^ (z >> 16)) & MASK32

    return draw


class Rng:
    """sfc32 seeded through splitmix32, with the engine's next/uniform/normal/int."""

    def __init__(self, seed: int) -> None:
        init = _splitmix32(seed)
        self._a = init()
        self._b = init()
        self._c = init()
        self._d = init()
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self) -> int:
        """One sfc32 step: t = a + b + d; d += 1; a = b ^ (b >> 9); b = c + (c << 3); c = rotl(c, 21) + t."""
        a, b, c, d = self._a, self._b, self._c, self._d
        t = (a + b + d) & MASK32
        self._d = (d + 1) & MASK32
        self._a = b ^ (b >> 9)
        self._b = (c + (c << 3)) & MASK32
        c = ((c << 21) | (c >> 11)) & MASK32
        self._c = (c + t) & MASK32
        return t

    def next(self) -> float:
        """Uniform in [0, 1): next_uint32() / 2^32."""
        return self.next_uint32() / TWO_POW_32

    def uniform(self, low: float, high: float) -> float:
        """low + (high - low) * next()."""
        return low + (high - low) * self.next()

    def normal(self) -> float:
        """Standard normal by Box-Muller: sqrt(-2 ln(1 - u)) cos(2 pi v).

        The engine's Math.log and Math.cos may differ from C's in the last bit, so this
        agrees with the browser to about 1e-15 relative, not always bit for bit.
        """
        u = 1 - self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)

    def int(self, n: int) -> int:
        """Integer in [0, n): floor(next() * n), in double precision as the engine computes it."""
        return math.floor(self.next() * n)


def shuffle_in_place(order: MutableSequence[int], rng: Rng) -> None:
    """Fisher-Yates from the end: for i = n-1 .. 1, swap order[i] with order[rng.int(i + 1)]."""
    for i in range(len(order) - 1, 0, -1):
        j = rng.int(i + 1)
        order[i], order[j] = order[j], order[i]


def permutation(count: int, rng: Rng | None = None) -> np.ndarray:
    """0 .. count-1 as int64, shuffled by `rng` when one is given (the engine's permutation)."""
    order = list(range(count))
    if rng is not None:
        shuffle_in_place(order, rng)
    return np.asarray(order, dtype=np.int64)
