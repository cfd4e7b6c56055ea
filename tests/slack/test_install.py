"""Multi-workspace install: /slack/install starts OAuth with state stored in the app's own database."""

from __future__ import annotations

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
