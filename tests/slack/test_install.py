"""Multi-workspace install: /slack/install starts OAuth with state stored in the app's own database."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.fakes.slack import harness


def test_install_page_links_to_slack_with_a_stored_state(engine: Engine, sqlite_url: str) -> None:
    with harness(engine, sqlite_url, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh") as app:
        response = app.http.get("/slack/install")
        assert response.status_code in (200, 302)
        location = response.headers.get("location") or response.text
        assert "https://slack.com/oauth/v2/authorize" in location
        url = location[location.index("https://slack.com/oauth/v2/authorize") :].split('"')[0].replace("&amp;", "&")
        query = parse_qs(urlparse(url).query)
        assert query["client_id"] == ["111.222"]
        assert "commands" in query["scope"][0]
        with engine.connect() as connection:
            states = connection.execute(sa.text("SELECT state FROM slack_oauth_states")).scalars().all()
        assert query["state"] == states


def test_oauth_redirect_with_an_unknown_state_is_refused(engine: Engine, sqlite_url: str) -> None:
    with harness(engine, sqlite_url, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh") as app:
        response = app.http.get("/slack/oauth_redirect", params={"code": "abc", "state": "forged"})
        assert response.status_code >= 400
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM slack_installations")).scalar_one() == 0


def _installed(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM slack_bots")).scalar_one())


def _audited(engine: Engine, count: int) -> list[tuple[str, object]]:
    """The audit entries, once `count` are there (event listeners run after Bolt has acked)."""
    from sqlmodel import Session, select

    from assistant.models import AuditEntry

    for _ in range(100):
        with Session(engine) as session:
            rows = session.exec(
                select(AuditEntry).where(AuditEntry.action != "workspace.created").order_by(AuditEntry.id)
            )
            entries = [(e.action, e.detail) for e in rows]
        if len(entries) >= count:
            return entries
        time.sleep(0.05)
    return entries


def test_uninstall_and_token_revocation_forget_the_installation_and_are_audited(
    engine: Engine, sqlite_url: str
) -> None:
    from slack_sdk.oauth.installation_store import Installation

    from assistant.standins import slack_requests as requests

    with harness(engine, sqlite_url, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh") as app:
        store = app.bolt.installation_store
        assert store is not None
        installation = Installation(
            app_id=requests.APP_ID,
            team_id=requests.TEAM_ID,
            user_id="U0ADMIN001",
            bot_token="xoxb-installed",
            bot_id="B0BOT00001",
            bot_user_id="U0BOT00001",
            bot_scopes="commands,chat:write",
        )
        store.save(installation)
        assert _installed(engine) == 1
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN001"], "bot": ["U0BOT00001"]}}
        assert app.event(requests.event_callback(revoked)).status_code == 200
        assert [a for a, _ in _audited(engine, 1)] == ["tokens.revoked"]
        assert _installed(engine) == 0
        store.save(installation)
        assert app.event(requests.event_callback({"type": "app_uninstalled"})).status_code == 200
        actions = _audited(engine, 2)
        assert _installed(engine) == 0
    assert [a for a, _ in actions] == ["tokens.revoked", "app.uninstalled"]
    assert actions[0][1] == {"bot": 1, "users": 1}
