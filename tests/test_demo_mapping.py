"""The demo's mapping step: the measuring steps with their own cost, the measured estimate, then the estimate
against what the crawl billed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console

from assistant.demo import run as demo
from assistant.demo.mapping import step_mapping


def test_demo_mapping_shows_the_measuring_steps_and_estimate_against_actual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "STEPS", [step_mapping])
    console = Console(record=True, width=160)
    demo.run_demo(database=tmp_path / "demo.db", output=tmp_path / "out", console=console)
    shown = console.export_text()
    assert "look up 9 seed account(s): 1 call, $0.09" in shown and "no items billed" in shown
    assert "Estimate from X's own numbers" in shown and "349 posts on the terms" in shown
    against = re.search(r"Estimate \$([\d.]+) \((\d+) posts, \d+ users\) · actual \$([\d.]+) \((\d+) posts", shown)
    assert against is not None
    assert against.group(2) == against.group(4) == "349"  # X's counts are what the crawl's searches read
