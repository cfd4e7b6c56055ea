"""Migrations: head -> base -> head on SQLite and PostgreSQL, and no drift between models and revisions."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assistant import migrate
from assistant.db import SQLITE_PAGE_BYTES, all_metadata, create_db_engine
from tests.conftest import expression_indexes_unreflected, index_definition


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection, expression_indexes_unreflected():
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return [
                d
                for metadata in all_metadata()
                for d in compare_metadata(context, metadata)
                if not _belongs_to_other_metadata(d, metadata)
            ]
    finally:
        engine.dispose()


def _belongs_to_other_metadata(diff: object, metadata: sa.MetaData) -> bool:
    # compare_metadata reports every table it does not know as "remove_table"; the other metadata owns it.
    if isinstance(diff, tuple) and diff and diff[0] == "remove_table":
        return True
    if isinstance(diff, tuple) and diff and diff[0] == "remove_index":
        return diff[1].table.name not in metadata.tables
    return False


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    expected = {table for metadata in all_metadata() for table in metadata.tables}
    assert _tables(url) == expected
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _tables(url) == expected
    engine = create_db_engine(url)
    try:
        assert migrate.is_up_to_date(engine, url)
    finally:
        engine.dispose()


def test_sqlite_upgrade_downgrade_upgrade(sqlite_url: str) -> None:
    _roundtrip(sqlite_url)


def test_sqlite_models_match_migrations(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    assert _diff(sqlite_url) == []


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(postgres_url: str) -> None:
    _roundtrip(postgres_url)


@pytest.mark.postgres
def test_postgres_models_match_migrations(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    assert _diff(postgres_url) == []


def test_sqlite_has_wal_and_foreign_keys(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(sa.text("PRAGMA page_size")).scalar_one() == SQLITE_PAGE_BYTES
    finally:
        engine.dispose()


def test_an_existing_sqlite_database_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as old:
        old.execute("PRAGMA page_size=4096")
        old.execute("CREATE TABLE kept (value TEXT)")
        old.execute("INSERT INTO kept VALUES ('still here')")
        old.commit()
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA page_size")).scalar_one() == 4096
            assert connection.execute(sa.text("SELECT value FROM kept")).scalar_one() == "still here"
    finally:
        engine.dispose()


def test_folded_handle_index_serves_the_host_lookup(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM account WHERE platform = 'x' AND lower(handle) = 'seced'"
        ).fetchall()
    assert "ix_account_platform_handle" in str(plan)
    migrate.downgrade(sqlite_url, "0008")
    engine = create_db_engine(sqlite_url)
    try:
        assert index_definition(engine, "ix_account_handle") is not None
        assert index_definition(engine, "ix_account_platform_handle") is None
    finally:
        engine.dispose()


def _requests_keep_their_team(url: str) -> None:
    """0010 moves mapping requests from the Slack team id to the workspace row, and back, losing none."""
    migrate.upgrade(url, "0011")
    engine = create_db_engine(url)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        tables = sa.MetaData()
        workspace = sa.Table("workspace", tables, autoload_with=engine)
        request = sa.Table("mapping_request", tables, autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                workspace.insert().values(
                    slack_team_id="T0KNOWN001", name="Known", timezone="UTC", settings={}, created_at=at, updated_at=at
                )
            )
            for number, team in enumerate(("T0KNOWN001", "T0STRAY001", "T0KNOWN001"), start=1):
                connection.execute(
                    request.insert().values(
                        id=number, team_id=team, requester_id="U1", title=f"R{number}", decision="", keywords=[],
                        hashtags=[], seeds=[], region="", language="", timezone="UTC", watchers=[], status="new",
                        decline_reason="", source="x", budget_calls=1, budget_money=1.0, budget_accounts=1,
                        crawl_state="none", run_number=0, calls_made=0, money_spent=0.0, problems=[],
                        created_at=at, updated_at=at, delivery_sent=False,
                    )
                )  # fmt: skip
        migrate.upgrade(url)
        with engine.connect() as connection:
            teams = {team: id_ for team, id_ in connection.execute(sa.text("SELECT slack_team_id, id FROM workspace"))}
            owners = connection.execute(sa.text("SELECT id, workspace_id FROM mapping_request ORDER BY id")).all()
        assert set(teams) == {"T0KNOWN001", "T0STRAY001"}  # the stray team got its workspace row
        assert [tuple(row) for row in owners] == [
            (1, teams["T0KNOWN001"]),
            (2, teams["T0STRAY001"]),
            (3, teams["T0KNOWN001"]),
        ]
        migrate.downgrade(url, "0011")
        with engine.connect() as connection:
            back = connection.execute(sa.text("SELECT id, team_id FROM mapping_request ORDER BY id")).all()
        assert [tuple(row) for row in back] == [(1, "T0KNOWN001"), (2, "T0STRAY001"), (3, "T0KNOWN001")]
    finally:
        engine.dispose()


def test_sqlite_mapping_requests_move_to_their_workspace_and_back(sqlite_url: str) -> None:
    _requests_keep_their_team(sqlite_url)


@pytest.mark.postgres
def test_postgres_mapping_requests_move_to_their_workspace_and_back(postgres_url: str) -> None:
    _requests_keep_their_team(postgres_url)
