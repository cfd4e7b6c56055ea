"""What a chat's workspace decides for it: its Slack team id and how long before the start its reminders go."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from assistant.jobs.chats import plan as planning
from assistant.models.chats import (
    ChatSeries,
)
from assistant.models.workspaces import Workspace


def reminder_leads(session: Session, series: ChatSeries) -> Sequence[int]:
    workspace = session.get(Workspace, series.workspace_id)
    configured = (workspace.settings or {}).get("chat_reminder_minutes") if workspace else None
    return tuple(int(m) for m in (configured or planning.DEFAULT_REMINDERS))


def team_of(session: Session, series: ChatSeries) -> str:
    workspace = session.get(Workspace, series.workspace_id)
    return workspace.slack_team_id if workspace is not None else ""
