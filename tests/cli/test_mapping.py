"""`outreach map run|report|communities|estimate` against the fake X and an archive; bad input exits non-zero."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import migrate
from assistant.cli.commands import app
from assistant.db import create_db_engine, session_scope
from assistant.models.base import require_id
from assistant.samples.network import synthetic_world
from assistant.services.mapping import requests
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.x_graph import FakeXGraph
from tests.conftest import shared_path
from tests.fakes.clients import clients_over

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("X_BEARER_TOKEN", "DEFAULT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


def _new(tmp_path: Path, **fields: object) -> int:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    with session_scope(create_db_engine(url)) as session:
        request = requests.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U1",
            data=requests.RequestInput(title="FE", **fields),
        )  # type: ignore[arg-type]
        assert request.id is not None
        return request.id


def test_run_against_the_fake_x_then_write_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = synthetic_world(8, accounts=80, partners=5, chat_weeks=3)
    fake = FakeXGraph(world)
    monkeypatch.setenv("X_BEARER_TOKEN", "token")
    rid = _new(tmp_path, seeds=tuple(world.seeds), hashtags=("ukfechat",))
    steps = runner.invoke(app, ["map", "estimate", str(rid)])
    assert steps.exit_code == 0, steps.output
    assert f"look up {len(world.seeds)} seed account(s): 1 call, ${len(world.seeds) * 0.01:.2f}" in steps.output
    assert "count the posts of 1 hashtag(s) and keyword(s): 1 call, no items billed" in steps.output
    assert "Not measured yet" in steps.output and not fake.calls
    network = clients_over(fake.transport)
    assert "Step for the follows strategy only (--follows): read up to 100 follow-list" in " ".join(
        steps.output.split()
    )
    estimate = runner.invoke(app, ["map", "estimate", str(rid), "--measure"], obj=network)
    assert estimate.exit_code == 0 and "follows: about" in estimate.output and "up to $" in estimate.output
    tagged = [p for p in world.posts if "ukfechat" in {h["tag"] for h in p.get("entities", {}).get("hashtags", [])}]
    assert [c.endpoint for c in fake.calls] == [
        "GET /2/users/by",
        "GET /2/tweets/counts/recent",
        *["GET /2/tweets/search/recent"] * math.ceil(min(200, len(tagged)) / 100),  # the sample pages
    ]
    follows = runner.invoke(app, ["map", "estimate", str(rid), "--follows"], obj=network)
    assert follows.exit_code == 0 and "for the whole job" in follows.output, follows.output
    assert len(fake.calls_to("GET /2/users/{id}/following")) == len(world.seeds)  # the follow-list samples
    unapproved = runner.invoke(app, ["map", "run", str(rid)], obj=network)
    assert unapproved.exit_code != 0 and "--strategy" in unapproved.output
    result = runner.invoke(app, ["map", "run", str(rid), "--strategy", "follows"], obj=network)
    assert result.exit_code == 0, result.output
    assert "Mapped" in result.output and "1 recurring chat" in result.output
    assert "Estimate $" in result.output and "· actual $" in result.output
    for fmt in ("html", "csv", "graphml", "gexf", "png"):
        written = runner.invoke(app, ["map", "report", str(rid), "--format", fmt])
        assert written.exit_code == 0, written.output
        assert (tmp_path / f"mapping-{rid}.{fmt}").stat().st_size > 100
    calls = len(fake.calls)
    again = runner.invoke(app, ["map", "communities", str(rid), "--number", "3"])
    assert again.exit_code == 0 and len(fake.calls) == calls  # no crawling


def test_run_from_an_archive_without_a_token(tmp_path: Path) -> None:
    rid = _new(tmp_path, hashtags=("tidytuesday",))
    refused = runner.invoke(app, ["map", "run", str(rid)])
    assert refused.exit_code != 0 and "X_BEARER_TOKEN" in refused.output
    archive = shared_path("fixtures", "datasets", "tt_tweets.jsonl")
    result = runner.invoke(app, ["map", "run", str(rid), "--archive", str(archive)])
    assert result.exit_code == 0, result.output
    assert "posts from tt_tweets.jsonl match" in result.output and "Mapped" in result.output


def test_bad_input(tmp_path: Path) -> None:
    rid = _new(tmp_path, hashtags=("x",))
    assert "no mapping request 99" in runner.invoke(app, ["map", "run", "99"]).output
    bad = runner.invoke(app, ["map", "report", str(rid), "--format", "pdf"])
    assert bad.exit_code != 0 and "html, csv, graphml, gexf" in bad.output
    early = runner.invoke(app, ["map", "report", str(rid)])
    assert early.exit_code != 0 and "no report yet" in early.output
    assert runner.invoke(app, ["map", "communities", str(rid)]).exit_code != 0
