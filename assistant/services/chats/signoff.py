"""Hashtag chats: the run sheet of a sitting (every post, its minute, text and cost) and the owner's sign-off."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from assistant.models.base import require_id
from assistant.models.chats import ChatApproval, ChatOccurrence, ChatSeries
from assistant.models.codecs import CLOSING, INTRO, ChatItem
from assistant.models.costs import BudgetHold
from assistant.models.credentials import Credential
from assistant.services.chats.repo import questions_of
from assistant.services.chats.rules import render_question
from assistant.services.chats.texts import closing_text, day_label, intro_text
from assistant.services.costs import budget, holds
from assistant.services.team import audit
from integrations.x.cost import Prices, estimate_posts_created, has_link

APPROVED = "approved"


CHANGES_REQUESTED = "changes_requested"


@dataclass(frozen=True, slots=True)
class SheetItem:
    """One post of a chat: intro, question:N or closing, its minute, exact text, X cost and sign-off state."""

    item: str
    label: str
    minute: int
    text: str
    cost: float
    link: bool
    approved: bool
    signed: str = ""  # the text sign-off covers (the intro and closing without their date)

    def due(self, start: datetime) -> datetime:
        return start + timedelta(minutes=self.minute)


@dataclass(frozen=True, slots=True)
class RunSheet:
    series: ChatSeries
    occurrence: ChatOccurrence | None
    items: list[SheetItem]
    total_cost: float
    host: str
    digest: str

    def local(self, item: SheetItem) -> datetime | None:
        if self.occurrence is None:
            return None
        return item.due(self.occurrence.start_at).astimezone(ZoneInfo(self.series.timezone))

    @property
    def unapproved(self) -> list[SheetItem]:
        return [item for item in self.items if not item.approved]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _approved_hashes(session: Session, series_id: int) -> dict[str, str]:
    """The latest decision per item: its text hash when that decision was an approval."""
    latest: dict[str, ChatApproval] = {}
    for row in session.exec(
        select(ChatApproval).where(ChatApproval.series_id == series_id).order_by(col(ChatApproval.id))
    ):
        latest[row.item] = row
    return {item: row.text_hash for item, row in latest.items() if row.decision == APPROVED}


def items_of(
    session: Session, series: ChatSeries, start: datetime | None = None
) -> list[tuple[str, str, int, str, str]]:
    """(item, label, minute, exact text, signed-off text) of every post of the chat (at `start`), in order."""
    questions = questions_of(session, require_id(series))
    day = day_label(start, series.timezone)
    intro = partial(intro_text, series.hashtag, series.title, len(questions), series.duration_minutes, series.guests)
    items = [(INTRO, "Intro", 0, intro(day), intro(""))]
    for q in questions:
        posted = render_question(series.template, number=q.number, text=q.text, hashtag=series.hashtag)
        items.append((ChatItem.question(q.number).encode(), f"Q{q.number}", q.offset_minutes, posted, posted))
    closing = closing_text(series.hashtag, day), closing_text(series.hashtag)
    items.append((CLOSING, "Closing", series.duration_minutes, *closing))
    return items


def run_sheet(
    session: Session, series: ChatSeries, *, occurrence: ChatOccurrence | None = None, prices: Prices | None = None
) -> RunSheet:
    prices = prices or Prices()
    approved = _approved_hashes(session, require_id(series))
    sheet: list[SheetItem] = []
    for item, label, minute, text, signed in items_of(session, series, occurrence.start_at if occurrence else None):
        link = has_link(text)
        ok = not series.requires_approval or approved.get(item) == text_hash(signed)
        cost = prices.post_create_with_link if link else prices.post_create
        sheet.append(SheetItem(item, label, minute, text, cost, link, ok, signed))
    total = estimate_posts_created([i.text for i in sheet], prices).cost if not series.manual else 0.0
    credential = session.get(Credential, series.host_credential_id) if series.host_credential_id else None
    host = (
        f"{credential.platform} @{credential.handle or credential.account_id}"
        if credential
        else "moderator posts by hand"
    )
    end = occurrence.end_at if occurrence else None
    digest = (
        f"digest requested at {(end + timedelta(minutes=15)).astimezone(ZoneInfo(series.timezone)):%H:%M}"
        if end
        else ""
    )
    return RunSheet(series, occurrence, sheet, total, host, digest)


class HeldForBudget(ValueError):
    """A comms member's approval waits for an admin: the chat's posts would cross the team's monthly X budget."""

    def __init__(self, asked: holds.Asked, month: str) -> None:
        super().__init__(f"{month}. An admin's yes is needed; the sign-off goes through when an admin approves.")
        self.asked = asked


def hold_job_id(series: ChatSeries, sheet: str) -> str:
    """The hold's key: the chat and the run sheet approved (a changed sheet needs a new yes)."""
    return f"{require_id(series)}:{sheet}"


def release(session: Session, hold: BudgetHold, *, admin: str, now: datetime) -> tuple[ChatSeries, RunSheet]:
    """An admin said yes to a held sign-off: approve the sheet it was for (ValueError if it changed since)."""
    series_id, _, sheet = hold.job_id.partition(":")
    series = session.get(ChatSeries, int(series_id))
    if series is None or series.workspace_id != hold.workspace_id:
        raise ValueError("That chat no longer exists.")
    # the hold is approved (and audited) already, so the sign-off passes the budget without a second audit entry
    return series, decide(session, series, decision=APPROVED, actor=admin, expected_hash=sheet, now=now)


def sheet_hash(sheet: RunSheet) -> str:
    """One hash of every item's text: an approval button carries it so a stale run sheet cannot be approved."""
    return text_hash("\n".join(f"{i.item}={i.signed}" for i in sheet.items))[:16]


def decide(
    session: Session,
    series: ChatSeries,
    *,
    decision: str,
    actor: str,
    expected_hash: str,
    note: str = "",
    now: datetime,
    admin: bool = False,
    channel_id: str | None = None,
) -> RunSheet:
    """Approve (or request changes to) the run sheet as it is now; ValueError if it changed since it was sent.
    An approval whose posts would take the month past the team's X budget needs an admin: a comms member's is
    held for one (HeldForBudget, the request to post in `channel_id`) and goes through when an admin says yes."""
    sheet = run_sheet(session, series)
    if sheet_hash(sheet) != expected_hash:
        raise ValueError("The questions changed since this run sheet was sent; approve the newer one.")
    month = budget.check(session, workspace_id=series.workspace_id, estimate=sheet.total_cost, today=now.date())
    if decision == APPROVED and month.crosses:
        job_id = hold_job_id(series, expected_hash)
        if not admin and not holds.approved(session, job_kind="chat", job_id=job_id):
            if channel_id is None:
                raise ValueError(f"{month.describe()}. An admin has to approve a chat whose posts cross the budget.")
            label = f"the posts of the #{series.hashtag} chat “{series.title}”"
            asked = holds.ask(
                session,
                workspace_id=series.workspace_id,
                job_kind="chat",
                job_id=job_id,
                label=label,
                check=month,
                channel_id=channel_id,
                now=now,
            )
            raise HeldForBudget(asked, month.describe())
        if admin:
            holds.audit_crossed(session, series, actor=actor, check=month)
    for item in sheet.items:
        session.add(
            ChatApproval(
                series_id=require_id(series),
                item=item.item,
                text_hash=text_hash(item.signed),
                decision=decision,
                decided_by=actor,
                note=note,
                decided_at=now,
            )
        )
    audit.log(session, f"chat.{decision}", series, actor=actor, sheet=expected_hash)
    session.commit()
    return run_sheet(session, series)
