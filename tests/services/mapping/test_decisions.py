"""Comms' decisions on a mapping request: the card's place, the approved crawl and its budget, a re-run, a question."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models import AuditEntry
from assistant.models.base import require_id
from assistant.models.mapping import CrawlState, CrawlStep, MappingRequest
from assistant.services.costs.budget import BudgetCheck
from assistant.services.mapping import archive_import, crawl
from assistant.services.mapping import requests as service
from assistant.services.mapping.decisions import place_card, record_question, rerun_communities, start_crawl
from assistant.services.team.workspaces import ensure_workspace
from integrations.x.cost import Prices
from tests.conftest import shared_path

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
COMMS = "U0COMMS001"


def _request(engine: Engine, **data: tuple[str, ...]) -> int:
    with session_scope(engine) as session:
        request = service.create(
            session,
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T1")),
            requester_id="U0STAFF001",
            data=service.RequestInput("FE leads", **data),  # type: ignore[arg-type]
        )
        return require_id(request)


def _start(
    engine: Engine,
    rid: int,
    strategy: str,
    check: BudgetCheck,
    *,
    actor: str = COMMS,
    money: float = 5.0,
    calls: int = 300,
) -> None:
    with session_scope(engine) as session:
        start_crawl(
            session,
            rid,
            strategy=strategy,
            money=money,
            calls=calls,
            actor=actor,
            now=NOW,
            prices=Prices(),
            check=check,
            estimate=check.estimate,
        )


def _audits(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_cards_place_is_stored(engine: Engine) -> None:
    rid = _request(engine, seeds=("@fe_news",))
    with session_scope(engine) as session:
        placed = place_card(session, rid, channel="C0COMMS001", ts="1700000000.000100")
    assert (placed.card_channel, placed.card_ts) == ("C0COMMS001", "1700000000.000100")
    with Session(engine) as session:
        stored = session.get(MappingRequest, rid)
        assert stored is not None and stored.card_ts == "1700000000.000100"


def test_a_started_crawl_keeps_its_budget_and_plans_its_first_steps(engine: Engine) -> None:
    rid = _request(engine, seeds=("@fe_news", "@ukfechat"))
    within = BudgetCheck(budget=10.0, spent=1.0, estimate=2.0)
    _start(engine, rid, "interactions", within)
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        assert (request.budget_money, request.budget_calls) == (5.0, 300)
        assert (request.strategy, request.approved_by, request.crawl_state) == (
            "interactions",
            COMMS,
            CrawlState.running,
        )
        assert session.exec(select(CrawlStep).where(CrawlStep.request_id == rid)).first() is not None
    assert _audits(engine, "budget.crossed_approved") == []  # within the budget: nothing to record


def test_a_start_past_the_budget_is_audited_with_the_figures(engine: Engine) -> None:
    rid = _request(engine, seeds=("@fe_news",))
    over = BudgetCheck(budget=0.05, spent=0.03, estimate=0.04)
    assert over.crosses  # 0.07 > 0.05
    _start(engine, rid, "follows", over, actor="U0ADMIN001", money=1.0, calls=50)
    (entry,) = _audits(engine, "budget.crossed_approved")
    assert entry.actor == "U0ADMIN001"
    assert (entry.detail["estimate"], entry.detail["month_to_date"], entry.detail["budget"]) == (0.04, 0.03, 0.05)


def test_a_bad_strategy_starts_nothing(engine: Engine) -> None:
    rid = _request(engine, seeds=("@fe_news",))
    check = BudgetCheck(budget=None, spent=0.0, estimate=0.0)
    with pytest.raises(crawl.MappingInputError, match="strategy must be one of"):
        _start(engine, rid, "everything", check)
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None and request.crawl_state == CrawlState.none
        assert request.budget_money == 25.0 and request.strategy != "everything"  # the default budget, untouched


def test_communities_are_rerun_on_the_stored_map_and_audited(engine: Engine) -> None:
    rid = _request(engine, hashtags=("tidytuesday",))
    archive_import.import_archive(engine, rid, shared_path("fixtures", "datasets", "tt_tweets.jsonl"))
    finer = rerun_communities(engine, rid, resolution=2.5, wanted=None, actor=COMMS)
    assert finer.request.resolution == 2.5 and finer.report.analysis.communities
    fewer = rerun_communities(engine, rid, resolution=None, wanted=3, actor=COMMS)
    assert fewer.request.communities_wanted == 3 and fewer.request.resolution == 2.5  # kept from the first
    entries = _audits(engine, "mapping.communities_rerun")
    assert [(e.actor, e.detail["resolution"], e.detail["number"]) for e in entries] == [
        (COMMS, 2.5, None),
        (COMMS, None, 3),
    ]


def test_a_question_asked_is_audited(engine: Engine) -> None:
    rid = _request(engine, seeds=("@fe_news",))
    with Session(engine) as session:
        request = service.get(session, rid)
    record_question(engine, request, actor=COMMS)
    (entry,) = _audits(engine, "mapping.asked")
    assert (entry.actor, entry.record_type, entry.record_id) == (COMMS, "mapping_request", str(rid))
