"""Shared fixtures: a migrated SQLite database per test, and a fresh PostgreSQL database per run."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from assistant import migrate
from assistant.db import create_db_engine

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get("OUTREACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def expression_indexes_unreflected() -> Iterator[None]:
    """SQLite's reflection skips expression indexes (account's folded handle) and Alembic then skips comparing
    them, each with a warning: silenced here for schema comparisons. PostgreSQL reflects and compares them;
    `index_definition` reads one on either database."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        yield


def index_definition(engine: Engine, name: str) -> str | None:
    """An index's CREATE statement as the database keeps it (SQLite or PostgreSQL), None when there is none."""
    query = (
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
        if engine.dialect.name == "sqlite"
        else "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    )
    with engine.connect() as connection:
        found = connection.execute(sa.text(query), {"name": name}).scalar()
    return str(found) if found is not None else None


def query_plan(connection: sa.Connection, run: Callable[[sa.Connection], object]) -> list[str]:
    """The database's plan (SQLite: EXPLAIN QUERY PLAN, PostgreSQL: EXPLAIN) of the first statement `run` sends,
    taken as the driver sent it, parameters bound by their column types: one line per step."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: object, cursor: object, statement: str, parameters: Any, *args: object) -> None:
        sent.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", capture)
    try:
        run(connection)
    finally:
        sa.event.remove(connection, "before_cursor_execute", capture)
    statement, parameters = sent[0]
    if connection.dialect.name == "sqlite":
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    return [str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)]


def shared_path(*parts: str) -> Path:
    """A file under ../shared (fixtures and specs are read there, never copied)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"missing shared file {path}; the repository must sit beside ../shared")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'outreach.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite file database upgraded to head through the real migrations."""
    migrate.upgrade(sqlite_url)
    engine = create_db_engine(sqlite_url)
    yield engine
    engine.dispose()


def _postgres_reachable() -> bool:
    try:
        probe = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with probe.connect():
            pass
        probe.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if not _postgres_reachable():
        if os.environ.get("OUTREACH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"outreach_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A fresh PostgreSQL database upgraded to head."""
    migrate.upgrade(postgres_url)
    engine = create_db_engine(postgres_url)
    yield engine
    engine.dispose()
