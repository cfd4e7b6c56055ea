"""Shout-outs and cross-posting: rate limits move the next look, the window closes, cross-posts follow the setting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.contacts import ShoutoutReplies
from assistant.models.contacts import ShoutoutState, YammerShoutout
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.yammer import shoutouts
from integrations.yammer.client import YammerClient
from tests.fakes.yammer import BASE_URL, GROUP_ID, TOKEN, FakeYammer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def config() -> Settings:
    return Settings(yammer_api_url=BASE_URL, yammer_access_token=TOKEN)  # type: ignore[arg-type]


def start(session: Session, fake: FakeYammer) -> YammerShoutout:
    ws = ensure_workspace(session, slack_team_id="T0TEST").id or 0
    client = YammerClient(fake.client(), token=TOKEN, base_url=BASE_URL)
    shoutout = shoutouts.start_shoutout(
        session,
        client,
        workspace_id=ws,
        requested_by="U0STAFF001",
        question="Who knows FE maths leads?",
        group_id=GROUP_ID,
        slack_channel_id="C0GENERAL1",
        slack_ts="1700000000.000001",
        now=NOW,
    )
    session.commit()
    return shoutout


def test_a_rate_limit_moves_the_next_look_and_the_window_closes(engine: Engine, session: Session) -> None:
    fake = FakeYammer()
    shoutout = start(session, fake)
    fake.rate_limited, fake.retry_after = 1, 600
    source = ShoutoutReplies(Clients(settings=config(), http=fake.client, slack=lambda: WebClient(token="xoxb-unused")))
    at = NOW + timedelta(minutes=3)
    with time_machine.travel(at, tick=False):
        assert source(engine, at) == []
    session.refresh(shoutout)
    assert shoutout.next_poll_at == at + timedelta(seconds=600)  # Retry-After: 600
    assert source(engine, NOW + timedelta(days=8)) == []
    session.refresh(shoutout)
    assert shoutout.state == ShoutoutState.closed.value


def test_bad_group_ids_and_questions_are_refused(session: Session) -> None:
    client = YammerClient(FakeYammer().client(), token=TOKEN, base_url=BASE_URL)
    common = dict(workspace_id=1, requested_by="U", slack_channel_id="C", slack_ts="1.2", now=NOW)
    with pytest.raises(shoutouts.ShoutoutError, match="not a Yammer group id"):
        shoutouts.start_shoutout(session, client, question="Q?", group_id="railsteam", **common)  # type: ignore[arg-type]
    with pytest.raises(shoutouts.ShoutoutError, match="There is no Yammer group 1234"):
        shoutouts.start_shoutout(session, client, question="Q?", group_id="1234", **common)  # type: ignore[arg-type]


def test_crosspost_setting_is_the_one_the_workers_read(session: Session) -> None:
    from assistant.services.yammer.crosspost import crosspost_group

    workspace = ensure_workspace(session, slack_team_id="T0TEST")
    assert crosspost_group(workspace, "digests") is None
    shoutouts.set_crosspost(session, workspace, group_id=GROUP_ID, kinds=["digests"], actor="U0ADMIN001")
    assert crosspost_group(workspace, "digests") == GROUP_ID
    assert crosspost_group(workspace, "announcements") is None  # the team chose digests only
    shoutouts.set_crosspost(session, workspace, group_id=None, kinds=[], actor="U0ADMIN001")
    assert shoutouts.crosspost_setting(workspace) is None
    assert crosspost_group(workspace, "digests") is None


def test_change_crosspost_stores_the_choice_on_the_workspace(engine: Engine) -> None:
    with Session(engine) as session:
        workspace_id = ensure_workspace(session, slack_team_id="T0TEST").id or 0
        session.commit()
        setting = shoutouts.change_crosspost(
            session, workspace_id, group_id=GROUP_ID, kinds=["digests"], actor="U0ADMIN001"
        )
        assert setting == shoutouts.Crosspost(GROUP_ID, ("digests",))
        with pytest.raises(shoutouts.ShoutoutError, match="cross-posting knows"):
            shoutouts.change_crosspost(session, workspace_id, group_id=GROUP_ID, kinds=["memes"], actor="U0ADMIN001")
    with Session(engine) as session:  # committed: a new session reads it back
        stored = ensure_workspace(session, slack_team_id="T0TEST")
        assert shoutouts.crosspost_setting(stored) == shoutouts.Crosspost(GROUP_ID, ("digests",))
        assert shoutouts.change_crosspost(session, workspace_id, group_id=None, kinds=[], actor="U0ADMIN001") is None
