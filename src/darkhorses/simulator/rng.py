"""Deterministic random streams keyed by meaning, not by call order.

Every piece of the world (a day, a race, a horse, a jockey) draws from its own ``random.Random``
seeded from the world seed and the entity's key. So a horse is the same whether it is first met
on a racecard in 1990 or through ``/v1/horses/{id}/pro`` in 2025, and generating one date never
shifts another. Seeds come from BLAKE2b, never from ``hash()``, which changes with PYTHONHASHSEED.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(*parts: object) -> int:
    """A 64-bit integer determined only by ``parts`` (stable across processes and platforms)."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def stream(*parts: object) -> random.Random:
    """A private random stream for the entity named by ``parts``."""
    return random.Random(derive_seed(*parts))


def entity_stream(seed: int, kind: int, number: int) -> random.Random:
    """A stream for numbered entity ``number`` of ``kind`` (a small constant per entity type).

    Packing the three integers into one seed skips hashing: this is called once per horse and
    person, and the Mersenne Twister's own seeding already mixes every bit of the integer.
    """
    return random.Random((seed << 64) | (kind << 40) | number)
