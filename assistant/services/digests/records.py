"""Digest use cases: request a digest job, record a made digest, find digests and previous occurrences."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.models.base import FIRST_YEAR, LAST_YEAR, utcnow
from assistant.models.digests import Digest, DigestJob, DigestJobState
from assistant.services.team import audit
from assistant.wakeup import announce


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def normalize_hashtag(hashtag: str) -> str:
    """The hashtag without '#' and surrounding blanks; ValueError when nothing is left."""
    tag = hashtag.strip().lstrip("#").strip()
    if not tag or any(ch.isspace() for ch in tag):
        raise ValueError(f"not a hashtag: {hashtag!r}")
    return tag


def request_digest(
    session: Session,
    *,
    workspace_id: int,
    hashtag: str,
    start: datetime,
    end: datetime,
    channel_id: str,
    chat_occurrence_id: int | None = None,
    questions: Sequence[tuple[int, datetime, str]] = (),
    host_handle: str | None = None,
    moderators: Sequence[str] = (),
    platforms: Sequence[str] = ("x",),
    due_at: datetime,
    requested_by: str | None = None,
) -> DigestJob:
    """Ask for the digest of #hashtag in [start, end), made by the worker once `due_at` has passed.

    Idempotent per `chat_occurrence_id`: asking again for the same occurrence returns the same
    job (its details refreshed while it has not started yet). A new job already due wakes the workers
    when the caller commits.
    """
    tag = normalize_hashtag(hashtag)
    start, end, due_at = _aware(start, "start"), _aware(end, "end"), _aware(due_at, "due_at")
    if end <= start:
        raise ValueError("the digest window must end after it starts")
    details: dict[str, Any] = {
        "hashtag": tag,
        "start": start,
        "end": end,
        "channel_id": channel_id,
        "questions": [[int(n), _aware(at, "question time").isoformat(), str(text)] for n, at, text in questions],
        "host_handle": host_handle.lstrip("@") if host_handle else None,
        "moderators": list(dict.fromkeys(m.strip().lstrip("@") for m in moderators if m.strip().lstrip("@"))),
        "platforms": list(platforms) or ["x"],
        "due_at": due_at,
    }
    if chat_occurrence_id is not None:
        existing = _job_for_occurrence(session, chat_occurrence_id)
        if existing is not None:
            return _refresh(session, existing, details)
    job = DigestJob(
        workspace_id=workspace_id, chat_occurrence_id=chat_occurrence_id, requested_by=requested_by, **details
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        if chat_occurrence_id is None:
            raise
        existing = _job_for_occurrence(session, chat_occurrence_id)
        assert existing is not None
        return _refresh(session, existing, details)
    audit.log(
        session,
        "digest.requested",
        job,
        actor=requested_by or "system",
        hashtag=tag,
        chat_occurrence_id=chat_occurrence_id,
    )
    if due_at <= utcnow():
        announce(session)  # the worker starts on it as this transaction commits, not at its next pass
    return job


def _job_for_occurrence(session: Session, chat_occurrence_id: int) -> DigestJob | None:
    return session.exec(select(DigestJob).where(DigestJob.chat_occurrence_id == chat_occurrence_id)).first()


def _refresh(session: Session, job: DigestJob, details: dict[str, Any]) -> DigestJob:
    if job.state == DigestJobState.pending:
        for name, value in details.items():
            setattr(job, name, value)
        job.updated_at = utcnow()
        session.add(job)
        session.flush()
    return job


def job_questions(job: DigestJob) -> list[tuple[int, datetime, str]]:
    """The job's questions as (number, aware time, text)."""
    return [(int(n), datetime.fromisoformat(at), str(text)) for n, at, text in job.questions]


def due_jobs(session: Session, now: datetime) -> list[DigestJob]:
    """Jobs whose time has come and whose digest is not made yet."""
    query = (
        select(DigestJob)
        .where(col(DigestJob.due_at) <= now)
        .where(col(DigestJob.state).in_([DigestJobState.pending, DigestJobState.collecting]))
        .order_by(col(DigestJob.due_at), col(DigestJob.id))
    )
    return list(session.exec(query))


def new_token() -> str:
    """An unguessable archive token (256 bits)."""
    return secrets.token_urlsafe(32)


