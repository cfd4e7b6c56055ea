"""Mapping requests as the comms team works them: create, claim, decline, start, deliver, cancel, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from assistant.models.base import utcnow
from assistant.models.mapping import OPEN_STATUSES, CrawlState, MappingRequest, MappingStatus
from assistant.services.team import audit

# which transitions each action allows, and who may make it
TRANSITIONS: dict[str, tuple[tuple[MappingStatus, ...], MappingStatus]] = {
    "claim": ((MappingStatus.new,), MappingStatus.claimed),
    "decline": ((MappingStatus.new, MappingStatus.claimed), MappingStatus.declined),
    "start": ((MappingStatus.claimed,), MappingStatus.mapping),
    "deliver": ((MappingStatus.mapping,), MappingStatus.delivered),
    "cancel": (OPEN_STATUSES, MappingStatus.cancelled),
}
COMMS_ONLY = frozenset({"claim", "decline", "start", "deliver"})


class RequestError(ValueError):
    """The change is not allowed; the message says why, for the person who tried."""


@dataclass(frozen=True, slots=True)
class RequestInput:
    title: str
    decision: str = ""
    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    region: str = ""
    language: str = ""
    deadline: date | None = None
    watchers: tuple[str, ...] = ()
    timezone: str = "Europe/London"


def validate(data: RequestInput) -> dict[str, str]:
    """Field name -> problem, empty when the form is fine."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "Give the request a title (the policy area)."
    if not data.seeds and not data.hashtags and not data.keywords:
        errors["seeds"] = "Add seed accounts (partner organisations) or hashtags, so the map has somewhere to start."
    bad = [s for s in data.seeds if not s.lstrip("@").replace("_", "").isalnum() or len(s.lstrip("@")) > 15]
    if bad:
        errors["seeds"] = f"These are not X handles: {', '.join(bad)}"
    if data.deadline is not None and data.deadline < utcnow().date():
        errors["deadline"] = "The deadline is in the past."
    return errors


def create(session: Session, *, workspace_id: int, requester_id: str, data: RequestInput) -> MappingRequest:
    errors = validate(data)
    if errors:
        raise RequestError(" ".join(errors.values()))
    request = MappingRequest(
        workspace_id=workspace_id,
        requester_id=requester_id,
        title=data.title.strip(),
        decision=data.decision.strip(),
        keywords=list(data.keywords),
        hashtags=[h.lstrip("#").lower() for h in data.hashtags],
        seeds=[s.lstrip("@") for s in data.seeds],
        region=data.region,
        language=data.language,
        deadline=data.deadline,
        watchers=list(data.watchers),
        timezone=data.timezone,
    )
    session.add(request)
    session.flush()
    audit.log(session, "mapping.created", request, actor=requester_id)
    return request


def get(session: Session, request_id: int, *, workspace_id: int | None = None) -> MappingRequest:
    request = session.get(MappingRequest, request_id)
    if request is None or (workspace_id is not None and request.workspace_id != workspace_id):
        raise RequestError(f"There is no mapping request {request_id}.")
    return request


def transition(
    session: Session,
    request: MappingRequest,
    action: str,
    *,
    actor: str,
    is_comms: bool,
    reason: str = "",
    now: datetime | None = None,
) -> MappingRequest:
    """Apply `action` (claim, decline, start, deliver, cancel) if the status and the actor allow it."""
    allowed, target = TRANSITIONS[action]
    if action in COMMS_ONLY and not is_comms:
        raise RequestError(f"Only the comms team can {action} mapping requests.")
    if action == "cancel" and actor != request.requester_id and not is_comms:
        raise RequestError("Only the person who asked (or the comms team) can cancel this request.")
    if MappingStatus(request.status) not in allowed:
        raise RequestError(f"Request {request.id} is {request.status}; it cannot be {_past(action)} now.")
    if action == "deliver" and request.crawl_state != CrawlState.done:
        raise RequestError(f"The map for request {request.id} is not made yet; Deliver appears on the card when it is.")
    if action == "decline" and not reason.strip():
        raise RequestError("Say why the request is declined; the requester sees the reason.")
    if action in ("start", "deliver") and request.claimed_by not in (None, actor) and not is_comms:
        raise RequestError("Only the person who claimed it can do that.")
    at = now or utcnow()
    before = request.status
    request.status = target
    if action == "claim":
        request.claimed_by = actor
    if action == "decline":
        request.decline_reason = reason.strip()
    if action == "deliver":
        request.delivered_at = at
    request.updated_at = at
    session.add(request)
    audit.log(session, f"mapping.{action}", request, actor=actor, before=before, after=target.value, reason=reason)
    return request


def _past(action: str) -> str:
    return {
        "claim": "claimed",
        "decline": "declined",
        "start": "started",
        "deliver": "delivered",
        "cancel": "cancelled",
    }[action]


def mine(session: Session, *, workspace_id: int, user_id: str) -> list[MappingRequest]:
    query = (
        select(MappingRequest)
        .where(MappingRequest.workspace_id == workspace_id, MappingRequest.requester_id == user_id)
        .order_by(col(MappingRequest.created_at).desc())
    )
    return list(session.exec(query))


def queue(session: Session, *, workspace_id: int, today: date | None = None) -> list[MappingRequest]:
    """Open requests: overdue first, then by status (new, claimed, mapping), oldest first."""
    day = today or utcnow().date()
    statuses = [s.value for s in OPEN_STATUSES]
    rows = list(
        session.exec(
            select(MappingRequest).where(
                MappingRequest.workspace_id == workspace_id, col(MappingRequest.status).in_(statuses)
            )
        )
    )
    order = {s: i for i, s in enumerate(statuses)}
    rows.sort(key=lambda r: (not is_overdue(r, day), order[r.status], r.created_at))
    return rows


def is_overdue(request: MappingRequest, today: date) -> bool:
    return (
        request.deadline is not None and request.deadline < today and request.status in {s.value for s in OPEN_STATUSES}
    )
