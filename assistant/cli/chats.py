"""`outreach chat list|ics`: the team's upcoming hashtag chats and their calendar files from a shell."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from sqlmodel import select

from assistant.cli.app import app, console, fail, settings_or_exit
from assistant.cli.runtime import store_session
from assistant.models import Workspace
from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatSeries
from assistant.render.ics import chat_calendar
from assistant.services.chats.clashes import upcoming
from assistant.services.chats.repo import occurrences_of
from assistant.services.chats.signoff import run_sheet

chat_app = typer.Typer(
    help="Hashtag chats: list the upcoming ones, export a chat's calendar (ICS).", no_args_is_help=True
)
app.add_typer(chat_app, name="chat")


@chat_app.command("ics")
def export_ics(
    chat_id: int = typer.Argument(..., help="The chat's number (see `outreach chat list`)"),
    out: Path | None = typer.Option(None, "--out", help="File to write (default chat-ID-hashtag.ics)"),
) -> None:
    """Write a chat's RFC 5545 calendar (VEVENT, RRULE for a series, VTIMEZONE) to a file."""
    settings = settings_or_exit()
    with store_session(settings) as session:
        series = session.get(ChatSeries, chat_id)
        if series is None:
            fail(f"there is no chat {chat_id}; `outreach chat list` shows them")
        items = run_sheet(session, series).items
        data = chat_calendar(
            series, occurrences_of(session, chat_id), items, organizer_name=f"#{series.hashtag} moderators"
        )
        path = out or Path(f"chat-{chat_id}-{series.hashtag}.ics")
    path.write_bytes(data)
    console.print(f"wrote {path} ({len(data)} bytes)")


@chat_app.command("list")
def list_chats() -> None:
    """The next sitting of every scheduled chat, with its readiness."""
    settings = settings_or_exit()
    with store_session(settings) as session:
        rows = [row for ws in session.exec(select(Workspace)) for row in upcoming(session, require_id(ws), utcnow())]
        if not rows:
            console.print("no chats are scheduled")
        for row in rows:
            s = row.series
            local = row.occurrence.start_at.astimezone(ZoneInfo(s.timezone))
            console.print(
                f"{s.id:>4}  #{s.hashtag}  {local:%a %d %b %Y %H:%M} {s.timezone}  {s.recurrence}  "
                f"{row.questions} questions  host {'by hand' if s.manual else 'connected' if row.host_connected else 'NOT connected'}"
                + ("" if not s.requires_approval else "  approved" if row.approved else "  awaiting sign-off"),
                highlight=False,
                markup=False,
            )