def save_digest(
    session: Session,
    *,
    figures: dict[str, Any],
    hashtag: str,
    start: datetime,
    end: datetime,
    workspace_id: int | None = None,
    job: DigestJob | None = None,
    timezone: str = "UTC",
) -> Digest:
    """Store a made digest (its JSON document) with a fresh archive token."""
    volume = figures.get("volume", {})
    digest = Digest(
        workspace_id=workspace_id,
        job_id=job.id if job else None,
        chat_occurrence_id=job.chat_occurrence_id if job else None,
        hashtag=normalize_hashtag(hashtag),
        start=start,
        end=end,
        token=new_token(),
        timezone=timezone,
        posts=int(volume.get("posts", 0)),
        participants=int(volume.get("participants", 0)),
        figures=figures,
    )
    session.add(digest)
    session.flush()
    return digest


def digest_by_token(session: Session, token: str) -> Digest | None:
    """The digest an archive link names, or None."""
    if not token or len(token) > 64:
        return None
    return session.exec(select(Digest).where(Digest.token == token)).first()


def previous_digests(session: Session, *, hashtag: str, before: datetime, limit: int = 8) -> list[Digest]:
    """Earlier digests of the same hashtag (newest first), for comparisons."""
    tag = normalize_hashtag(hashtag)
    query = (
        select(Digest)
        .where(sa.func.lower(Digest.hashtag) == tag.lower(), col(Digest.start) < before)
        .order_by(col(Digest.start).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def set_progress_message(session: Session, job_id: int, ts: str | None) -> None:
    """Remember the Slack message (its ts) that the worker updates as the job moves along."""
    job = session.get(DigestJob, job_id)
    if job is not None:
        job.progress_ts = ts
        session.add(job)


MAX_WINDOW = timedelta(days=92)


class WindowError(ValueError):
    """A --from / --to that cannot be read or makes no window."""


def _parse_instant(text: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    value = text.strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise WindowError(f"can't read the time {text!r}; use 2026-11-19 or 2026-11-19T21:00") from exc
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise WindowError(f"the time {text!r} must be between {FIRST_YEAR} and {LAST_YEAR}")
    if len(value) == 10:
        day = parsed.replace(tzinfo=zone)
        return day + timedelta(days=1) if end_of_day else day
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def parse_window(start: str | None, end: str | None, *, timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) from --from / --to in the team's zone: a bare date means that whole day (for --to, its end);
    --to defaults to the end of --from's day when --from is a date, else to now."""
    if not start:
        raise WindowError("say when the digest starts: --from 2026-11-19 (or --from 2026-11-19T21:00)")
    zone = ZoneInfo(timezone)
    begin = _parse_instant(start, zone, end_of_day=False)
    if end:
        finish = _parse_instant(end, zone, end_of_day=True)
    elif len(start.strip()) == 10:
        finish = begin + timedelta(days=1)
    else:
        finish = now
    if finish <= begin:
        raise WindowError("--to must be after --from")
    if finish - begin > MAX_WINDOW:
        raise WindowError(f"a digest covers at most {MAX_WINDOW.days} days")
    return begin.astimezone(UTC), finish.astimezone(UTC)


def hold(session: Session, job_id: int, *, now: datetime) -> None:
    """Hold the job until an admin answers its budget request (the worker leaves held jobs alone)."""
    job = session.get(DigestJob, job_id)
    if job is not None and job.state in (DigestJobState.pending, DigestJobState.collecting):
        job.state, job.updated_at = DigestJobState.held, now
        session.add(job)
        session.commit()


def release(session: Session, job_id: int, *, approved: bool, now: datetime) -> DigestJob | None:
    """An admin's answer to a held job: yes makes it due now, no ends it."""
    job = session.get(DigestJob, job_id)
    if job is None or job.state != DigestJobState.held:
        return None
    if approved:
        job.state, job.due_at = DigestJobState.pending, now
    else:
        job.state, job.last_error = DigestJobState.failed, "an admin declined crossing the monthly X budget"
    job.updated_at = now
    session.add(job)
    if approved:
        announce(session)  # the worker starts on it as this transaction commits
    session.commit()
    return job
