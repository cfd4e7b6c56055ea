"""The mapping estimate measured before it is promised: seed lookups (following_count), then X's post counts.

Step 1 reads the seed accounts (their `public_metrics.following_count` is the exact size of the follow crawl);
step 2 asks X's counts endpoint how many posts each hashtag and keyword has, and how many they have together.
Each step's own cost is known before it runs and shown first. The strategies' estimates then come from those
numbers; the users the search brings (authors and people mentioned, new to the day) from the team's own ratio.
The crawl that follows on the same UTC day reads the seeds again for free (the shared ledger knows them).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.costs import CostEstimate
from assistant.models.mapping import MappingRequest
from assistant.services.costs import budget, figures
from assistant.services.costs.ledger import x_meter
from assistant.services.mapping.crawl import (
    LIMITS,
    SEARCH_PAGES,
    MappingInputError,
    StrategyEstimate,
    check_inputs,
    minutes_under_limits,
    search_terms,
)
from assistant.services.mapping.crawl import (
    estimate as rough_guess,
)
from assistant.services.store.write import upsert_batch
from integrations.x.client import XClient
from integrations.x.cost import Prices
from integrations.x.counts import total_over_pages
from integrations.x.requests import USERS_PER_LOOKUP

PAGE = 100  # posts a search page holds
FOLLOWING_PAGE = 1000


@dataclass(frozen=True, slots=True)
class MeasureStep:
    """One cheap measuring call sequence, with what it bills, shown before it runs."""

    label: str
    calls: int
    cost: float

    def describe(self) -> str:
        price = f"${self.cost:,.2f}" if self.cost else "no items billed"
        return f"{self.label}: {self.calls} call{'s' if self.calls != 1 else ''}, {price}"


@dataclass(frozen=True, slots=True)
class Measured:
    """What the two steps found."""

    seeds_found: int
    following: dict[str, int]  # seed account id -> following_count
    per_term: dict[str, int]  # term -> posts X counts for it (last 7 days)
    together: int  # posts matching any term
    users_per_post: float
    ratio_source: str
    steps: list[MeasureStep] = field(default_factory=list)
    new_per_follow: float = 1.0  # of the follow-list entries, the share not already read that day
    follow_source: str = "every entry priced"

    @property
    def search_posts(self) -> int:
        """Posts the search steps will read: each term up to its page cap, overlaps once."""
        capped = sum(min(count, SEARCH_PAGES * PAGE) for count in self.per_term.values())
        return min(self.together, capped)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seeds(request: MappingRequest) -> list[str]:
    return [s.strip().lstrip("@") for s in request.seeds if s.strip()]


def measure_steps(request: MappingRequest, prices: Prices) -> list[MeasureStep]:
    """The two measuring steps and their own cost, before either runs."""
    check_inputs(request)
    seeds, terms = _seeds(request), search_terms(request)
    steps = []
    if seeds:
        calls = math.ceil(len(seeds) / USERS_PER_LOOKUP)
        steps.append(
            MeasureStep(f"look up {len(seeds)} seed account(s)", calls, round(len(seeds) * prices.user_read, 6))
        )
    if terms:
        calls = len(terms) + (1 if len(terms) > 1 else 0)
        steps.append(MeasureStep(f"count the posts of {len(terms)} hashtag(s) and keyword(s)", calls, 0.0))
    return steps


def measure(engine: Engine, request_id: int, client: XClient) -> Measured:
    """Run both steps (billed in the ledger as the request's estimate) and keep what they found."""
    with Session(engine) as session:
        request = session.get(MappingRequest, request_id)
        if request is None:
            raise MappingInputError(f"no mapping request {request_id}")
        check_inputs(request)
        workspace_id = request.workspace_id
        steps = measure_steps(request, client.meter.prices)
        seeds, terms = _seeds(request), search_terms(request)
    client.meter = x_meter(
        engine,
        client.meter.prices,
        workspace_id=workspace_id,
        job_kind="estimate",
        job_id=f"mapping:{request_id}",
        clock=client.meter.clock,
    )
    following: dict[str, int] = {}
    for page in client.users_by_usernames(seeds) if seeds else []:
        batch = page.batch()
        with session_scope(engine) as session:
            upsert_batch(session, batch, captured_at=client.meter.clock())
        for user in page.data or []:
            metrics = user.get("public_metrics") or {}
            following[str(user["id"])] = int(metrics.get("following_count") or 0)
    per_term = {term: total_over_pages(p.raw for p in client.counts(term, granularity="day")) for term in terms}
    together = sum(per_term.values())
    if len(terms) > 1:
        together = total_over_pages(p.raw for p in client.counts(" OR ".join(terms), granularity="day"))
    today = client.meter.clock().date()
    with Session(engine) as session:
        ratio, source = figures.users_per_post(session, workspace_id=workspace_id, today=today)
        per_follow, follow_source = figures.users_per_follow_entry(session, workspace_id=workspace_id, today=today)
    return Measured(len(following), following, per_term, together, ratio, source, steps, per_follow, follow_source)


def strategies(measured: Measured, prices: Prices) -> list[StrategyEstimate]:
    """Each strategy's calls, dollars, least time and items, from the measured numbers."""
    search_calls = sum(max(1, math.ceil(min(c, SEARCH_PAGES * PAGE) / PAGE)) for c in measured.per_term.values())
    posts = measured.search_posts
    users = round(posts * measured.users_per_post)
    inter = StrategyEstimate(
        "interactions",
        search_calls,
        round(posts * prices.post_read + users * prices.user_read, 2),
        minutes_under_limits(search_calls, LIMITS["search"]),
        posts + users,
    )
    entries = round(sum(measured.following.values()) * measured.new_per_follow)
    following_calls = sum(max(1, math.ceil(n / FOLLOWING_PAGE)) for n in measured.following.values())
    follows = StrategyEstimate(
        "follows",
        search_calls + following_calls,
        round(inter.cost + entries * prices.user_read, 2),
        max(inter.minutes, minutes_under_limits(following_calls, LIMITS["following"])),
        inter.items + entries,
    )
    return [inter, follows]


def spend_of(estimate: StrategyEstimate, measured: Measured) -> figures.Spend:
    """The items and dollars an approved strategy promised, as stored beside the ledger."""
    posts = measured.search_posts
    users = estimate.items - posts
    return figures.Spend(posts=posts, users=users, dollars=estimate.cost, calls=estimate.calls)


def save(session: Session, request: MappingRequest, measured: Measured) -> None:
    """Keep the measurement with the request until a strategy is approved on it."""
    figures.store_estimate(
        session,
        workspace_id=request.workspace_id,
        job_kind="mapping",
        job_id=require_id(request),
        label="measured",
        spend=figures.Spend(),
        detail=measured.as_dict(),
    )


def load(session: Session, request_id: int) -> Measured | None:
    """The request's stored measurement, if it was measured."""
    row = session.exec(
        select(CostEstimate).where(CostEstimate.job_kind == "mapping", CostEstimate.job_id == str(request_id))
    ).first()
    if row is None or not row.detail:
        return None
    detail = dict(row.detail)
    steps = [MeasureStep(**step) for step in detail.pop("steps", [])]
    return Measured(**detail, steps=steps)


def promise(session: Session, request: MappingRequest, strategy: str, prices: Prices) -> StrategyEstimate | None:
    """Store the approved strategy's measured estimate beside the ledger (None when it was never measured)."""
    measured = load(session, require_id(request))
    if measured is None:
        return None
    chosen = next(e for e in strategies(measured, prices) if e.strategy == strategy)
    figures.store_estimate(
        session,
        workspace_id=request.workspace_id,
        job_kind="mapping",
        job_id=require_id(request),
        label=strategy,
        spend=spend_of(chosen, measured),
        detail=measured.as_dict(),
    )
    return chosen


@dataclass(frozen=True, slots=True)
class StartFigures:
    """What the Start modal shows: the measuring steps, what they found, each strategy and its budget check."""

    estimates: list[StrategyEstimate]
    steps: list[str]
    measured: str | None
    checks: dict[str, budget.BudgetCheck]

    def budget_lines(self) -> list[str]:
        return [f"{name.capitalize()}: {check.describe()}" for name, check in self.checks.items()]


def describe(measured: Measured) -> str:
    return (
        f"{sum(measured.following.values()):,} follow-list entries of {measured.seeds_found} seed(s); "
        f"{measured.together:,} posts on the terms in the last 7 days ({measured.search_posts:,} to read); "
        f"{measured.users_per_post:g} new users per post ({measured.ratio_source}); "
        f"{measured.new_per_follow:g} new users per follow-list entry ({measured.follow_source})"
    )


def start_figures(session: Session, request: MappingRequest, prices: Prices, today: date) -> StartFigures:
    """The measured estimates when the request was measured, else the rough guess, with the month's budget."""
    measured = load(session, require_id(request))
    found = strategies(measured, prices) if measured is not None else rough_guess(request, prices)
    workspace_id = request.workspace_id
    checks = {e.strategy: budget.check(session, workspace_id=workspace_id, estimate=e.cost, today=today) for e in found}
    steps = [step.describe() for step in measure_steps(request, prices)]
    return StartFigures(found, steps, describe(measured) if measured else None, checks)
