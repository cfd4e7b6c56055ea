"""Digest message wording: changes against last time as people write them."""

from __future__ import annotations

from assistant.slack.blocks.digests import comparison_text


def test_a_change_names_its_direction_and_no_change_reads_as_words() -> None:
    assert comparison_text({"value": 60, "previous": 40, "average": 40, "occurrences": 1}) == "60 (▲ 20 on last time)"
    assert comparison_text({"value": 30, "previous": 40, "average": 45, "occurrences": 3}) == (
        "30 (▼ 10 on last time; average 45 over three chats)"
    )
    assert comparison_text({"value": 67, "previous": 67, "average": 67, "occurrences": 1}) == (
        "67 (the same as last time)"
    )
    assert comparison_text({"value": 6.67, "previous": None, "average": None, "occurrences": 0}) == "6.67"
