"""A digest's surroundings (earlier digests, the host's baseline, earlier participants) read on a second connection
beside the chat's posts, and on the session's own connection when a second one would not see what it sees."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import create_db_engine
from assistant.models import Account
from assistant.services.digests.make import make_digest
from assistant.services.digests.surroundings import side_engine
from assistant.services.store.write import upsert_batch
from integrations.normalized import Batch, NormalizedPost

START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)
WEEKS = [START - timedelta(weeks=2), START - timedelta(weeks=1), START]
HOUR = timedelta(hours=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    return engine


def _store_three_weeks(engine: Engine) -> None:
    """Week w (0, 1, 2) holds 3 + w answers by authors "0", "1", ... each mentioning the host @SecEd."""
    posts = [
        NormalizedPost(
            platform="x",
            id=f"w{w}p{i}",
            author_id=str(i),
            author_handle=f"u{i}",
            created_at=at + timedelta(minutes=i),
            text="A1 yes @SecEd #edchat",
            hashtags=["edchat"],
            mentions=["seced"],
        )
        for w, at in enumerate(WEEKS)
        for i in range(3 + w)
    ]
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))


@contextmanager
def _threads_by_statement(engine: Engine) -> Iterator[list[tuple[str, str]]]:
    """(thread name, statement) of every statement the engine's connections run inside the block."""
    seen: list[tuple[str, str]] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append((threading.current_thread().name, statement))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _week(session: Session, week: int, *, save: bool) -> dict[str, Any]:
    at = WEEKS[week]
    made = make_digest(session, hashtag="edchat", start=at, end=at + HOUR, host_handle="SecEd", save=save)
    return made.result.figures


def test_the_surroundings_are_read_on_a_second_connection_beside_the_chat(db: Engine) -> None:
    _store_three_weeks(db)
    with Session(db) as session:
        _week(session, 0, save=True)
        _week(session, 1, save=True)
        session.commit()
    with Session(db) as session, _threads_by_statement(db) as seen:
        figures = _week(session, 2, save=False)
    side = {statement for thread, statement in seen if thread.startswith("digest-surroundings")}
    main = {statement for thread, statement in seen if thread == threading.current_thread().name}
    assert any(" LIKE " in s.upper() for s in side)  # the host's mentions counted on the second connection
    assert any("FROM digest" in s for s in side)  # and the earlier digests read there
    assert not any("FROM digest" in s for s in main)
    assert any("ORDER BY post.created_at" in s for s in main)  # the chat's posts on the session's own
    # By hand: this week 5 posts by authors 0-4, the two weeks before 3 and 4 posts by 0-2 and 0-3.
    assert figures["comparison"]["posts"] == {"value": 5.0, "previous": 4.0, "average": 3.5, "occurrences": 2}
    assert figures["volume"]["returning_participants"] == 4 and figures["volume"]["new_participants"] == 1
    # @SecEd: 5 mentions on the day, 7 in the 90 days before (3 + 4): 5 / 7 = 0.71, 5 / (7 / 90) = 64.29
    host = figures["host"]
    assert host["mentions_on_day"] == 5 and host["share_of_baseline_period"] == 0.71
    assert host["mentions_ratio"] == 64.29


def test_a_session_that_wrote_reads_its_surroundings_itself(db: Engine) -> None:
    """Last week's digest saved and not yet committed: only the session's own connection sees it."""
    _store_three_weeks(db)
    with Session(db) as session:
        _week(session, 1, save=True)  # flushed, in this session's transaction
        with _threads_by_statement(db) as seen:
            figures = _week(session, 2, save=False)
        session.rollback()
    assert not any(thread.startswith("digest-surroundings") for thread, _ in seen)
    assert figures["comparison"]["posts"] == {"value": 5.0, "previous": 4.0, "average": 4.0, "occurrences": 1}


def test_no_second_connection_where_it_would_not_see_what_the_session_sees(engine: Engine, pg_engine: Engine) -> None:
    for fresh in (engine, pg_engine):
        with Session(fresh) as session:
            assert side_engine(session) is fresh  # nothing written: a second connection sees the same
            session.add(Account(platform="x", id="1", handle="pending"))
            assert side_engine(session) is None  # not yet flushed
            session.flush()
            assert side_engine(session) is None  # written, not committed
            session.commit()
            assert side_engine(session) is fresh
        with fresh.connect() as connection, Session(bind=connection) as session:
            assert side_engine(session) is None  # a session bound to one connection keeps to it
    memory = create_db_engine("sqlite://")
    try:
        with Session(memory) as session:
            assert side_engine(session) is None  # each connection to SQLite's memory has a database of its own
    finally:
        memory.dispose()
