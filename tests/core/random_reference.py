#!/usr/bin/env python3
"""Independent pure-Python reference for fastblock::Generator (core/random.hpp).

Re-implements splitmix64 seeding, xoshiro256**, the key mixing of Generator::derive / fork, the
53-bit uniform(), uniform(lo, hi) and Lemire's randint() from their published descriptions, so the
golden constants in tests/core/test_random.cpp are not just the C++ code checking itself.
Run: python3 tests/core/random_reference.py
"""

from fractions import Fraction

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    """The splitmix64 finaliser (Stafford variant 13)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def mix_key(h, k):
    """One link of the chain Generator::derive applies per key."""
    return mix64((h + GOLDEN + mix64((k + GOLDEN) & MASK)) & MASK)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Generator:
    def __init__(self, seed=0):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + GOLDEN) & MASK
            self.s.append(mix64(x))

    @staticmethod
    def derive(seed, keys):
        h = seed
        for k in keys:
            h = mix_key(h, k)
        return Generator(h)

    def next_u64(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next_u64() >> 11) * 2.0**-53

    def uniform_range(self, lo, hi):
        # fma(hi - lo, u, lo), correctly rounded: Fraction -> float rounds to nearest even.
        u = self.uniform()
        return float(Fraction(hi - lo) * Fraction(u) + Fraction(lo))

    def randint(self, lo, hi):
        s = (hi - lo) & MASK
        m = self.next_u64() * s
        low = m & MASK
        if low < s:
            t = ((1 << 64) - s) % s
            while low < t:
                m = self.next_u64() * s
                low = m & MASK
        return lo + (m >> 64)


def show(label, draw, n):
    print(f"{label}:", ", ".join(draw() for _ in range(n)))


def main():
    for seed in (0, 42):
        g = Generator(seed)
        show(f"next_u64 seed {seed}", lambda: f"0x{g.next_u64():016x}ULL", 4)
    g = Generator.derive(42, [1, 2])
    show("next_u64 derive(42, {1, 2})", lambda: f"0x{g.next_u64():016x}ULL", 3)
    g = Generator(7)
    show("uniform seed 7", lambda: repr(g.uniform()), 3)
    g = Generator(7)
    show("uniform(-3, 5) seed 7", lambda: repr(g.uniform_range(-3.0, 5.0)), 3)
    g = Generator(9)
    show("uniform(0.1, 0.7) seed 9", lambda: repr(g.uniform_range(0.1, 0.7)), 3)
    g = Generator(123)
    show("randint(0, 10) seed 123", lambda: str(g.randint(0, 10)), 10)
    g = Generator(123)
    show("randint(-1000, 1000) seed 123", lambda: str(g.randint(-1000, 1000)), 5)


if __name__ == "__main__":
    main()
