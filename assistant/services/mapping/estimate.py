"""The mapping estimate measured before it is promised: seed lookups (following_count), then X's post counts.

Step 1 reads the seed accounts (their `public_metrics.following_count` is the exact size of the follow crawl);
step 2 asks X's counts endpoint how many posts each hashtag and keyword has, and how many they have together.
Each step's own cost is known before it runs and shown first. The strategies' estimates then come from those
numbers; the users the search brings (authors and people mentioned, new to the day) from the team's own ratio.
The crawl that follows on the same UTC day reads the seeds again for free (the shared ledger knows them).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.costs import CostEstimate
from assistant.models.mapping import MappingRequest
from assistant.services.costs import budget, figures, sample
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
from assistant.services.mapping.follow_sample import FOLLOW_SAMPLE, FOLLOW_SAMPLE_SEEDS, follow_samples
from assistant.services.store.write import upsert_batch
from integrations.x.client import XClient
from integrations.x.cost import Prices
from integrations.x.counts import total_over_pages
from integrations.x.requests import USERS_PER_LOOKUP

PAGE = 100  # posts a search page holds
SAMPLE_PAGES = 2  # search pages sampled per term: both strategies' crawl reads them again free that UTC day
FOLLOWING_PAGE = 1000


@dataclass(frozen=True, slots=True)
class MeasureStep:
    """One cheap measuring call sequence, with what it bills (or at most, for a sample), shown before it runs."""

    label: str
    calls: int
    cost: float
    at_most: bool = False

    def describe(self) -> str:
        price = f"{'up to ' if self.at_most else ''}${self.cost:,.2f}" if self.cost else "no items billed"
        return f"{self.label}: {self.calls} call{'s' if self.calls != 1 else ''}, {price}"


@dataclass(frozen=True, slots=True)
class Measured:
    """What the steps found, and what the sample steps already billed (the crawl reads it again free that day)."""

    seeds_found: int
    following: dict[str, int]  # seed account id -> following_count
    per_term: dict[str, int]  # term -> posts X counts for it (last 7 days)
    together: int  # posts matching any term
    steps: list[MeasureStep] = field(default_factory=list)
    search_users: int = 0  # users the whole search bills (the samples' included), from the samples' growth
    sampled_posts: int = 0  # posts and users the search samples billed
    sampled_users: int = 0
    growth: str = ""  # how the samples' users grow with posts
    search_ids: list[str] = field(default_factory=list)  # the users the search samples named
    unseen_search: float = 0.0  # distinct users the whole search adds to the samples'
    follows_sampled: bool = False  # the follows strategy's step ran (only when that strategy is wanted)
    follow_new: int = 0  # follow-list entries new to the day over all the seeds' lists (the samples' included)
    follow_sampled_new: int = 0  # entries the follow samples billed that the search would not have
    follow_sampled_search: int = 0  # entries the follow samples billed that the search would have billed
    follow_source: str = ""

    @property
    def search_posts(self) -> int:
        """Posts the search steps will read: each term up to its page cap, overlaps once."""
        capped = sum(min(count, SEARCH_PAGES * PAGE) for count in self.per_term.values())
        return min(self.together, capped)

    @property
    def entries(self) -> int:
        return sum(self.following.values())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seeds(request: MappingRequest) -> list[str]:
    return [s.strip().lstrip("@") for s in request.seeds if s.strip()]


def measure_steps(request: MappingRequest, prices: Prices) -> list[MeasureStep]:
    """The measuring steps every strategy needs and their own cost, before any runs (a sample's cost at most: a
    crawl the same UTC day reads the sampled posts again free)."""
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
        most = len(terms) * SAMPLE_PAGES * PAGE * (prices.post_read + prices.user_read)
        label = f"read up to {SAMPLE_PAGES} sample pages of posts of each (read again free today)"
        steps.append(MeasureStep(label, len(terms) * SAMPLE_PAGES, most, True))
    return steps


def follow_step(request: MappingRequest, prices: Prices) -> MeasureStep | None:
    """The follows strategy's own measuring step, run only when that strategy is wanted (None without seeds): its
    cost at most, since a follow crawl the same UTC day reads the sampled entries again free."""
    seeds = _seeds(request)
    if not seeds:
        return None
    sampled = min(len(seeds), FOLLOW_SAMPLE_SEEDS)
    label = f"read up to {FOLLOW_SAMPLE} follow-list entries of {sampled} seed(s) (read again free today)"
    return MeasureStep(label, sampled, sampled * FOLLOW_SAMPLE * prices.user_read, True)


def _search_samples(client: XClient, per_term: dict[str, int]) -> tuple[dict[str, sample.UserGrowth], set[str]]:
    """Each counted term's first search page, as the crawl asks for it; their growth and the users they name."""
    growths: dict[str, sample.UserGrowth] = {}
    users: set[str] = set()
    for term, count in per_term.items():
        pages = list(client.search_recent(term, max_pages=SAMPLE_PAGES, max_results=PAGE)) if count > 0 else []
        if not pages:
            continue
        posts, users_read = sum(p.billed.posts_read for p in pages), sum(p.billed.users_read for p in pages)
        growths[term] = sample.measure([p.raw for p in pages], billed_posts=posts, billed_users=users_read)
        for page in pages:
            users.update(str(u["id"]) for u in (page.raw.get("includes") or {}).get("users") or [] if "id" in u)
    return growths, users


