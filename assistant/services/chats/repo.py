"""Hashtag chats: store, edit, cancel and read a chat series with its sittings, questions and moderators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from assistant.models.base import require_id
from assistant.models.chats import ChatModerator, ChatOccurrence, ChatPost, ChatQuestion, ChatSeries, ChatStatus
from assistant.services.chats.form import ChatInputError, ValidChat
from assistant.services.chats.rules import CheckedQuestion, QuestionDraft, RuleError, check_questions, parse_questions
from assistant.services.team import audit


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
    audit.log(session, "chat.created", series, actor=actor, hashtag=chat.hashtag, occurrences=len(chat.slots))
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
    series.co_moderators = chat.co_moderators
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
    audit.log(session, "chat.edited", series, actor=actor)
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
    audit.log(session, "chat.questions_set", series, actor=actor, count=len(checked))
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
            ChatOccurrence.status == ChatStatus.scheduled,
        )
        .order_by(col(ChatOccurrence.start_at))
    ).first()


def cancel(
    session: Session, series: ChatSeries, *, actor: str, now: datetime, occurrence_id: int | None = None
) -> list[ChatOccurrence]:
    """Cancel one occurrence (by id) or the whole series' future; returns the occurrences cancelled; commits."""
    assert series.id is not None
    targets = [o for o in occurrences_of(session, series.id) if o.status == ChatStatus.scheduled and o.end_at > now]
    if occurrence_id is not None:
        targets = [o for o in targets if o.id == occurrence_id]
    else:
        series.status = ChatStatus.cancelled
        series.updated_at = now
        session.add(series)
    for occurrence in targets:
        occurrence.status = ChatStatus.cancelled
        occurrence.cancelled_by = actor
        session.add(occurrence)
    audit.log(
        session,
        "chat.cancelled",
        series,
        actor=actor,
        occurrences=[o.id for o in targets],
        whole_series=occurrence_id is None,
    )
    session.commit()
    return targets
