"""Deterministic random streams keyed by meaning, not by call order, and cheap draws from them.

Every piece of the world (a day, a race, a horse, a jockey) draws from its own ``random.Random``
seeded from the world seed and the entity's key. So a horse is the same whether it is first met
on a racecard in 1990 or through ``/v1/horses/{id}/pro`` in 2025, and generating one date never
shifts another. Seeds come from BLAKE2b, never from ``hash()``, which changes with PYTHONHASHSEED.

Generating a day makes tens of thousands of draws, so the hot paths use ``rng.random()`` (a C
call) with :func:`pick` and :data:`NORMAL` instead of ``choice``/``randint``/``gauss``, whose
Python wrappers cost ten to thirty times more per draw.
"""

from __future__ import annotations

import _random
import hashlib
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TypeVar

T = TypeVar("T")
Uniform = Callable[[], float]

#: The C generator under ``random.Random``. Seeded with an integer it gives the very stream
#: ``random.Random(n)`` gives (``Random.seed`` hands integers straight to it), but is built
#: without ``Random``'s Python ``__init__`` and ``seed``: about 2 µs less per stream, and a fresh
#: results page seeds several hundred (one per new horse). Only ``random()`` is used from it.
_Uniforms = _random.Random

NORMAL_STEPS = 4096
#: Standard-normal quantiles at the midpoints of 4096 equal-probability bins: ``NORMAL[int(u *
#: NORMAL_STEPS)]`` is a normal draw from one uniform (tails stop at about 3.5 sigma).
NORMAL: tuple[float, ...] = tuple(NormalDist().inv_cdf((i + 0.5) / NORMAL_STEPS) for i in range(NORMAL_STEPS))


def derive_seed(*parts: object) -> int:
    """A 64-bit integer determined only by ``parts`` (stable across processes and platforms)."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def stream(*parts: object) -> random.Random:
    """A private random stream for the entity named by ``parts``."""
    return random.Random(derive_seed(*parts))


def uniform_stream(*parts: object) -> Uniform:
    """The ``random`` method of :func:`stream` ``(*parts)``, for the many streams that draw only
    uniforms: the same numbers, without the Python-level constructor (see :class:`_Uniforms`)."""
    return _Uniforms(derive_seed(*parts)).random


def entity_uniform(seed: int, kind: int, number: int) -> Uniform:
    """Uniform draws for numbered entity ``number`` of ``kind`` (a small constant per entity type).

    Packing the three integers into one seed skips hashing: this is called once per horse and
    person, and the Mersenne Twister's own seeding already mixes every bit of the integer.
    """
    return _Uniforms((seed << 64) | (kind << 40) | number).random


_MASK64 = (1 << 64) - 1


def mix64(value: int) -> int:
    """SplitMix64's finaliser: 64 well-mixed bits from an integer, ten times cheaper than seeding
    a stream, for values that must be listed in bulk (every horse name of a cohort)."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def pick(items: Sequence[T], u: float) -> T:
    """The item a uniform ``u`` in [0, 1) selects."""
    return items[int(u * len(items))]


def normal(u: float) -> float:
    """A standard-normal value from a uniform ``u`` in [0, 1)."""
    return NORMAL[int(u * NORMAL_STEPS)]


def between(low: int, high: int, u: float) -> int:
    """An integer in ``low..high`` inclusive from a uniform ``u`` in [0, 1)."""
    return low + int(u * (high - low + 1))
