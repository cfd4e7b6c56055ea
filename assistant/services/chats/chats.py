"""Hashtag chats: validate and store a chat, edit its questions, cancel, list, permissions, run sheet and sign-off."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from assistant.analysis.recurring import detect_recurring_chats, slot_overlaps
from assistant.models.base import require_id
from assistant.models.chats import (
    ChatApproval,
    ChatModerator,
    ChatOccurrence,
    ChatPost,
    ChatQuestion,
    ChatSeries,
    ChatStatus,
    PostStatus,
    Recurrence,
)
from assistant.models.credentials import Credential
from assistant.services.chats.rules import (
    LIMITS,
    CheckedQuestion,
    QuestionDraft,
    RuleError,
    check_lengths,
    check_questions,
    check_template,
    classic_warnings,
    clean_hashtag,
    parse_questions,
    render_question,
    too_long_message,
)
from assistant.services.chats.schedule import Slot, plan, zone
from assistant.services.store import posts_query
from assistant.services.team import audit
from integrations.x.cost import Prices, estimate_posts_created, has_link

MANUAL_HOST = "manual"
MAX_DURATION = 24 * 60
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"


class ChatInputError(ValueError):
    """Every problem with a chat form, by field (hashtag, title, start, timezone, ...)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotAllowed(PermissionError):
    """The user may not change this chat (only its creator, its moderators and comms members may)."""


@dataclass
class ChatInput:
    """A chat form as submitted: raw text values, already pulled out of Slack's (or the CLI's) shapes."""

    hashtag: str | None
    title: str | None
    start_date: str | None  # YYYY-MM-DD in `timezone`
    start_time: str | None  # HH:MM in `timezone`
    timezone: str | None
    duration: str | int | None = 60
    description: str = ""
    recurrence: str = Recurrence.none.value
    until: str | None = None
    count: str | int | None = None
    host: str = MANUAL_HOST  # a Credential id or "manual"
    moderators: Sequence[str] = ()
    guests: str = ""
    channel_id: str | None = None
    questions: str = ""
    template: str = ""
    cross_post: Sequence[str] = ()  # "mastodon", "bluesky"
    classic_style: bool = False
    requires_approval: bool = False


@dataclass
class ValidChat:
    """A chat that passed every rule, ready to store."""

    hashtag: str
    title: str
    description: str
    timezone: str
    start_date: date
    start_time: time
    duration: int
    recurrence: str
    until: date | None
    count: int | None
    credential: Credential | None
    moderators: list[str]
    guests: list[str]
    channel_id: str
    template: str
    platforms: list[str]
    classic_style: bool
    requires_approval: bool
    questions: list[CheckedQuestion]
    slots: list[Slot]
    warnings: list[str] = field(default_factory=list)


def _int(value: str | int | None, field_name: str, label: str, *, low: int, high: int) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise RuleError(field_name, f"{label} must be a whole number, got {value!r}.") from None
    if not low <= number <= high:
        raise RuleError(field_name, f"{label} must be between {low} and {high}, got {number}.")
    return number


def _date(value: str | None, field_name: str, label: str) -> date | None:
    if not value or not str(value).strip():
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleError(field_name, f"{label} must be a date like 2026-12-03, got {value!r}.") from None


def _time(value: str | None) -> time | None:
    if not value or not str(value).strip():
        return None
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleError("start_time", f"The start time must look like 21:00, got {value!r}.") from None


def _guests(raw: str) -> list[str]:
    handles = []
    for token in raw.replace(",", " ").split():
        handle = token.strip()
        if not handle.startswith("@"):
            handle = "@" + handle
        if len(handle) < 2 or any(char in handle[1:] for char in "<>#&"):
            raise RuleError("guests", f"{token!r} is not a public handle; write guests like @handle or @name@server.")
        handles.append(handle)
    return list(dict.fromkeys(handles))


def host_choices(session: Session, workspace_id: int) -> list[Credential]:
    """The team's connected accounts (Credential rows of this workspace, or of a single-workspace install)."""
    return list(
        session.exec(
            select(Credential)
            .where(or_(col(Credential.workspace_id) == workspace_id, col(Credential.workspace_id).is_(None)))
            .order_by(col(Credential.platform), col(Credential.handle))
        )
    )


LONGEST_DAY = " (Wed 30 Sep)"