def _measuring_meter(engine: Engine, client: XClient, request_id: int, workspace_id: int | None) -> None:
    """Bill the client's calls in the ledger as the request's measuring steps."""
    kind, job = measuring_job(request_id)
    meter = client.meter
    client.meter = x_meter(
        engine, meter.prices, workspace_id=workspace_id, job_kind=kind, job_id=job, clock=meter.clock
    )


def measure(engine: Engine, request_id: int, client: XClient) -> Measured:
    """Run the steps every strategy needs (billed in the ledger as the request's estimate) and keep what they
    found; the follow lists are sampled later, by `measure_follows`, only when the follows strategy is wanted."""
    with Session(engine) as session:
        request = session.get(MappingRequest, request_id)
        if request is None:
            raise MappingInputError(f"no mapping request {request_id}")
        check_inputs(request)
        workspace_id = request.workspace_id
        steps = measure_steps(request, client.meter.prices)
        seeds, terms = _seeds(request), search_terms(request)
    _measuring_meter(engine, client, request_id, workspace_id)
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
    found = Measured(len(following), following, per_term, together, steps)
    growths, search_ids = _search_samples(client, per_term)
    capped = {term: min(count, SEARCH_PAGES * PAGE) for term, count in per_term.items()}
    share = found.search_posts / sum(capped.values()) if sum(capped.values()) else 0.0  # overlaps read once
    whole = [(g, round(capped[term] * share)) for term, g in growths.items()]
    distinct_seen = sum(g.users for g in growths.values())
    distinct_all = sum(g.users_at(n) for g, n in whole)
    return replace(
        found,
        search_users=sum(g.billed_users_at(n) for g, n in whole),
        sampled_posts=sum(g.billed_posts for g in growths.values()),
        sampled_users=sum(g.billed_users for g in growths.values()),
        growth="; ".join(f"{t}: {g.describe()}" for t, g in growths.items()),
        search_ids=sorted(search_ids),
        unseen_search=max(0.0, distinct_all - distinct_seen),
    )


def measure_follows(engine: Engine, request_id: int, client: XClient) -> Measured:
    """The follows strategy's step on a measured request: sample the seeds' follow lists (billed as the request's
    estimate) and estimate the accounts the whole lists add."""
    with Session(engine) as session:
        request = session.get(MappingRequest, request_id)
        measured = load(session, request_id) if request is not None else None
        if request is None or measured is None:
            raise MappingInputError(f"mapping request {request_id} is not measured yet: measure it on X first")
        workspace_id = request.workspace_id
    _measuring_meter(engine, client, request_id, workspace_id)
    follows = follow_samples(client, measured.following, set(measured.search_ids))
    follow_new, sampled_new, sampled_search = follows.split(measured.unseen_search)
    return replace(
        measured,
        follows_sampled=True,
        follow_new=follow_new,
        follow_sampled_new=sampled_new,
        follow_sampled_search=sampled_search,
        follow_source=f"{follows.unknown} new accounts in a sample of {follows.entries} entries",
    )


def _crawl_posts(measured: Measured) -> int:
    """Posts the crawl bills: the search's, less the sample pages' (billed already by the estimate)."""
    return max(0, measured.search_posts - measured.sampled_posts)


def strategies(measured: Measured, prices: Prices, *, paid: float = 0.0) -> list[StrategyEstimate]:
    """Each strategy's calls, dollars, least time and items the crawl bills, from the measured numbers (what the
    samples billed already is left out: the crawl reads it again free the same UTC day); `paid`, what the
    measuring steps billed, is kept beside it so that the whole job is what is shown and promised."""
    search_calls = sum(max(1, math.ceil(min(c, SEARCH_PAGES * PAGE) / PAGE)) for c in measured.per_term.values())
    posts = _crawl_posts(measured)
    users = max(0, measured.search_users - measured.sampled_users - measured.follow_sampled_search)
    inter = StrategyEstimate(
        "interactions",
        search_calls,
        round(posts * prices.post_read + users * prices.user_read, 2),
        minutes_under_limits(search_calls, LIMITS["search"]),
        posts + users,
        paid,
    )
    # unsampled lists: at most every entry billed (the follows strategy's own step measures them)
    entries = (
        max(0, measured.follow_new - measured.follow_sampled_new) if measured.follows_sampled else measured.entries
    )
    following_calls = sum(max(1, math.ceil(n / FOLLOWING_PAGE)) for n in measured.following.values())
    follows = StrategyEstimate(
        "follows",
        search_calls + following_calls,
        round(inter.cost + entries * prices.user_read, 2),
        max(inter.minutes, minutes_under_limits(following_calls, LIMITS["following"])),
        inter.items + entries,
        paid,
        at_most=not measured.follows_sampled,
    )
    return [inter, follows]


