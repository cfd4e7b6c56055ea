"""`outreach doctor` against the Slack, X and Mastodon stand-ins: all green, then each check failing in turn."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import Session
from typer.testing import CliRunner

from assistant import migrate
from assistant.cli.commands import app
from assistant.config import DEFAULT_SLACK_SCOPES, load_settings
from assistant.crypto import TokenCipher
from assistant.db import create_db_engine
from assistant.doctor import Context, networks
from assistant.services.accounts.credentials import save_credential
from assistant.standins.mastodon import MastodonStandIn
from assistant.standins.slack import SlackStandIn
from assistant.standins.socket_mode import SocketModeStandIn
from assistant.standins.x import XStandIn
from assistant.worker import Worker
from integrations.x.oauth import TokenSet

BOT = "xoxb-doctor-0001"
KEY = Fernet.generate_key().decode()


@dataclass
class Install:
    slack: SlackStandIn
    x: XStandIn
    mastodon: MastodonStandIn
    health: _Health
    env: dict[str, str]

    def doctor(self, *args: str, **env: str | None) -> tuple[int, list[str]]:
        result = CliRunner().invoke(app, ["doctor", *args], env={**self.env, **env})
        return result.exit_code, result.output.splitlines()


class _Health:
    """The app's /healthz as the doctor sees it from outside: a status to answer."""

    def __init__(self) -> None:
        self.status = 200
        health = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                body = json.dumps({"ok": health.status == 200}).encode()
                self.send_response(200 if self.path == "/healthz" and health.status == 200 else health.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "X_BEARER_TOKEN", "BLUESKY_HANDLE", "YAMMER_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    migrate.upgrade(url)
    health = _Health()
    with SlackStandIn(valid_token=BOT) as slack, XStandIn() as x, MastodonStandIn() as mastodon:
        env = {
            "DATABASE_URL": url,
            "ENCRYPTION_KEY": KEY,
            "SLACK_BOT_TOKEN": BOT,
            "SLACK_SIGNING_SECRET": "signing-secret",
            "SLACK_API_URL": slack.base_url,
            "SLACK_COMMS_USERGROUP": "S0COMMS001",
            "X_BEARER_TOKEN": x.app_token,
            "X_API_URL": x.base_url,
            "MASTODON_BASE_URL": mastodon.base_url,
            "MASTODON_ACCESS_TOKEN": "masto-token",
            "PUBLIC_URL": health.url,
        }
        yield Install(slack, x, mastodon, health, env)
    health.server.shutdown()
    health.server.server_close()


def _line(lines: list[str], name: str) -> str:
    found = [line for line in lines if line[2:].startswith(name + ":")]
    assert len(found) == 1, (name, lines)
    return found[0]


def test_a_working_install_passes_every_check(install: Install) -> None:
    code, lines = install.doctor()
    assert code == 0, lines
    for name in (
        "settings",
        "database",
        "schema",
        "Slack auth.test",
        "Slack scopes",
        "comms team",
        "X bearer token",
        "Mastodon",
        "public URL",
    ):
        assert _line(lines, name).startswith("✓"), name
    assert "bot @outreach in Demo Council (T0DEMO0001)" in _line(lines, "Slack auth.test")
    assert "user group S0COMMS001 has 2 member(s)" in _line(lines, "comms team")
    assert "@council" in _line(lines, "Mastodon")
    assert (
        _line(lines, "worker")
        == "✗ worker: no worker has ticked yet; start one: `outreach worker` (on Heroku: `heroku ps:scale worker=1`) (optional)"
    )
    assert lines[-1] == "All required checks passed."


def test_a_ticking_worker_is_reported_alive(install: Install) -> None:
    engine = create_db_engine(install.env["DATABASE_URL"])
    Worker(engine, [], name="worker.1").tick()
    engine.dispose()
    _code, lines = install.doctor()
    assert _line(lines, "worker").startswith("✓ worker: last tick") and _line(lines, "worker").endswith("1 alive")


def test_the_paid_x_call_is_announced_with_its_cost_before_it_is_made(install: Install) -> None:
    _code, lines = install.doctor()
    announced = next(i for i, line in enumerate(lines) if "billed US$0.010" in line)
    assert announced < lines.index(_line(lines, "X bearer token"))
    calls = install.x.calls_to("GET", "/2/users/by")
    assert len(calls) == 1 and calls[0].params["usernames"] == "X" and calls[0].token == install.x.app_token
    engine = create_db_engine(install.env["DATABASE_URL"])
    with engine.connect() as connection:  # billed like every X call of the app: in the shared cost ledger
        rows = connection.execute(sa.text("SELECT job_kind, job_id, users_read FROM cost_entry")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("cli", "doctor", 1)]


def test_no_paid_skips_the_x_call_and_says_what_it_would_cost(install: Install) -> None:
    code, lines = install.doctor("--no-paid")
    assert code == 0
    assert (
        _line(lines, "X bearer token")
        == "– X bearer token: not checked (--no-paid); the check is one user lookup, US$0.010"
    )
    assert install.x.calls_to("GET", "/2/users/by") == []


def test_a_bad_setting_fails_with_the_message_serve_gives(install: Install) -> None:
    code, lines = install.doctor(DEFAULT_TIMEZONE="Mars/Olympus")
    assert code == 2
    assert lines[0].startswith("✗ settings: DEFAULT_TIMEZONE is invalid: 'Mars/Olympus' is not a known time zone")


def test_an_unreachable_database_names_database_url_without_its_password(install: Install) -> None:
    code, lines = install.doctor(DATABASE_URL="postgresql://outreach:hunter2@127.0.0.1:1/outreach")
    assert code == 1
    line = _line(lines, "database")
    assert line.startswith("✗") and "check DATABASE_URL" in line and "hunter2" not in line and "***" in line


def test_a_schema_behind_head_says_to_migrate(install: Install, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0008")
    code, lines = install.doctor(DATABASE_URL=url)
    assert code == 1
    assert _line(lines, "schema").startswith("✗ schema: at revision 0008, this release needs")
    assert "run `outreach migrate`" in _line(lines, "schema")


def test_a_changed_encryption_key_cannot_decrypt_the_stored_token(install: Install) -> None:
    engine = create_db_engine(install.env["DATABASE_URL"])
    settings = load_settings(database_url=install.env["DATABASE_URL"], encryption_key=KEY)
    with Session(engine) as session:
        save_credential(
            session,
            TokenCipher.from_settings(settings),
            platform="mastodon",
            account_id="1",
            tokens=TokenSet(access_token="secret"),
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
    engine.dispose()
    code, lines = install.doctor()
    assert code == 0 and _line(lines, "ENCRYPTION_KEY").startswith(
        "✓ ENCRYPTION_KEY: decrypts the stored tokens (1 stored)"
    )
    code, lines = install.doctor(ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert code == 1
    assert "could not be decrypted: ENCRYPTION_KEY changed or is wrong" in _line(lines, "ENCRYPTION_KEY")


def test_a_token_slack_refuses_is_named(install: Install) -> None:
    code, lines = install.doctor(SLACK_BOT_TOKEN="xoxb-revoked-or-wrong")
    assert code == 1
    assert _line(lines, "Slack auth.test").startswith("✗ Slack auth.test: invalid_auth: Slack does not know this token")
    assert "xoxb-revoked-or-wrong" not in "\n".join(lines)


def test_scopes_missing_from_the_granted_header_are_named(install: Install) -> None:
    install.slack.scopes = ",".join(
        s for s in DEFAULT_SLACK_SCOPES.split(",") if s not in ("files:write", "users:read")
    )
    code, lines = install.doctor()
    assert code == 1
    line = _line(lines, "Slack scopes")
    assert line.startswith("✗ Slack scopes: missing files:write, users:read;") and "reinstall" in line


def test_a_comms_group_that_does_not_exist_or_a_channel_without_members_fails(install: Install) -> None:
    code, lines = install.doctor(SLACK_COMMS_USERGROUP="S0NOSUCH01")
    assert code == 1 and "no_such_subteam" in _line(lines, "comms team")
    code, lines = install.doctor(SLACK_COMMS_USERGROUP="", SLACK_COMMS_CHANNEL="C0GENERAL1")
    assert (
        code == 1
        and _line(lines, "comms team")
        == "✗ comms team: channel C0GENERAL1 (SLACK_COMMS_CHANNEL) has no members; add the comms team to it"
    )


MULTI = {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret"}


def _installed(install: Install, team_id: str, bot_token: str, *, comms_group: str | None = None) -> None:
    """A workspace that went through /slack/install: its bot in slack_sdk's store, its settings row."""
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    from assistant.services.team.workspaces import ensure_workspace

    engine = create_db_engine(install.env["DATABASE_URL"])
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=engine)
    store.save(
        Installation(
            app_id="A0APP00001",
            team_id=team_id,
            user_id="U0ADMIN001",
            bot_token=bot_token,
            bot_id="B0BOT00001",
            bot_user_id="U0BOT00001",
            bot_scopes=DEFAULT_SLACK_SCOPES,
        )
    )
    with Session(engine) as session:
        ensure_workspace(session, slack_team_id=team_id).comms_usergroup_id = comms_group
        session.commit()
    engine.dispose()


def test_multi_workspace_before_any_install_says_where_to_install(install: Install) -> None:
    code, lines = install.doctor(**MULTI)
    assert code == 0, lines
    assert _line(lines, "Slack") == (
        f"– Slack: multi-workspace install: no workspace has installed the app yet; open {install.health.url}"
        "/slack/install to add one"
    )


def test_multi_workspace_checks_each_installed_workspace_token_and_comms_team(install: Install) -> None:
    _installed(install, "T0DEMO0001", BOT, comms_group="S0COMMS001")
    _installed(install, "T0GONE0001", "xoxb-uninstalled-elsewhere")
    code, lines = install.doctor(**MULTI)
    assert code == 1
    assert (
        _line(lines, "Slack auth.test (T0DEMO0001)")
        == "✓ Slack auth.test (T0DEMO0001): bot @outreach in Demo Council (T0DEMO0001)"
    )
    assert _line(lines, "Slack scopes (T0DEMO0001)").startswith("✓")
    assert _line(lines, "comms team (T0DEMO0001)") == "✓ comms team (T0DEMO0001): user group S0COMMS001 has 2 member(s)"
    assert _line(lines, "Slack auth.test (T0GONE0001)") == (
        "✗ Slack auth.test (T0GONE0001): invalid_auth: Slack does not know this token; reinstall the app from "
        f"{install.health.url}/slack/install"
    )
    assert not [line for line in lines if "(T0GONE0001)" in line and "auth.test" not in line]  # nothing past auth
    assert "xoxb-" not in "\n".join(lines)


def test_a_bearer_token_x_refuses_fails(install: Install) -> None:
    code, lines = install.doctor(X_BEARER_TOKEN="not-the-app-token")
    assert code == 1
    line = _line(lines, "X bearer token")
    assert line.startswith("✗") and "401" in line and "X_BEARER_TOKEN" in line and "not-the-app-token" not in line


def test_a_mastodon_token_the_instance_refuses_fails(install: Install) -> None:
    code, lines = install.doctor(MASTODON_ACCESS_TOKEN="stale")
    assert code == 1
    assert "refused MASTODON_ACCESS_TOKEN (401 The access token is invalid)" in _line(lines, "Mastodon")


def test_a_public_url_whose_healthz_fails_is_reported(install: Install) -> None:
    install.health.status = 503
    code, lines = install.doctor()
    assert code == 1
    assert _line(lines, "public URL").startswith(f"✗ public URL: {install.health.url}/healthz answered 503")


def _context(handler: Any, **settings: Any) -> Context:
    values = load_settings(database_url="sqlite://", **settings)
    return Context(values, create_db_engine("sqlite://"), httpx.Client(transport=httpx.MockTransport(handler)))


def test_bluesky_login_refused_and_accepted() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
        )

    verdict = networks.bluesky(_context(refuse, bluesky_handle="council.bsky.social", bluesky_app_password="wrong"))
    assert verdict.status == "fail" and "Invalid identifier or password" in verdict.detail

    def accept(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("com.atproto.server.createSession")
        return httpx.Response(
            200, json={"did": "did:plc:abc", "handle": "council.bsky.social", "accessJwt": "a", "refreshJwt": "r"}
        )

    verdict = networks.bluesky(_context(accept, bluesky_handle="council.bsky.social", bluesky_app_password="right"))
    assert (verdict.status, verdict.detail) == ("ok", "logged in as council.bsky.social")


def test_yammer_token_refused_says_to_sign_in_again() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "unauthorized"})

    verdict = networks.yammer(_context(refuse, yammer_access_token="expired"))
    assert verdict.status == "fail" and "outreach yammer login" in verdict.detail


def test_the_readme_setup_sections_end_by_sending_the_admin_to_the_doctor() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for heading in ("## Creating the Slack app", "## Deploying to Heroku"):
        section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
        assert section.rstrip().endswith("run `outreach doctor`."), heading


def test_socket_mode_checks_that_the_app_token_opens_a_connection(install: Install) -> None:
    with SocketModeStandIn() as socket:
        install.slack.socket_mode = socket
        code, lines = install.doctor(SLACK_APP_TOKEN="xapp-1-A0APP00001-1-good")
        assert code == 0 and _line(lines, "Socket Mode") == "✓ Socket Mode: SLACK_APP_TOKEN opens a connection"
        assert lines[0] == "✓ settings: loaded (Socket Mode)"
        install.slack.socket_mode = None  # Slack no longer knows this app-level token
        code, lines = install.doctor(SLACK_APP_TOKEN="xapp-1-A0APP00001-1-revoked")
        assert code == 1
        assert _line(lines, "Socket Mode").startswith(
            "✗ Socket Mode: apps.connections.open refused SLACK_APP_TOKEN (invalid_auth)"
        )
