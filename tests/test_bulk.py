"""Bulk work's helpers: quick thread switches inside a block, and the interpreter's own given back after it."""

from __future__ import annotations

import sys

import pytest

from assistant.bulk import QUICK_SWITCH_SECONDS, quick_switches


def test_quick_switches_inside_the_block_and_the_interval_given_back_even_on_an_error() -> None:
    before = sys.getswitchinterval()
    assert before > QUICK_SWITCH_SECONDS
    with pytest.raises(RuntimeError, match="inside"), quick_switches():
        assert sys.getswitchinterval() == QUICK_SWITCH_SECONDS
        raise RuntimeError("inside")
    assert sys.getswitchinterval() == before


def test_a_shorter_interval_already_set_is_kept_and_given_back() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(QUICK_SWITCH_SECONDS / 5)
    shorter = sys.getswitchinterval()  # as the interpreter keeps it (whole microseconds)
    try:
        with quick_switches():
            assert sys.getswitchinterval() == shorter
        assert sys.getswitchinterval() == shorter
    finally:
        sys.setswitchinterval(before)