def day_label(start: datetime | None, tz: str) -> str:
    """' (Thu 3 Dec)': dates the intro and closing, so a weekly chat's posts are never duplicates (X refuses those)."""
    if start is None:
        return ""
    local = start.astimezone(ZoneInfo(tz))
    return f" ({local:%a} {local.day} {local:%b})"


def intro_text(hashtag: str, title: str, questions: int, duration: int, guests: Sequence[str], day: str = "") -> str:
    with_guests = f" With {' '.join(guests)}." if guests else ""
    return (
        f"Welcome to #{hashtag}{day}: {title}.{with_guests} {questions} questions in the next {duration} minutes; "
        f"answer Q1 with A1 and keep #{hashtag} in every reply."
    )


def closing_text(hashtag: str, day: str = "") -> str:
    return f"Thank you for joining #{hashtag}{day}! A digest of today's chat follows soon."


def validate(
    session: Session,
    form: ChatInput,
    *,
    workspace_id: int,
    now: datetime,
    is_member: Callable[[str], bool] = lambda _user: True,
    check_start: bool = True,
) -> ValidChat:
    """Check every field; raise ChatInputError with one message per bad field (nothing is stored)."""
    errors: dict[str, str] = {}

    def attempt(step: Callable[[], object]) -> object:
        try:
            return step()
        except RuleError as exc:
            errors.setdefault(exc.field, exc.message)
            return None

    hashtag = attempt(lambda: clean_hashtag(form.hashtag))
    title = (form.title or "").strip()
    if not title:
        errors["title"] = "Give the chat a title."
    elif len(title) > 200:
        errors["title"] = f"The title is {len(title)} characters; keep it to 200."
    tz_name = (form.timezone or "").strip()
    attempt(lambda: zone(tz_name))
    start_date = attempt(lambda: _date(form.start_date, "start_date", "The start date"))
    start_time = attempt(lambda: _time(form.start_time))
    if form.start_date in (None, "") and "start_date" not in errors:
        errors["start_date"] = "Pick the date of the (first) chat."
    if form.start_time in (None, "") and "start_time" not in errors:
        errors["start_time"] = "Pick the start time."
    duration = attempt(lambda: _int(form.duration, "duration", "The duration (minutes)", low=10, high=MAX_DURATION))
    duration = 60 if duration is None and "duration" not in errors else duration
    recurrence = form.recurrence or Recurrence.none.value
    if recurrence not in {r.value for r in Recurrence}:
        errors["recurrence"] = f"Unknown recurrence {recurrence!r}."
    until = attempt(lambda: _date(form.until, "until", "The end date"))
    count = attempt(lambda: _int(form.count, "count", "The number of chats", low=1, high=500))
    if isinstance(until, date) and isinstance(start_date, date) and until < start_date:
        errors["until"] = f"The series ends ({until}) before it starts ({start_date}); pick a later end date."
    template = attempt(lambda: check_template(form.template))
    guests = attempt(lambda: _guests(form.guests or ""))
    platforms = ["x", *[p for p in ("mastodon", "bluesky") if p in form.cross_post]]

    credential: Credential | None = None
    if form.host and form.host != MANUAL_HOST:
        choices = {str(c.id): c for c in host_choices(session, workspace_id)}
        credential = choices.get(str(form.host))
        if credential is None:
            errors["host"] = "That account is not connected to this team; pick another or 'moderator posts by hand'."
    moderators = list(dict.fromkeys(m for m in form.moderators if m))
    strangers = [m for m in moderators if not is_member(m)]
    if strangers:
        errors["moderators"] = f"<@{strangers[0]}> is not in this workspace; co-moderators must be members."
    if not form.channel_id:
        errors["channel"] = "Pick a channel for the reminders and the digest."

    slots: list[Slot] = []
    if isinstance(start_date, date) and isinstance(start_time, time) and "timezone" not in errors:
        if "recurrence" not in errors and not {"until", "count"} & errors.keys():
            slots = plan(
                start_date,
                start_time,
                tz_name,
                duration if isinstance(duration, int) else 60,
                recurrence,
                until=until if isinstance(until, date) else None,
                count=count if isinstance(count, int) else None,
            )
            if check_start and slots and slots[0].start <= now:
                local_now = now.astimezone(ZoneInfo(tz_name))
                errors["start_date"] = (
                    f"{start_date} {start_time:%H:%M} {tz_name} is in the past (it is now "
                    f"{local_now:%Y-%m-%d %H:%M} there); pick a later start."
                )

    checked: list[CheckedQuestion] = []
    warnings: list[str] = []
    if isinstance(hashtag, str) and isinstance(template, str) and isinstance(duration, int):
        drafts = parse_questions(form.questions)
        result = attempt(
            lambda: check_questions(drafts, hashtag=hashtag, template=template, duration=duration, platforms=platforms)
        )
        checked = result if isinstance(result, list) else []
        if title and not errors.keys() & {"title", "guests"}:
            intro = intro_text(
                hashtag, title, len(drafts), duration, guests if isinstance(guests, list) else [], LONGEST_DAY
            )
            for check in check_lengths(intro, platforms):
                if check.over:
                    errors.setdefault(
                        "title", too_long_message("The intro post (with this title and the guests)", check)
                    )
            if form.classic_style:
                warnings = classic_warnings([("The intro", intro), *[(f"Q{q.number}", q.posted) for q in checked]])
    if errors:
        raise ChatInputError(errors)
    assert isinstance(hashtag, str) and isinstance(start_date, date) and isinstance(start_time, time)
    assert isinstance(template, str) and isinstance(guests, list) and isinstance(duration, int)
    return ValidChat(
        hashtag=hashtag,
        title=title,
        description=(form.description or "").strip(),
        timezone=tz_name,
        start_date=start_date,
        start_time=start_time,
        duration=duration,
        recurrence=recurrence,
        until=until if isinstance(until, date) else None,
        count=count if isinstance(count, int) else None,
        credential=credential,
        moderators=moderators,
        guests=guests,
        channel_id=str(form.channel_id),
        template=template,
        platforms=platforms,
        classic_style=form.classic_style,
        requires_approval=form.requires_approval,
        questions=checked,
        slots=slots,
        warnings=warnings,
    )


