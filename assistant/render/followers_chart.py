"""A small PNG chart of each account's followers over the last 8 weeks (matplotlib, Agg backend, no display)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any


def followers_chart_png(series: Sequence[tuple[str, Sequence[tuple[date, int]]]]) -> bytes | None:
    """One line per account; None when no account has two points to draw."""
    drawable = [(name, points) for name, points in series if len(points) >= 2]
    if not drawable:
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.6), dpi=100)
    axes = figure.add_subplot()
    for name, points in drawable:
        days: list[Any] = [day for day, _ in points]
        axes.plot(days, [value for _, value in points], marker="o", label=name)
    axes.set_title("Followers, last 8 weeks")
    axes.legend(loc="upper left", fontsize="small")
    axes.tick_params(axis="x", labelsize=7)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
