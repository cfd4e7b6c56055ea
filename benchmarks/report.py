"""Printing a benchmark's results: a right-aligned table, and ✓ or ✗ against a target."""

from __future__ import annotations

from collections.abc import Sequence


def mark(met: bool) -> str:
    """✓ when the target is met, ✗ when it is not."""
    return "✓" if met else "✗"


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """The header and rows, each column right-aligned to its widest cell."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