def create_chat(session: Session, chat: ValidChat, *, workspace_id: int, actor: str, now: datetime) -> ChatSeries:
    """Store a validated chat with its occurrences, questions and moderators (the creator leads); commits."""
    series = ChatSeries(
        workspace_id=workspace_id,
        created_by=actor,
        created_at=now,
        updated_at=now,
        channel_id=chat.channel_id,
        hashtag=chat.hashtag,
        title=chat.title,
        timezone=chat.timezone,
        start_date=chat.start_date,
        start_time=chat.start_time,
    )
    _apply(series, chat, now)
    session.add(series)
    session.flush()
    assert series.id is not None
    session.add(ChatModerator(series_id=series.id, slack_user_id=actor, lead=True))
    for user in chat.moderators:
        if user != actor:
            session.add(ChatModerator(series_id=series.id, slack_user_id=user))
    _replace_questions(session, series.id, chat.questions)
    for slot in chat.slots:
        session.add(ChatOccurrence(series_id=series.id, start_at=slot.start, end_at=slot.end))
    audit.record(
        session,
        actor=actor,
        action="chat.created",
        record_type="chat_series",
        record_id=series.id,
        workspace_id=workspace_id,
        hashtag=chat.hashtag,
        occurrences=len(chat.slots),
    )
    session.commit()
    session.refresh(series)
    return series


def _apply(series: ChatSeries, chat: ValidChat, now: datetime) -> None:
    series.hashtag, series.title, series.description = chat.hashtag, chat.title, chat.description
    series.timezone, series.start_date, series.start_time = chat.timezone, chat.start_date, chat.start_time
    series.duration_minutes, series.recurrence = chat.duration, chat.recurrence
    series.recurrence_until, series.recurrence_count = chat.until, chat.count
    series.host_credential_id = chat.credential.id if chat.credential else None
    series.manual = chat.credential is None
    series.platforms, series.guests, series.channel_id = chat.platforms, chat.guests, chat.channel_id
    series.template, series.classic_style = chat.template, chat.classic_style
    series.requires_approval, series.updated_at = chat.requires_approval, now


def _replace_questions(session: Session, series_id: int, questions: Sequence[CheckedQuestion]) -> None:
    for old in session.exec(select(ChatQuestion).where(ChatQuestion.series_id == series_id)):
        session.delete(old)
    session.flush()
    for question in questions:
        session.add(
            ChatQuestion(
                series_id=series_id, number=question.number, offset_minutes=question.minute, text=question.text
            )
        )


