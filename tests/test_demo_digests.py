"""The demo's digest step: the worker posts week 2's digest (compared with week 1) and writes HTML, JSON and chart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from assistant.demo import run as demo
from assistant.demo.chats import step_chat
from assistant.demo.digests import HASHTAG, step_digest
from assistant.render.digest_files import schema


def test_demo_digest_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "STEPS", [step_digest])
    console = Console(record=True, width=120)
    demo.run_demo(database=tmp_path / "demo.db", output=tmp_path / "out", console=console)
    shown = console.export_text()
    assert f"Digest of #{HASHTAG}" in shown and "on last time" in shown  # compared with week 1
    # the same chat collected from the X stand-in: X's count first, then the ledger's bill beside the estimate
    counted = re.search(r"(\d+) posts counted first, (\d+) read", shown)
    assert counted is not None and counted.group(1) == counted.group(2)
    assert re.search(r"Estimate \$[\d.]+ \(\d+ posts, \d+ users\) · actual \$[\d.]+", shown)
    document = json.loads((tmp_path / "out" / f"digest-{HASHTAG}.json").read_text())
    jsonschema.validate(document, schema())
    assert document["comparison"]["posts"]["occurrences"] == 1
    assert document["volume"]["returning_participants"] > 0
    html = (tmp_path / "out" / f"digest-{HASHTAG}.html").read_text()
    assert "data:image/png;base64," in html and "Q6" in html
    assert (tmp_path / "out" / f"digest-{HASHTAG}-timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_digests_the_chat_it_posted_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "STEPS", [step_chat])
    console = Console(record=True, width=200)
    demo.run_demo(database=tmp_path / "demo.db", output=tmp_path / "out", console=console)
    text = console.export_text()
    shown = " ".join(text.split())
    # by hand from chat_digest.answer_the_chat: Q1 has Amira's A1, Bryn's reply under Q1 and his reply under the
    # host's follow-up (which is a moderator reply); Cerys's "A2 & A3" answers both; Amira replies under Q3
    assert "Moderators: @demo_council, @fe_cohost (plan); questions recorded by the outbox" in shown
    assert "Q1 (post 1860000000000000002): 3 answers from 2 people, 1 moderator reply" in shown
    assert "Q2 (post 1860000000000000003): 1 answer from 1 person, 0 moderator replies" in shown
    assert "Q3 (post 1860000000000000004): 2 answers from 2 people, 0 moderator replies" in shown
    assert "A @bryn_fe: A4 the part on apprenticeships <3 & the map -> more please #ukfechat" in shown
    assert "Intro replies: 1; open conversation: 1" in shown  # Cerys's hello under the intro; the host's closing
    # each question with its answers, in time order, and the host's follow-up under Q1 apart from them
    lines = " ".join(text.replace("\N{BOX DRAWINGS LIGHT VERTICAL}", " ").split())  # the panel's borders gone
    assert (
        "Q1 (post 1860000000000000002): 3 answers from 2 people, 1 moderator reply"
        " A @amira_teaches: A1 more confidence in maths #ukfechat"
        " A @bryn_fe: Attendance is up since September"
        " A @bryn_fe: The breakfast club, honestly"
        " moderator @demo_council: Thanks Bryn, what helped most?"
        " Q2 (post 1860000000000000003): 1 answer from 1 person, 0 moderator replies"
        " A @cerys_lecturer: A2 & A3 mentoring; and ask us about workload #ukfechat"
        " Q3 (post 1860000000000000004): 2 answers from 2 people, 0 moderator replies"
        " A @cerys_lecturer: A2 & A3 mentoring; and ask us about workload #ukfechat"
        " A @amira_teaches: How they would fix funding"
        " Q4 (post 1860000000000000005): 1 answer from 1 person, 0 moderator replies"
        " A @bryn_fe: A4 the part on apprenticeships <3 & the map -> more please #ukfechat"
        " Intro replies: 1"
    ) in lines
