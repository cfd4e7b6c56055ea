"""`outreach cost --month`: the month's ledger as a table and as CSV, by day, team and job; a bad month exits 2."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import migrate
from assistant.cli.commands import app
from assistant.db import create_db_engine, session_scope
from assistant.models.costs import CostEntry
from assistant.models.workspaces import Workspace

runner = CliRunner()


@pytest.fixture(autouse=True)
def _ledger(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    migrate.upgrade(url)
    with session_scope(create_db_engine(url)) as session:
        team = Workspace(slack_team_id="T0DEMO0001", name="Demo Council")
        session.add(team)
        session.flush()

        def call(day: date, kind: str, job: str, posts: int, users: int) -> CostEntry:
            dollars = posts * 0.005 + users * 0.010
            at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            return CostEntry(
                workspace_id=team.id, job_kind=kind, job_id=job, day=day, at=at,
                endpoint="GET /2/tweets/search/recent", posts_read=posts, users_read=users, dollars=dollars,
            )  # fmt: skip

        session.add_all(
            [
                call(date(2026, 11, 30), "watch", "3", 100, 0),  # November: not in December's ledger
                call(date(2026, 12, 1), "mapping", "7", 100, 40),
                call(date(2026, 12, 1), "mapping", "7", 100, 10),
                call(date(2026, 12, 2), "digest", "2", 20, 5),
            ]
        )


def test_the_month_as_csv_one_line_per_day_and_job() -> None:
    result = runner.invoke(app, ["cost", "--month", "2026-12", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["day"], r["team"], r["job_kind"], r["job_id"], r["calls"]) for r in rows] == [
        ("2026-12-01", "Demo Council", "mapping", "7", "2"),
        ("2026-12-02", "Demo Council", "digest", "2", "1"),
    ]
    # by hand: 200 posts x $0.005 + 50 users x $0.01 = $1.50; 20 x $0.005 + 5 x $0.01 = $0.15
    assert [(r["posts_read"], r["users_read"], r["dollars"]) for r in rows] == [
        ("200", "50", "1.5000"),
        ("20", "5", "0.1500"),
    ]


def test_the_month_as_a_table_with_its_total() -> None:
    result = runner.invoke(app, ["cost", "--month", "2026-12"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "X ledger, December 2026" in result.output and "$1.65" in result.output
    assert "2026-11-30" not in result.output
    empty = runner.invoke(app, ["cost", "--month", "2027-01"])
    assert empty.exit_code == 0 and "Nothing billed in January 2027" in empty.output


@pytest.mark.parametrize("month", ["2026-13", "December", "2026-1"])
def test_a_month_that_is_not_yyyy_mm_exits_2(month: str) -> None:
    result = runner.invoke(app, ["cost", "--month", month])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