def update_chat(session: Session, series: ChatSeries, chat: ValidChat, *, actor: str, now: datetime) -> ChatSeries:
    """Apply an edit: fields, moderators, questions; future occurrences that have not started are re-planned."""
    assert series.id is not None
    _apply(series, chat, now)
    session.add(series)
    existing = {m.slack_user_id: m for m in moderators_of(session, series.id)}
    for user, row in existing.items():
        if not row.lead and user not in chat.moderators:
            session.delete(row)
    for user in chat.moderators:
        if user not in existing:
            session.add(ChatModerator(series_id=series.id, slack_user_id=user))
    _replace_questions(session, series.id, chat.questions)
    keep = {slot.start for slot in chat.slots}
    planned = {o.start_at: o for o in occurrences_of(session, series.id)}
    for start, occurrence in planned.items():
        if start > now and start not in keep and not _has_posts(session, occurrence):
            session.delete(occurrence)
    for slot in chat.slots:
        if slot.start not in planned and slot.start > now:
            session.add(ChatOccurrence(series_id=series.id, start_at=slot.start, end_at=slot.end))
        elif slot.start in planned:
            planned[slot.start].end_at = slot.end
    audit.record(
        session,
        actor=actor,
        action="chat.edited",
        record_type="chat_series",
        record_id=series.id,
        workspace_id=series.workspace_id,
    )
    session.commit()
    session.refresh(series)
    return series


def set_questions(session: Session, series: ChatSeries, raw: str, *, actor: str) -> list[CheckedQuestion]:
    """Replace the questions from `/outreach chat questions ID` (validated like the form); commits."""
    assert series.id is not None
    drafts: list[QuestionDraft] = parse_questions(raw)
    try:
        checked = check_questions(
            drafts,
            hashtag=series.hashtag,
            template=series.template,
            duration=series.duration_minutes,
            platforms=series.platforms,
        )
    except RuleError as exc:
        raise ChatInputError({"questions": exc.message}) from None
    _replace_questions(session, series.id, checked)
    series.updated_at = datetime.now(UTC)
    session.add(series)
    audit.record(
        session,
        actor=actor,
        action="chat.questions_set",
        record_type="chat_series",
        record_id=series.id,
        workspace_id=series.workspace_id,
        count=len(checked),
    )
    session.commit()
    return checked


def _has_posts(session: Session, occurrence: ChatOccurrence) -> bool:
    return session.exec(select(ChatPost).where(ChatPost.occurrence_id == occurrence.id)).first() is not None


def occurrences_of(session: Session, series_id: int) -> list[ChatOccurrence]:
    return list(
        session.exec(
            select(ChatOccurrence).where(ChatOccurrence.series_id == series_id).order_by(col(ChatOccurrence.start_at))
        )
    )


def moderators_of(session: Session, series_id: int) -> list[ChatModerator]:
    return list(
        session.exec(select(ChatModerator).where(ChatModerator.series_id == series_id).order_by(col(ChatModerator.id)))
    )


def questions_of(session: Session, series_id: int) -> list[ChatQuestion]:
    return list(
        session.exec(select(ChatQuestion).where(ChatQuestion.series_id == series_id).order_by(col(ChatQuestion.number)))
    )


def get_chat(session: Session, workspace_id: int, series_id: int) -> ChatSeries | None:
    series = session.get(ChatSeries, series_id)
    return series if series is not None and series.workspace_id == workspace_id else None


def can_change(session: Session, series: ChatSeries, user_id: str, *, is_comms: bool) -> bool:
    """Only the creator, the moderators and comms members may edit or cancel a chat."""
    if is_comms or user_id == series.created_by:
        return True
    return any(m.slack_user_id == user_id for m in moderators_of(session, require_id(series)))


def next_occurrence(session: Session, series_id: int, now: datetime) -> ChatOccurrence | None:
    return session.exec(
        select(ChatOccurrence)
        .where(
            ChatOccurrence.series_id == series_id,
            col(ChatOccurrence.end_at) > now,
            ChatOccurrence.status == ChatStatus.scheduled.value,
        )
        .order_by(col(ChatOccurrence.start_at))
    ).first()