def spend_of(estimate: StrategyEstimate, measured: Measured) -> figures.Spend:
    """The items and dollars an approved strategy promised, as stored beside the ledger."""
    posts = _crawl_posts(measured)
    return figures.Spend(posts=posts, users=estimate.items - posts, dollars=estimate.cost, calls=estimate.calls)


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
    known = {f.name for f in fields(Measured)}  # a measurement stored by an older release keeps what still applies
    detail.setdefault("follows_sampled", bool(detail.get("follow_source")))  # older releases sampled them at once
    return Measured(**{k: v for k, v in detail.items() if k in known}, steps=steps)


def measuring_job(request_id: int) -> tuple[str, str]:
    """The ledger's (kind, id) of a request's measuring steps."""
    return "estimate", f"mapping:{request_id}"


def measuring_spend(session: Session, request_id: int) -> figures.Spend:
    """What the request's measuring steps billed so far."""
    kind, job = measuring_job(request_id)
    return figures.actual(session, job_kind=kind, job_id=job)


def promise(session: Session, request: MappingRequest, strategy: str, prices: Prices) -> StrategyEstimate | None:
    """Store the approved strategy's measured estimate beside the ledger (None when it was never measured): the
    whole job's, the measuring steps' bill included, so that it compares with all X billed for the mapping."""
    measured = load(session, require_id(request))
    if measured is None:
        return None
    paid = measuring_spend(session, require_id(request))
    chosen = next(e for e in strategies(measured, prices, paid=paid.dollars) if e.strategy == strategy)
    figures.store_estimate(
        session,
        workspace_id=request.workspace_id,
        job_kind="mapping",
        job_id=require_id(request),
        label=strategy,
        spend=figures.added(spend_of(chosen, measured), paid),
        detail=measured.as_dict(),
    )
    return chosen


def compared(session: Session, request_id: int) -> figures.EstimateVsActual | None:
    """The mapping's estimate against everything X billed for it: its measuring steps and its crawl."""
    return figures.compared(session, job_kind="mapping", job_id=request_id, also=measuring_job(request_id))


@dataclass(frozen=True, slots=True)
class StartFigures:
    """What the Start modal shows: the measuring steps, what they found, each strategy and its budget check."""

    estimates: list[StrategyEstimate]
    steps: list[str]
    measured: str | None
    checks: dict[str, budget.BudgetCheck]
    follow_step: str | None = None  # the follows strategy's own step, while it has not run
    follows_pending: bool = False  # measured, but not the follow lists: the follows figure is at most

    def needs_follow_sample(self, strategy: str) -> bool:
        """Starting `strategy` on these figures would promise an unmeasured upper bound."""
        return strategy == "follows" and self.follows_pending

    def budget_lines(self) -> list[str]:
        return [f"{name.capitalize()}: {check.describe()}" for name, check in self.checks.items()]


def describe(measured: Measured) -> str:
    return (
        f"{measured.entries:,} follow-list entries of {measured.seeds_found} seed(s), "
        + (
            f"about {measured.follow_new:,} new to the day ({measured.follow_source or 'none sampled'}); "
            if measured.follows_sampled
            else "not sampled (the follows strategy's own step); "
        )
        + f"{measured.together:,} posts on the terms in the last 7 days ({measured.search_posts:,} to read) "
        f"{measured.together:,} posts on the terms in the last 7 days ({measured.search_posts:,} to read) "
        f"bringing about {measured.search_users:,} users ({measured.growth or 'nothing to sample'})"
    )


def start_figures(session: Session, request: MappingRequest, prices: Prices, today: date) -> StartFigures:
    """The measured estimates when the request was measured, else the rough guess, with the month's budget."""
    measured = load(session, require_id(request))
    paid = measuring_spend(session, require_id(request)).dollars
    found = strategies(measured, prices, paid=paid) if measured is not None else rough_guess(request, prices)
    workspace_id = request.workspace_id
    checks = {e.strategy: budget.check(session, workspace_id=workspace_id, estimate=e.cost, today=today) for e in found}
    steps = [step.describe() for step in measure_steps(request, prices)]
    follows = follow_step(request, prices)
    sampled = measured is not None and measured.follows_sampled
    pending = follows.describe() if follows is not None and not sampled else None
    shown = describe(measured) if measured else None
    return StartFigures(found, steps, shown, checks, pending, measured is not None and pending is not None)
