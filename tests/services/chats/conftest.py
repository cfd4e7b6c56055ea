"""A session on the migrated SQLite database with one workspace, and a weekly chat's form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.services.team.workspaces import ensure_workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        s.info["workspace_id"] = require_id(ensure_workspace(s, slack_team_id="T0DEMO0001"))
        s.commit()
        yield s
