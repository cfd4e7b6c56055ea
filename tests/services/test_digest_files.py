"""digest_file: a digest's CSV or JSON for its own workspace, nothing for another's or for a CLI-made digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from assistant.db import session_scope
from assistant.services.digests import records as digests
from assistant.services.digests.files import digest_file
from assistant.services.team.workspaces import ensure_workspace

START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _workspace(engine: Engine, team: str) -> int:
    with session_scope(engine) as session:
        workspace = ensure_workspace(session, slack_team_id=team)
        assert workspace.id is not None
        return workspace.id


def _digest(engine: Engine, workspace_id: int | None) -> int:
    with session_scope(engine) as session:
        digest = digests.save_digest(
            session,
            figures={"volume": {"posts": 0, "participants": 0}, "hashtag": "ukfechat"},
            hashtag="#UKFEchat",
            start=START,
            end=START + timedelta(hours=1),
            workspace_id=workspace_id,
        )
        assert digest.id is not None
        return digest.id


def test_a_workspace_gets_its_own_digest_as_json_and_csv(engine: Engine) -> None:
    ours = _workspace(engine, "T0OURS0001")
    digest_id = _digest(engine, ours)
    with session_scope(engine) as session:
        as_json = digest_file(session, digest_id=digest_id, workspace_id=ours, fmt="json")
        as_csv = digest_file(session, digest_id=digest_id, workspace_id=ours, fmt="csv")
    assert as_json is not None and as_csv is not None
    assert json.loads(as_json.content)["volume"] == {"posts": 0, "participants": 0}
    assert (as_json.filename, as_json.title) == ("UKFEchat-digest.json", "#UKFEchat digest (JSON)")
    assert as_csv.filename == "UKFEchat-digest.csv"
    lines = as_csv.content.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("platform,id,created_at_utc,")  # the header only: no posts stored


def test_another_workspaces_digest_and_a_cli_digest_are_never_sent(engine: Engine) -> None:
    ours, theirs = _workspace(engine, "T0OURS0001"), _workspace(engine, "T0THEIRS01")
    their_digest, cli_digest = _digest(engine, theirs), _digest(engine, None)
    with session_scope(engine) as session:
        assert digest_file(session, digest_id=their_digest, workspace_id=ours, fmt="json") is None
        assert digest_file(session, digest_id=cli_digest, workspace_id=ours, fmt="csv") is None
        assert digest_file(session, digest_id=their_digest + 100, workspace_id=ours, fmt="json") is None
        assert digest_file(session, digest_id=their_digest, workspace_id=theirs, fmt="json") is not None