def cancel(
    session: Session, series: ChatSeries, *, actor: str, now: datetime, occurrence_id: int | None = None
) -> list[ChatOccurrence]:
    """Cancel one occurrence (by id) or the whole series' future; returns the occurrences cancelled; commits."""
    assert series.id is not None
    targets = [
        o for o in occurrences_of(session, series.id) if o.status == ChatStatus.scheduled.value and o.end_at > now
    ]
    if occurrence_id is not None:
        targets = [o for o in targets if o.id == occurrence_id]
    else:
        series.status = ChatStatus.cancelled.value
        series.updated_at = now
        session.add(series)
    for occurrence in targets:
        occurrence.status = ChatStatus.cancelled.value
        occurrence.cancelled_by = actor
        session.add(occurrence)
    audit.record(
        session,
        actor=actor,
        action="chat.cancelled",
        record_type="chat_series",
        record_id=series.id,
        workspace_id=series.workspace_id,
        occurrences=[o.id for o in targets],
        whole_series=occurrence_id is None,
    )
    session.commit()
    return targets


def guests_on(platform: str, guests: Sequence[str]) -> list[str]:
    """The guests one network can mention: @name on X, @name@server on Mastodon, @name.domain on Bluesky."""
    if platform == "x":
        return [g for g in guests if re.fullmatch(r"@\w{1,15}", g)]
    if platform == "mastodon":
        return [g for g in guests if g.count("@") == 2]
    if platform == "bluesky":
        return [g for g in guests if g.count("@") == 1 and "." in g]
    return []


def cancellation_reply(series: ChatSeries, occurrence: ChatOccurrence, platform: str) -> str:
    """The public note under the intro of a sitting cancelled while under way; guests mentioned if it fits."""
    day = day_label(occurrence.start_at, series.timezone)
    base = f"Sorry: #{series.hashtag}{day} is cancelled and no more questions will be posted."
    mentions = guests_on(platform, series.guests)
    text = f"{base} {' '.join(mentions)}, thank you; we will be in touch." if mentions else base
    return text if not any(check.over for check in check_lengths(text, [platform])) else base


def intro_is_public(session: Session, occurrence: ChatOccurrence) -> bool:
    """The sitting's intro is already posted on some network (so a cancellation is answered in public)."""
    return (
        session.exec(
            select(ChatPost).where(
                ChatPost.occurrence_id == occurrence.id,
                ChatPost.item == "intro",
                ChatPost.status == PostStatus.posted.value,
            )
        ).first()
        is not None
    )


def guest_notice(series: ChatSeries, when: Sequence[datetime], *, whole: bool) -> str:
    """What a moderator sends each guest: the app cannot write privately to people outside the workspace."""
    tz = ZoneInfo(series.timezone)
    dates = ", ".join(f"{w.astimezone(tz):%a %d %b %H:%M}" for w in when)
    what = f"the #{series.hashtag} chat series “{series.title}”" if whole else f"#{series.hashtag} “{series.title}”"
    on = f" on {dates} ({series.timezone})" if dates else ""
    return (
        f"Hello, I'm sorry to tell you that {what}{on} is cancelled. "
        "Thank you for agreeing to join us; we will be in touch about another date."
    )


# Run sheet and sign-off --------------------------------------------------------------------------


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
    items = [("intro", "Intro", 0, intro(day), intro(""))]
    for q in questions:
        posted = render_question(series.template, number=q.number, text=q.text, hashtag=series.hashtag)
        items.append((f"question:{q.number}", f"Q{q.number}", q.offset_minutes, posted, posted))
    closing = closing_text(series.hashtag, day), closing_text(series.hashtag)
    items.append(("closing", "Closing", series.duration_minutes, *closing))
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
) -> RunSheet:
    """Approve (or request changes to) the run sheet as it is now; ValueError if it changed since it was sent."""
    sheet = run_sheet(session, series)
    if sheet_hash(sheet) != expected_hash:
        raise ValueError("The questions changed since this run sheet was sent; approve the newer one.")
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
    audit.record(
        session,
        actor=actor,
        action=f"chat.{decision}",
        record_type="chat_series",
        record_id=require_id(series),
        workspace_id=series.workspace_id,
        sheet=expected_hash,
    )
    session.commit()
    return run_sheet(session, series)


# Listing and clashes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upcoming:
    series: ChatSeries
    occurrence: ChatOccurrence
    questions: int
    host_connected: bool
    approved: bool


