"""Hashtag chats: the chat form as submitted, checked field by field into a chat ready to store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from assistant.models.base import FIRST_YEAR, LAST_YEAR
from assistant.models.chats import Recurrence
from assistant.models.credentials import Credential
from assistant.models.platforms import CROSS_POST_NETWORKS, Platform
from assistant.services.chats.rules import (
    CheckedQuestion,
    RuleError,
    check_lengths,
    check_questions,
    check_template,
    classic_warnings,
    clean_hashtag,
    parse_questions,
    too_long_message,
)
from assistant.services.chats.schedule import Slot, plan, zone
from assistant.services.chats.texts import LONGEST_DAY, intro_text

MANUAL_HOST = "manual"


MAX_DURATION = 24 * 60
OUTSIDE_MODERATOR = "is not in this workspace; co-moderators must be members."


class ChatInputError(ValueError):
    """Every problem with a chat form, by field (hashtag, title, start, timezone, ...).

    `outsider` is the Slack user id of a co-moderator who is not a member of the workspace (its message under
    "moderators" names the id as plain text; the Slack builder mentions the person)."""

    def __init__(self, errors: dict[str, str], *, outsider: str | None = None) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.outsider = outsider


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
    recurrence: str = Recurrence.none
    until: str | None = None
    count: str | int | None = None
    host: str = MANUAL_HOST  # a Credential id or "manual"
    moderators: Sequence[str] = ()
    guests: str = ""
    moderator_handles: str = ""  # co-moderators' public handles, for digests
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
    recurrence: Recurrence
    until: date | None
    count: int | None
    credential: Credential | None
    moderators: list[str]
    guests: list[str]
    co_moderators: list[str]  # public handles without '@'
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
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleError(field_name, f"{label} must be a date like 2026-12-03, got {value!r}.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RuleError(field_name, f"{label} must be between {FIRST_YEAR} and {LAST_YEAR}, got {day.isoformat()}.")
    return day


def _time(value: str | None) -> time | None:
    if not value or not str(value).strip():
        return None
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleError("start_time", f"The start time must look like 21:00, got {value!r}.") from None


def _guests(raw: str, field: str = "guests") -> list[str]:
    handles = []
    for token in raw.replace(",", " ").split():
        handle = token.strip()
        if not handle.startswith("@"):
            handle = "@" + handle
        if len(handle) < 2 or any(char in handle[1:] for char in "<>#&"):
            words = field.replace("_", " ")
            raise RuleError(field, f"{token!r} is not a public handle; write {words} like @handle or @name@server.")
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
    recurrence = form.recurrence or Recurrence.none
    if recurrence not in {r.value for r in Recurrence}:
        errors["recurrence"] = f"Unknown recurrence {recurrence!r}."
    until = attempt(lambda: _date(form.until, "until", "The end date"))
    count = attempt(lambda: _int(form.count, "count", "The number of chats", low=1, high=500))
    if isinstance(until, date) and isinstance(start_date, date) and until < start_date:
        errors["until"] = f"The series ends ({until}) before it starts ({start_date}); pick a later end date."
    template = attempt(lambda: check_template(form.template))
    guests = attempt(lambda: _guests(form.guests or ""))
    co_moderators = attempt(lambda: _guests(form.moderator_handles or "", "moderator_handles"))
    platforms = [Platform.x.value, *[p.value for p in CROSS_POST_NETWORKS if p in form.cross_post]]

    credential: Credential | None = None
    if form.host and form.host != MANUAL_HOST:
        choices = {str(c.id): c for c in host_choices(session, workspace_id)}
        credential = choices.get(str(form.host))
        if credential is None:
            errors["host"] = "That account is not connected to this team; pick another or 'moderator posts by hand'."
    moderators = list(dict.fromkeys(m for m in form.moderators if m))
    outsider = next((m for m in moderators if not is_member(m)), None)
    if outsider is not None:
        errors["moderators"] = f"{outsider} {OUTSIDE_MODERATOR}"
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
        raise ChatInputError(errors, outsider=outsider)
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
        recurrence=Recurrence(recurrence),
        until=until if isinstance(until, date) else None,
        count=count if isinstance(count, int) else None,
        credential=credential,
        moderators=moderators,
        guests=guests,
        co_moderators=[h.lstrip("@") for h in co_moderators] if isinstance(co_moderators, list) else [],
        channel_id=str(form.channel_id),
        template=template,
        platforms=platforms,
        classic_style=form.classic_style,
        requires_approval=form.requires_approval,
        questions=checked,
        slots=slots,
        warnings=warnings,
    )
