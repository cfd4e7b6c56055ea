"""CSV cells that are safe to open in a spreadsheet: outside text never runs as a formula (OWASP CSV injection)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """Undo safe_cell when reading a file this app wrote."""
    return text[1:] if text[:2] in {"'" + start for start in FORMULA_STARTS} else text