def upcoming(session: Session, workspace_id: int, now: datetime, *, limit: int = 20) -> list[Upcoming]:
    """The next sitting of each scheduled chat of the team, soonest first, with its readiness."""
    rows = session.exec(
        select(ChatOccurrence, ChatSeries)
        .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
        .where(
            ChatSeries.workspace_id == workspace_id,
            ChatSeries.status == ChatStatus.scheduled.value,
            ChatOccurrence.status == ChatStatus.scheduled.value,
            col(ChatOccurrence.end_at) > now,
        )
        .order_by(col(ChatOccurrence.start_at))
    ).all()
    seen: set[int] = set()
    result: list[Upcoming] = []
    for occurrence, series in rows:
        if series.id in seen:
            continue
        seen.add(require_id(series))
        count = len(questions_of(session, require_id(series)))
        connected = series.manual or (
            series.host_credential_id is not None and session.get(Credential, series.host_credential_id) is not None
        )
        sheet = run_sheet(session, series)
        result.append(Upcoming(series, occurrence, count, connected, not sheet.unapproved))
        if len(result) >= limit:
            break
    return result


def clashes(session: Session, chat: ValidChat, *, workspace_id: int, exclude_series: int | None = None) -> list[str]:
    """Warnings: another chat of the team on the same hashtag overlapping, or a known community slot of the hashtag."""
    warnings: list[str] = []
    tag = chat.hashtag.lower()
    if not chat.slots:
        return warnings
    first, last = chat.slots[0].start, chat.slots[-1].end
    rows = session.exec(
        select(ChatOccurrence, ChatSeries)
        .join(ChatSeries, col(ChatSeries.id) == ChatOccurrence.series_id)
        .where(
            ChatSeries.workspace_id == workspace_id,
            ChatOccurrence.status == ChatStatus.scheduled.value,
            col(ChatOccurrence.start_at) < last,
            col(ChatOccurrence.end_at) > first,
        )
    ).all()
    for occurrence, other in rows:
        if other.id == exclude_series or other.hashtag.lower() != tag:
            continue
        if any(slot.start < occurrence.end_at and occurrence.start_at < slot.end for slot in chat.slots):
            when = occurrence.start_at.astimezone(ZoneInfo(chat.timezone))
            warnings.append(
                f"Clash: your team's chat “{other.title}” (#{other.hashtag}) also runs {when:%a %d %b %H:%M}."
            )
            break
    warnings.extend(community_clashes(session, chat))
    return warnings


def community_clashes(session: Session, chat: ValidChat) -> list[str]:
    """A recurring community slot of the hashtag (weekly bursts in stored posts) at the chat's time."""
    tag = chat.hashtag.lower()
    since = chat.slots[0].start - timedelta(days=120)
    rows = session.execute(posts_query(hashtag=tag, since=since)).mappings()
    posts = ((tag, row["created_at"], row["author_id"], row["text"]) for row in rows)
    found = []
    for slot in detect_recurring_chats(posts, tz=chat.timezone):
        if any(slot_overlaps(slot, s.start, s.end) for s in chat.slots):
            days = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
            found.append(
                f"Clash: #{slot.hashtag} has a community chat {days[slot.weekday]} {slot.start:%H:%M}-{slot.end:%H:%M} "
                f"({slot.tz}; seen {slot.weeks_seen} weeks, about {slot.typical_participants} people); "
                "talk to its organisers or pick another time."
            )
    return found


def chat_limits_note(platforms: Sequence[str]) -> str:
    return ", ".join(f"{p} {LIMITS[p]}" for p in platforms)


# What happened to each post ---------------------------------------------------------------------


def post_row(session: Session, occurrence_id: int, item: str, platform: str) -> ChatPost | None:
    return session.exec(
        select(ChatPost).where(
            ChatPost.occurrence_id == occurrence_id, ChatPost.item == item, ChatPost.platform == platform
        )
    ).first()


def record_post(
    session: Session,
    occurrence_id: int,
    item: str,
    platform: str,
    status: PostStatus,
    *,
    text: str = "",
    url: str | None = None,
    by: str = "worker",
    post_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> ChatPost:
    """Insert or update what happened to one item of one sitting (`detail`: e.g. Bluesky's uri and cid); commits."""
    row = post_row(session, occurrence_id, item, platform) or ChatPost(
        occurrence_id=occurrence_id, item=item, platform=platform, status=status
    )
    row.status, row.by, row.recorded_at = status.value, by, datetime.now(UTC)
    row.text = text or row.text
    row.url = url or row.url
    row.post_id = post_id or row.post_id
    if detail:
        row.detail = {**(row.detail or {}), **detail}
    session.add(row)
    session.commit()
    return row
