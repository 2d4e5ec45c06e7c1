"""The collector is off while a bulk step runs, and back as it was after, even on an error."""

from __future__ import annotations

import gc

import pytest

from darkhorses.collector import collector_paused


@collector_paused
def _state(fail: bool = False) -> bool:
    if fail:
        raise ValueError("step failed")
    return gc.isenabled()


def test_the_collector_is_off_during_the_step_and_on_after() -> None:
    assert gc.isenabled()
    assert _state() is False
    assert gc.isenabled()


def test_a_failing_step_turns_it_back_on() -> None:
    with pytest.raises(ValueError):
        _state(fail=True)
    assert gc.isenabled()


def test_a_step_inside_a_paused_one_leaves_it_off_for_the_outer() -> None:
    gc.disable()
    try:
        assert _state() is False
        assert not gc.isenabled()
    finally:
        gc.enable()
