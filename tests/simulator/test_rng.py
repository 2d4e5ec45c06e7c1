"""Random streams: the cheap uniform streams draw exactly what ``random.Random`` would."""

from __future__ import annotations

import random

from darkhorses.simulator.rng import entity_uniform, stream, uniform_stream


def test_uniform_stream_draws_the_numbers_of_the_full_stream() -> None:
    full, cheap = stream(1, "race", "rac_20012345"), uniform_stream(1, "race", "rac_20012345")
    assert [cheap() for _ in range(1000)] == [full.random() for _ in range(1000)]


def test_entity_uniform_draws_the_numbers_of_random_random_seeded_with_the_packed_key() -> None:
    cheap = entity_uniform(7, 1, 10_123_456)
    full = random.Random((7 << 64) | (1 << 40) | 10_123_456)
    assert [cheap() for _ in range(1000)] == [full.random() for _ in range(1000)]
    assert entity_uniform(7, 1, 10_123_456)() != entity_uniform(7, 1, 10_123_457)()
