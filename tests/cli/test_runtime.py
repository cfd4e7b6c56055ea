"""CLI runtime commands: clear refusals, migrate, serve's schema check, and the offline demo."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from assistant import migrate
from assistant.cli.commands import app
from assistant.db import create_db_engine

runner = CliRunner()


def _env(**values: str) -> dict[str, str]:
    base = {"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "SLACK_CLIENT_ID": "", "SLACK_SIGNING_SECRET": ""}
    base.update(values)
    return base


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_SIGNING_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_serve_without_a_signing_secret_exits_with_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["serve"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "SLACK_BOT_TOKEN": "xoxb-1"}
    )
    assert result.exit_code == 2
    assert "SLACK_SIGNING_SECRET is required" in result.output


def test_invalid_setting_exits_2_naming_it(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["migrate"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "DEFAULT_TIMEZONE": "Nowhere/Place"}
    )
    assert result.exit_code == 2
    assert "DEFAULT_TIMEZONE is invalid" in result.output


def test_migrate_upgrades_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = runner.invoke(app, ["migrate"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    engine = create_db_engine(url)
    try:
        assert migrate.is_up_to_date(engine, url)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_serve_refuses_an_out_of_date_postgres_schema(postgres_url: str) -> None:
    migrate.upgrade(postgres_url, "0001")
    env = {"DATABASE_URL": postgres_url, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    result = runner.invoke(app, ["serve"], env=env)
    assert result.exit_code == 3
    assert "run `outreach migrate`" in result.output
    engine = create_db_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
    finally:
        engine.dispose()


def _serve_with_a_wrong_bot_token(tmp_path: Path, *options: str) -> Result:
    """`outreach serve` against a Slack stand-in that accepts another token."""
    from assistant.standins.slack import SlackStandIn

    with SlackStandIn(valid_token="xoxb-right-token") as slack:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
            "SLACK_BOT_TOKEN": "xoxb-wrong-token-123",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack.base_url,
        }
        return runner.invoke(app, ["serve", *options], env=env)


def test_serve_refuses_a_wrong_bot_token_clearly(tmp_path: Path) -> None:
    result = _serve_with_a_wrong_bot_token(tmp_path, "--no-worker")
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN was rejected by Slack" in result.output
    assert "invalid_auth" in result.output
    assert "xoxb-wrong-token-123" not in result.output


def test_serve_that_cannot_start_leaves_no_digest_process_behind(tmp_path: Path) -> None:
    import multiprocessing

    result = _serve_with_a_wrong_bot_token(tmp_path)  # the worker on: its digest process starts first
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN was rejected by Slack" in result.output
    assert [p.name for p in multiprocessing.active_children() if p.name == "outreach-digest"] == []


def test_demo_shows_the_help_card_and_the_app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "/outreach help" in result.output
    assert "Did you mean `/outreach map`?" in result.output
    assert "App Home of Dev Patel" in result.output
    assert "Request queue" in result.output
    assert (tmp_path / "outreach-demo.db").exists()
