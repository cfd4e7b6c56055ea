"""Health: worker heartbeats, /healthz's figures and 503 rules, the minute's log line, the admins' notice sent once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant import migrate
from assistant.db import create_db_engine
from assistant.health import read
from assistant.health_watch import HealthWatch
from assistant.models import DigestJob, OutboxItem
from assistant.models.heartbeat import WorkerHeartbeat
from assistant.services.team.workspaces import ensure_workspace
from assistant.standins.slack import SlackStandIn
from assistant.web import create_wsgi_app
from assistant.worker import Worker, perform_once
from tests.fakes.slack import harness, make_settings

T = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
INTERVAL = 10.0  # seconds: a worker is silent after 50 s


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _tick(engine: Engine, at: datetime, name: str = "web-1") -> None:
    Worker(engine, [], interval=INTERVAL, now=lambda: at, name=name).tick()


def _digest_due(engine: Engine, due_at: datetime) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.add(
            DigestJob(
                workspace_id=workspace.id or 0,
                hashtag="edchat",
                start=T - timedelta(hours=2),
                end=T - timedelta(hours=1),
                channel_id="C0COMMS001",
                due_at=due_at,
            )
        )
        session.commit()


@pytest.fixture
def healthz(engine: Engine, sqlite_url: str) -> Iterator[tuple[httpx.Client, Clock]]:
    """GET /healthz through the real WSGI front, read at the clock's time."""
    clock = Clock(T)
    with harness(engine, sqlite_url) as app:
        wsgi = create_wsgi_app(
            app.bolt, engine, health=lambda: read(engine, sqlite_url, now=clock(), interval_seconds=INTERVAL)
        )
        with httpx.Client(transport=httpx.WSGITransport(app=wsgi), base_url="http://outreach.test") as http:
            yield http, clock


def test_each_worker_process_keeps_one_heartbeat_row_stamped_every_tick(engine: Engine) -> None:
    _tick(engine, T, "host:1:a")
    _tick(engine, T + timedelta(seconds=10), "host:1:a")
    _tick(engine, T + timedelta(seconds=5), "host:2:b")
    with Session(engine) as session:
        rows = {row.worker: row for row in session.exec(sa.select(WorkerHeartbeat)).scalars()}  # type: ignore[call-overload]
    assert set(rows) == {"host:1:a", "host:2:b"}
    assert (rows["host:1:a"].ticks, rows["host:1:a"].last_tick_at, rows["host:1:a"].started_at) == (
        2,
        T + timedelta(seconds=10),
        T,
    )
    assert read(engine, str(engine.url), now=T + timedelta(seconds=20), interval_seconds=INTERVAL).workers_alive == 2


def test_a_stopped_worker_turns_healthz_503_after_five_intervals_while_a_digest_is_due(
    engine: Engine, healthz: tuple[httpx.Client, Clock]
) -> None:
    http, clock = healthz
    _tick(engine, T)
    _digest_due(engine, T - timedelta(minutes=1))
    clock.at = T + timedelta(seconds=50)  # exactly five intervals: still within the limit
    response = http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["worker"] == {"last_tick": T.isoformat(), "age_seconds": 50.0, "alive": 1, "silent_after_seconds": 50.0}
    assert body["due"] == {"chats": 0, "digests": 1}
    clock.at = T + timedelta(seconds=51)
    response = http.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["worker"]["alive"] == 0
    assert body["problems"] == ["no worker has ticked for over 50s while work is due"]


def test_a_silent_worker_with_nothing_due_is_no_outage(engine: Engine, healthz: tuple[httpx.Client, Clock]) -> None:
    http, clock = healthz
    _tick(engine, T)
    _digest_due(engine, T + timedelta(hours=1))  # not yet due
    clock.at = T + timedelta(minutes=10)
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["alive"] == 0 and response.json()["due"]["digests"] == 0


def test_a_failing_outbox_row_is_counted_with_its_age_and_due_once_its_retry_comes(
    engine: Engine, healthz: tuple[httpx.Client, Clock]
) -> None:
    http, clock = healthz
    _tick(engine, T)

    def refuse() -> None:
        raise RuntimeError("Slack said no")

    outcome = perform_once(engine, "chat:1:question:1", refuse, now=lambda: T)
    assert outcome.status == "failed"
    body = http.get("/healthz").json()
    assert body["outbox"] == {"due": 0, "failing": 1, "oldest_failing": T.isoformat(), "dead": 0}
    with Session(engine) as session:
        retry_at = session.exec(sa.select(OutboxItem)).scalars().one().next_attempt_at  # type: ignore[call-overload]
    clock.at = retry_at
    _tick(engine, retry_at)
    response = http.get("/healthz")
    assert response.status_code == 200  # a failing side effect is reported, not an outage
    assert response.json()["outbox"]["due"] == 1


