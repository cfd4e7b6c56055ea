"""Every chat shape of tests/chat_shapes.py through the three digest paths, each giving the figures worked out by
hand: the file path (`outreach digest FILE`), the database path with the chat's plan, and the database path for a
chat the app posted itself (its question posts as the outbox recorded them, no text matching)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from assistant.cli.commands import app
from assistant.models import OutboxItem, OutboxState
from assistant.services.digests.make import make_digest
from assistant.services.digests.plan import ChatPlan, plan_for_job
from assistant.services.digests.records import request_digest
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from integrations.archives import read_archive
from tests.chat_shapes import (
    END,
    FEDI,
    FEDI_EXPECTED,
    HASHTAG,
    SHAPES,
    START,
    Expected,
    P,
    Q,
    Shape,
    bluesky_id,
    bluesky_views,
    mastodon_statuses,
    write_twarc2,
)

runner = CliRunner()
WINDOW = ["--from", "2026-03-12T21:00", "--to", "2026-03-12T22:00", "--tz", "UTC"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("X_BEARER_TOKEN", "BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "DEFAULT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def _observed(figures: dict[str, Any]) -> Expected:
    intro = figures["intro"] or {}
    return Expected(
        posts=figures["volume"]["posts"],
        participants=figures["volume"]["participants"],
        reposts=figures["volume"]["reposts"],
        questions={
            q["number"]: Q(q["post_id"], q["answers"], q["answerers"], q["thread_replies"], q["moderator_replies"])
            for q in figures["questions"]
        },
        open_conversation=figures["open_conversation"],
        intro=intro.get("post_id"),
        intro_replies=intro.get("replies", 0),
        moderators=tuple(figures["moderators"]["handles"]),
    )


def _file_digest(path: Path, *options: str) -> dict[str, Any]:
    result = runner.invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *WINDOW, *options])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _store(engine: Engine, path: Path) -> None:
    with engine.begin() as connection:
        for chunk in read_archive(path):
            upsert_batch(connection, chunk.batch)


def _plan_digest(engine: Engine, shape: Shape, host: str = "hosty") -> dict[str, Any]:
    """The database path for a chat planned here but posted by hand: its questions, host and co-moderators."""
    plan = [(n, START, f"Q{n} planned") for n in shape.expected.questions]
    with Session(engine) as session:
        made = make_digest(
            session,
            hashtag=HASHTAG,
            start=START,
            end=END,
            questions=plan,
            host_handle=host,
            plan=ChatPlan(co_moderators=shape.co_moderators, source="plan"),
            save=False,
        )
    return made.result.figures


def _posted_digest(engine: Engine, recorded: dict[str, tuple[str, str]], shape: Shape, host: str) -> dict[str, Any]:
    """The database path for a chat the app posted: the outbox rows its chat runner wrote, then the digest job's
    plan (as the worker reads it) and the digest."""
    occurrence = 77
    with Session(engine) as session:
        for item, (platform, post_id) in recorded.items():
            key = f"chat:{occurrence}:{item}" + ("" if platform == "x" else f":{platform}")
            session.add(OutboxItem(key=key, state=OutboxState.done, result={"post_id": post_id}))
        workspace = ensure_workspace(session, slack_team_id="T1")
        job = request_digest(
            session,
            workspace_id=workspace.id or 0,
            hashtag=HASHTAG,
            start=START,
            end=END,
            channel_id="C1",
            chat_occurrence_id=occurrence,
            questions=[(n, START, f"Q{n} planned") for n in shape.expected.questions],
            host_handle=host,
            moderators=shape.co_moderators,
            due_at=END,
        )
        session.commit()
        plan = plan_for_job(session, job)
        assert plan.recorded_questions is not None and plan.source == "plan"
        made = make_digest(
            session, hashtag=HASHTAG, start=START, end=END, host_handle=host, plan=plan, save=False
        )
    return made.result.figures


def _posted_items(shape: Shape) -> dict[str, tuple[str, str]]:
    items = {f"question:{n}": ("x", post_id) for n, post_id in shape.question_ids().items()}
    if shape.expected.intro:
        items["intro"] = ("x", shape.expected.intro)
    return items


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_file_path(shape: Shape, tmp_path: Path) -> None:
    path = write_twarc2(tmp_path / "chat.jsonl", shape.posts)
    options = ["--host", "hosty", *(x for m in shape.co_moderators for x in ("--moderator", m))]
    figures = _file_digest(path, *(options if shape.co_moderators else ()))
    assert _observed(figures) == shape.expected
    inferred = not shape.co_moderators
    assert figures["moderators"]["inferred"] is inferred  # with nobody named, the host is inferred: hosty
    assert figures["moderators"]["source"] == ("inferred" if inferred else "given")
    assert figures["questions_from"] == "text"


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_database_path_with_the_plan(shape: Shape, tmp_path: Path, engine: Engine) -> None:
    _store(engine, write_twarc2(tmp_path / "chat.jsonl", shape.posts))
    figures = _plan_digest(engine, shape)
    assert _observed(figures) == shape.expected
    assert figures["moderators"] == {
        "handles": list(shape.expected.moderators),
        "host": "hosty",
        "inferred": False,
        "source": "plan",
    }


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_database_path_for_a_chat_the_app_posted(shape: Shape, tmp_path: Path, engine: Engine) -> None:
    _store(engine, write_twarc2(tmp_path / "chat.jsonl", shape.posts))
    figures = _posted_digest(engine, _posted_items(shape), shape, "hosty")
    assert _observed(figures) == shape.expected
    assert figures["questions_from"] == "recorded"


def test_recorded_questions_are_taken_by_id_not_by_text(tmp_path: Path, engine: Engine) -> None:
    # the app posted Q1 as "1/ What made you teach?" (no Q tag): its recorded id still makes it the question,
    # and the host's later "Q1 reminder" post is no question at all
    posts = [
        P("1", "hosty", "1/ What made you teach? #edchat", 5),
        P("2", "ann", "A1 my teachers #edchat", 6),
        P("3", "bob", "Curiosity", 7, reply="1"),
        P("4", "hosty", "Q1 reminder: still open! #edchat", 8),
    ]
    _store(engine, write_twarc2(tmp_path / "chat.jsonl", posts))
    with Session(engine) as session:
        session.add(OutboxItem(key="chat:9:question:1", state=OutboxState.done, result={"post_id": "1"}))
        workspace = ensure_workspace(session, slack_team_id="T1")
        job = request_digest(
            session,
            workspace_id=workspace.id or 0,
            hashtag=HASHTAG,
            start=START,
            end=END,
            channel_id="C1",
            chat_occurrence_id=9,
            host_handle="hosty",
            due_at=END,
        )
        made = make_digest(
            session, hashtag=HASHTAG, start=START, end=END, plan=plan_for_job(session, job), save=False
        )
    (question,) = made.result.figures["questions"]
    assert (question["post_id"], question["answers"], question["thread_replies"]) == ("1", 2, 1)
    assert made.result.figures["open_conversation"] == 1  # the host's reminder, by a moderator: no answer


def test_hostile_text_is_stored_as_published_and_escaped_once_per_output(tmp_path: Path) -> None:
    shape = next(s for s in SHAPES if s.name == "hostile text")
    path = write_twarc2(tmp_path / "chat.jsonl", shape.posts)
    figures = _file_digest(path)
    answers = {p["text"] for q in figures["questions"] for p in q["top_answers"]}
    assert "A1 <@U1> <https://x|click> &amp; more #edchat" in answers  # "&amp;" was typed: kept, once unescaped
    assert figures["questions"][0]["text"] == "Q1: What do <3 & -> mean? #edchat"
    assert not {"lt", "gt", "amp"} & {w["word"] for w in figures["top"]["words"]}
    page = runner.invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *WINDOW, "-f", "html"]).stdout
    assert "A1 &lt;!channel&gt; hi" in page and "&lt;3 &amp; -&gt;" in page
    assert "&amp;amp; more" in page and "&amp;lt;" not in page.replace("&amp;amp; more", "")
    assert "<!channel>" not in page and "مرحبا 你好 🎉" in page
    rows = runner.invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *WINDOW, "-f", "csv"]).stdout
    assert "<b>bold</b> & <i>it</i>" in rows and "&lt;" not in rows


def test_mastodon_thread_on_every_path(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "chat.jsonl"
    # one line holding the thread, as a status context comes (the store finds threads by their root)
    path.write_text(json.dumps(mastodon_statuses(FEDI)) + "\n", encoding="utf-8")
    assert _observed(_file_digest(path)) == FEDI_EXPECTED
    _store(engine, path)
    shape = Shape("mastodon", FEDI, FEDI_EXPECTED)
    assert _observed(_plan_digest(engine, shape)) == FEDI_EXPECTED
    recorded = {"intro": ("mastodon", "m1"), "question:1": ("mastodon", "m2")}
    assert _observed(_posted_digest(engine, recorded, shape, "hosty")) == FEDI_EXPECTED


def test_bluesky_thread_on_every_path(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(v) for v in bluesky_views(FEDI)) + "\n", encoding="utf-8")
    host = "hosty.bsky.social"
    expected = Expected(
        **{
            **FEDI_EXPECTED.__dict__,
            "questions": {1: Q(bluesky_id("m2"), 2, 2, 1, 1)},
            "intro": bluesky_id("m1"),
            "moderators": (host,),
        }
    )
    assert _observed(_file_digest(path)) == expected
    _store(engine, path)
    shape = Shape("bluesky", FEDI, expected)
    assert _observed(_plan_digest(engine, shape, host=host)) == expected
    recorded = {"intro": ("bluesky", bluesky_id("m1")), "question:1": ("bluesky", bluesky_id("m2"))}
    assert _observed(_posted_digest(engine, recorded, shape, host)) == expected
