"""Watches: someone else's watch is refused with who started it as data, never Slack markup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.watches.manage import NotWatchStarter, WatchError, create_watch, set_budget, stop_watch

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _watch(session: Session) -> tuple[int, int]:
    workspace_id = require_id(ensure_workspace(session, slack_team_id="T0DEMO0001"))
    session.commit()
    watch = create_watch(
        session,
        workspace_id=workspace_id,
        channel_id="C0COMMS001",
        kind="hashtag",
        term="ukfechat",
        networks=["x"],
        every_minutes=15,
        only=None,
        actor="U0STAFF001",
        now=NOW,
    )
    return workspace_id, require_id(watch)


@pytest.mark.parametrize("action", ["change", "stop"])
def test_someone_elses_watch_is_refused_naming_its_starter(engine: Engine, action: Literal["change", "stop"]) -> None:
    with Session(engine) as session:
        workspace_id, watch_id = _watch(session)
        with pytest.raises(NotWatchStarter) as refused:
            if action == "change":
                set_budget(
                    session, workspace_id=workspace_id, watch_id=watch_id, budget=3, actor="U0TEACH001", is_comms=False
                )
            else:
                stop_watch(session, workspace_id=workspace_id, watch_id=watch_id, actor="U0TEACH001", is_comms=False)
    error = refused.value
    assert (error.watch_id, error.created_by, error.action) == (watch_id, "U0STAFF001", action)
    assert "<@" not in str(error)


def test_the_starter_and_the_comms_team_may_stop_it_and_then_it_is_not_running(engine: Engine) -> None:
    with Session(engine) as session:
        workspace_id, watch_id = _watch(session)
        changed = set_budget(
            session, workspace_id=workspace_id, watch_id=watch_id, budget=3, actor="U0STAFF001", is_comms=False
        )
        assert changed.cost_budget == 3
        assert (
            stop_watch(session, workspace_id=workspace_id, watch_id=watch_id, actor="U0COMMS001", is_comms=True).active
            is False
        )
        with pytest.raises(WatchError, match=f"no running watch {watch_id}") as gone:
            stop_watch(session, workspace_id=workspace_id, watch_id=watch_id, actor="U0STAFF001", is_comms=False)
        assert not isinstance(gone.value, NotWatchStarter)
