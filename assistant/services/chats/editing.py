"""Hashtag chats: saving the schedule form, the run sheet a change is answered with, and the form's prefill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import ChatSeries
from assistant.models.platforms import Platform
from assistant.services.chats.clashes import clashes
from assistant.services.chats.form import ValidChat
from assistant.services.chats.repo import create_chat, moderators_of, next_occurrence, questions_of, update_chat
from assistant.services.chats.signoff import RunSheet, run_sheet
from integrations.x.cost import Prices


@dataclass(frozen=True, slots=True)
class Saved:
    """A chat scheduled or changed: the stored series, the run sheet of its next sitting and the warnings."""

    series: ChatSeries
    sheet: RunSheet
    warnings: list[str]
    created: bool

    @property
    def needs_sign_off(self) -> bool:
        return self.series.requires_approval and bool(self.sheet.unapproved)


def save_chat(
    session: Session,
    chat: ValidChat,
    *,
    workspace_id: int,
    existing: ChatSeries | None,
    actor: str,
    now: datetime,
    prices: Prices,
) -> Saved:
    """Create the chat (or update `existing`), with the clashes found among the workspace's other chats."""
    exclude = require_id(existing) if existing is not None else None
    warnings = chat.warnings + clashes(session, chat, workspace_id=workspace_id, exclude_series=exclude)
    if existing is None:
        series = create_chat(session, chat, workspace_id=workspace_id, actor=actor, now=now)
    else:
        series = update_chat(session, existing, chat, actor=actor, now=now)
    return Saved(series, current_sheet(session, series, now=now, prices=prices), warnings, existing is None)


def current_sheet(session: Session, series: ChatSeries, *, now: datetime, prices: Prices) -> RunSheet:
    """The run sheet of the chat's next scheduled sitting (its dates left out when none is ahead)."""
    occurrence = next_occurrence(session, require_id(series), now)
    return run_sheet(session, series, occurrence=occurrence, prices=prices)


def questions_text(session: Session, series_id: int) -> str:
    """The chat's questions as the form shows them: `minute | text`, one a line."""
    return "\n".join(f"{q.offset_minutes} | {q.text}" for q in questions_of(session, series_id))


def form_values(session: Session, series: ChatSeries) -> dict[str, Any]:
    """The schedule form's values for editing `series`, keyed by the form's field names."""
    options: list[str] = [p for p in series.platforms if p != Platform.x]
    if series.classic_style:
        options.append("classic")
    if series.requires_approval:
        options.append("approval")
    return {
        "hashtag": series.hashtag,
        "title": series.title,
        "description": series.description,
        "start_date": series.start_date.isoformat(),
        "start_time": f"{series.start_time:%H:%M}",
        "timezone": series.timezone,
        "duration": series.duration_minutes,
        "recurrence": series.recurrence,
        "until": series.recurrence_until.isoformat() if series.recurrence_until else None,
        "count": series.recurrence_count,
        "host": str(series.host_credential_id) if series.host_credential_id else "manual",
        "moderators": [m.slack_user_id for m in moderators_of(session, require_id(series)) if not m.lead],
        "guests": " ".join(series.guests),
        "moderator_handles": " ".join(f"@{h}" for h in series.co_moderators or ()),
        "channel": series.channel_id,
        "questions": questions_text(session, require_id(series)),
        "template": series.template,
        "options": options,
    }
