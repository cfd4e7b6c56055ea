"""The demo ends with the demo team's weekly digest, posted once by the worker and printed as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from time_machine import TimeMachineFixture

from assistant.demo import run as demo
from assistant.demo.weekly import step_weekly


def test_the_demo_ends_with_the_weekly_digest() -> None:
    assert demo.STEPS[-1] is step_weekly


# The demo runs on the real clock: its week must hold the seeded data on any day it is run.
@pytest.mark.parametrize("today", [None, "2026-11-23T09:30:00Z", "2026-12-03T07:46:00Z", "2026-12-06T23:30:00Z"])
def test_demo_weekly_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, time_machine: TimeMachineFixture, today: str | None
) -> None:
    if today is not None:
        time_machine.move_to(today, tick=True)
    monkeypatch.setattr(demo, "STEPS", [step_weekly])
    console = Console(record=True, width=120)
    ctx = demo.run_demo(database=tmp_path / "demo.db", output=tmp_path / "out", console=console)
    shown = console.export_text()
    assert "Weekly digest · Demo Council" in shown
    assert "@DemoCouncil (x): 5,672 followers (+84)" in shown and "New contacts (1): Priya Shah" in shown
    assert len(ctx.slack.calls_to("chat.postMessage")) == 1
    assert ctx.slack.calls_to("files.completeUploadExternal")  # the followers chart went to the thread
    assert (tmp_path / "out" / "weekly-followers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