def test_a_schema_behind_head_answers_503_with_both_revisions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0009")
    engine = create_db_engine(url)
    try:
        reading = read(engine, url, now=T, interval_seconds=INTERVAL)
    finally:
        engine.dispose()
    head = migrate.head_revision(url)
    assert reading.as_json()["schema"] == {"current": "0009", "head": head, "ok": False}
    assert reading.problems == [f"schema at 0009, head is {head}: run `outreach migrate`"]


def test_an_unreachable_database_answers_503(sqlite_url: str) -> None:
    engine = create_db_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    try:
        reading = read(engine, sqlite_url, now=T, interval_seconds=INTERVAL)
    finally:
        engine.dispose()
    assert (reading.ok, reading.as_json()["database"], reading.problems) == (
        False,
        "unavailable",
        ["database unreachable"],
    )


def test_the_default_healthz_of_the_slack_front_reports_the_figures(engine: Engine, sqlite_url: str) -> None:
    with harness(engine, sqlite_url) as app:
        response = app.http.get("/healthz")
    assert response.status_code == 200
    assert set(response.json()) == {"ok", "problems", "database", "schema", "worker", "outbox", "due"}


def test_the_watch_logs_one_summary_line_with_the_healthz_figures(
    engine: Engine, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    _tick(engine, T)
    with SlackStandIn() as slack:
        settings = make_settings(sqlite_url, slack, worker_interval_seconds=INTERVAL)
        watch = HealthWatch(engine, settings, now=lambda: T + timedelta(seconds=20))
        with caplog.at_level(logging.INFO, logger="assistant.health_watch"):
            watch.check()
    head = migrate.head_revision(sqlite_url)
    assert [r.getMessage() for r in caplog.records if r.name == "assistant.health_watch"] == [
        f"health 200: schema {head} (head); worker last tick 20s ago, 1 alive; outbox 0 due, 0 failing, 0 dead; "
        "due: 0 chat(s), 0 digest(s)"
    ]


def test_the_admins_hear_once_that_the_worker_is_silent_and_once_that_it_is_back(
    engine: Engine, sqlite_url: str
) -> None:
    _tick(engine, T)
    clock = Clock(T)
    with SlackStandIn() as slack:
        settings = make_settings(sqlite_url, slack, slack_admin_users="U0ADMIN001", worker_interval_seconds=INTERVAL)
        web_1 = HealthWatch(engine, settings, now=clock)
        web_2 = HealthWatch(engine, settings, now=clock)  # a second web dyno sees the same silence
        clock.at = T + timedelta(seconds=40)
        web_1.check()
        assert slack.calls_to("chat.postMessage") == []
        for seconds in (60, 120, 600):
            clock.at = T + timedelta(seconds=seconds)
            web_1.check()
            web_2.check()
        told = slack.calls_to("chat.postMessage")
        assert len(told) == 1
        assert told[0].args["channel"] == "U0ADMIN001"
        assert "worker has not run since 2026-12-04 09:00 UTC" in told[0].args["text"]

        _tick(engine, T + timedelta(seconds=700))
        for seconds in (701, 720, 740):
            clock.at = T + timedelta(seconds=seconds)
            web_2.check()
            web_1.check()
        told = slack.calls_to("chat.postMessage")
        assert len(told) == 2
        assert "worker is running again (1 alive)" in told[1].args["text"]

        clock.at = T + timedelta(seconds=900)  # silent again: a new silence, told once more
        web_1.check()
        web_2.check()
        assert len(slack.calls_to("chat.postMessage")) == 3
        assert "since 2026-12-04 09:11 UTC" in slack.calls_to("chat.postMessage")[2].args["text"]


def test_a_worker_that_never_ticked_is_given_five_intervals_from_the_web_start(engine: Engine, sqlite_url: str) -> None:
    clock = Clock(T)
    with SlackStandIn() as slack:
        settings = make_settings(sqlite_url, slack, slack_admin_users="U0ADMIN001", worker_interval_seconds=INTERVAL)
        watch = HealthWatch(engine, settings, now=clock)
        clock.at = T + timedelta(seconds=50)
        watch.check()
        assert slack.calls_to("chat.postMessage") == []
        clock.at = T + timedelta(seconds=51)
        watch.check()
        watch.check()
        told = slack.calls_to("chat.postMessage")
        assert len(told) == 1 and "has not run since this app started" in told[0].args["text"]


@pytest.mark.postgres
def test_postgres_reads_an_empty_database_as_unmigrated_then_the_heartbeats_at_head(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    try:
        before = read(engine, postgres_url, now=T, interval_seconds=INTERVAL)
        assert before.database and before.schema_current is None and not before.schema_ok
        migrate.upgrade(postgres_url)
        _tick(engine, T, "pg-worker")
        _digest_due(engine, T - timedelta(minutes=1))
        after = read(engine, postgres_url, now=T + timedelta(seconds=10), interval_seconds=INTERVAL)
    finally:
        engine.dispose()
    assert after.ok and after.schema_ok and after.workers_alive == 1 and after.digests_due == 1
