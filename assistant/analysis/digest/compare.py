"""Comparison of the headline figures with the previous occurrence and the average of recent ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADLINE = (
    "posts",
    "participants",
    "new_participants",
    "returning_participants",
    "answers",
    "via_conversation",
    "posts_per_minute",
)


def headline(figures: Mapping[str, Any]) -> dict[str, float]:
    """The headline numbers of a digest document (the ones compared between occurrences)."""
    volume = figures.get("volume", {})
    values = {name: float(volume.get(name, 0) or 0) for name in HEADLINE if name != "answers"}
    values["answers"] = float(sum(q.get("answers", 0) for q in figures.get("questions", [])))
    return values


def compare(current: Mapping[str, float], previous: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """Each headline figure with the previous occurrence's (newest first in `previous`) and their average."""
    result: dict[str, Any] = {}
    for name in HEADLINE:
        value = current.get(name, 0.0)
        earlier = [p[name] for p in previous if name in p]
        result[name] = {
            "value": value,
            "previous": earlier[0] if earlier else None,
            "average": round(sum(earlier) / len(earlier), 2) if earlier else None,
            "occurrences": len(earlier),
        }
    return result
