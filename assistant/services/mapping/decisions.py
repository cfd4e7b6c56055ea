"""What comms decide on a mapping request: where its card sits, starting the crawl, re-running communities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import session_scope
from assistant.models.mapping import MappingRequest
from assistant.services.costs.budget import BudgetCheck
from assistant.services.mapping import crawl, report
from assistant.services.mapping import estimate as measuring
from assistant.services.mapping.requests import get
from assistant.services.team import audit
from integrations.x.cost import Prices


def place_card(session: Session, request_id: int, *, channel: str, ts: str) -> MappingRequest:
    """Remember where the request's card was posted, so each change updates it in place."""
    request = get(session, request_id)
    request.card_channel, request.card_ts = channel, ts
    session.add(request)
    return request


def start_crawl(
    session: Session,
    request_id: int,
    *,
    strategy: str,
    money: float,
    calls: int,
    actor: str,
    now: datetime,
    prices: Prices,
    check: BudgetCheck,
    estimate: float,
) -> MappingRequest:
    """The approved crawl: its budget, strategy and first steps, the measured estimate it was approved on;
    an approval that crosses the month's budget (`check`) audited with the figures."""
    request = get(session, request_id)
    request.budget_money, request.budget_calls = money, calls
    crawl.approve(session, request, strategy=strategy, by=actor, now=now)
    measuring.promise(session, request, strategy, prices)
    if check.crosses:
        audit.log(
            session,
            "budget.crossed_approved",
            request,
            actor=actor,
            estimate=estimate,
            month_to_date=check.spent,
            budget=check.budget,
        )
    return request


@dataclass(frozen=True, slots=True)
class Rerun:
    """Communities found again on the stored data: the new report and the request (with its card)."""

    report: report.Report
    request: MappingRequest


def rerun_communities(
    engine: Engine, request_id: int, *, resolution: float | None, wanted: int | None, actor: str
) -> Rerun:
    """Analyse the stored map again at another resolution or number of communities (no X call); audited."""
    made = report.make_report(engine, request_id, resolution=resolution, wanted=wanted)
    with session_scope(engine) as session:
        request = get(session, request_id)
        audit.log(session, "mapping.communities_rerun", request, actor=actor, resolution=resolution, number=wanted)
    return Rerun(made, request)


def record_question(engine: Engine, request: MappingRequest, *, actor: str) -> None:
    """Audit that comms asked the requester a question about the request."""
    with session_scope(engine) as session:
        audit.log(session, "mapping.asked", request, actor=actor)
