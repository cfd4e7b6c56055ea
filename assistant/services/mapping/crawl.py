"""The mapping crawl: estimate per strategy, plan steps, call X page by page with a checkpoint after each page.

A step is one call sequence (a batch of seed lookups, one seed's following list, one search, a batch of
profiles). After every page the store, the mapping's members, the step's next_token and the request's
spend are committed together, so a killed crawl resumes at the next unfinished page. A spent rate-limit
window is not waited out here: the request gets `next_run_at` and the worker comes back then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import session_scope
from assistant.models.base import require_id, utcnow
from assistant.models.mapping import CrawlState, CrawlStep, MappingRequest
from assistant.models.posts import Account
from assistant.services.costs.ledger import x_meter
from assistant.services.mapping.members import add_members, member_ids, record_members
from assistant.services.store.write import upsert_batch
from integrations.errors import AuthError, IntegrationError, NotFound, RateLimited
from integrations.normalized import FollowEdge
from integrations.x.client import XClient
from integrations.x.cost import CostMeter, Prices, estimate_follow_crawl, estimate_search, estimate_user_lookup

STRATEGIES = ("interactions", "follows")
SEARCH_PAGES = 5  # pages of 100 posts per hashtag or keyword
FOLLOWS_EACH = 2000  # what a partner organisation typically follows, for the estimate
PROFILES_GUESS = 300
WINDOW_MINUTES = 15
LIMITS = {"lookup": 300, "following": 15, "search": 450}  # calls per 15 minutes (X app auth)

Progress = Callable[[int, int, int, float], None]  # steps done, steps planned, calls, dollars


class MappingInputError(ValueError):
    """The request cannot be mapped as it stands; the message says what to add or change."""


@dataclass(frozen=True, slots=True)
class StrategyEstimate:
    strategy: str
    calls: int
    cost: float
    minutes: int  # the least time the rate limits allow
    items: int
    paid: float = 0.0  # what the measuring steps billed already for the job (not in `cost`, the crawl's)
    at_most: bool = False  # an upper bound: not measured (the follows strategy before its follow lists are sampled)

    @property
    def whole(self) -> float:
        """The whole job's dollars, as X bills them for it: the measuring steps paid and the crawl."""
        return round(self.cost + self.paid, 2)

    def describe(self) -> str:
        price = f"{'up to ' if self.at_most else ''}${self.cost:,.2f}"
        if self.paid:
            price = f"{'up to ' if self.at_most else ''}${self.whole:,.2f} for the whole job"
            price += f" (${self.paid:,.2f} of it paid already for measuring)"
        return f"{self.strategy}: about {self.calls} calls, {price}, at least {self.minutes} min under the rate limits"


@dataclass(frozen=True, slots=True)
class CrawlResult:
    status: str  # done, waiting, stopped, failed
    until: datetime | None = None
    message: str = ""


def check_inputs(request: MappingRequest) -> None:
    if not request.seeds and not request.hashtags and not request.keywords:
        raise MappingInputError(
            "A mapping needs something to start from: add seed accounts (partner organisations) or hashtags."
        )


def minutes_under_limits(calls: int, per_window: int) -> int:
    """The least time `calls` take when `per_window` calls are allowed each 15-minute window."""
    windows = math.ceil(calls / per_window) if calls else 0
    return max(0, windows - 1) * WINDOW_MINUTES


def estimate(request: MappingRequest, prices: Prices) -> list[StrategyEstimate]:
    """What each strategy would cost before any call: API calls, least time under the limits, dollars."""
    check_inputs(request)
    seeds = len(request.seeds)
    terms = len(request.hashtags) + len(request.keywords)
    lookup = estimate_user_lookup(seeds, prices)
    search = estimate_search(terms * SEARCH_PAGES * 100, prices)
    profiles = estimate_user_lookup(PROFILES_GUESS, prices)
    inter_calls = lookup.calls + search.calls + profiles.calls
    inter = StrategyEstimate(
        "interactions",
        inter_calls,
        lookup.cost + search.cost + profiles.cost,
        max(
            minutes_under_limits(search.calls, LIMITS["search"]),
            minutes_under_limits(lookup.calls + profiles.calls, LIMITS["lookup"]),
        ),
        seeds + terms * SEARCH_PAGES * 100 + PROFILES_GUESS,
    )
    follow = estimate_follow_crawl(seeds, FOLLOWS_EACH, prices)
    follow_pages = follow.calls - lookup.calls
    follows = StrategyEstimate(
        "follows",
        follow.calls + search.calls + profiles.calls,
        follow.cost + search.cost + profiles.cost,
        max(minutes_under_limits(follow_pages, LIMITS["following"]), inter.minutes),
        follow.billed.users_read + terms * SEARCH_PAGES * 100,
    )
    return [inter, follows]


def request_meter(engine: Engine, request_id: int, meter: CostMeter) -> CostMeter:
    """A meter like `meter` (prices, clock) that bills the request's crawl in the shared ledger."""
    with Session(engine) as session:
        request = session.get(MappingRequest, request_id)
        workspace_id = request.workspace_id if request else None
    return x_meter(
        engine, meter.prices, workspace_id=workspace_id, job_kind="mapping", job_id=request_id, clock=meter.clock
    )


def search_terms(request: MappingRequest) -> list[str]:
    """The hashtags (with #) and keywords the crawl searches, one search step each."""
    return [f"#{h.lstrip('#')}" for h in request.hashtags] + list(request.keywords)


def approve(session: Session, request: MappingRequest, *, strategy: str, by: str, now: datetime) -> None:
    """Record the chosen strategy and plan the first steps; the worker starts at once."""
    if strategy not in STRATEGIES:
        raise MappingInputError(f"strategy must be one of {', '.join(STRATEGIES)}")
    check_inputs(request)
    request.strategy = strategy
    request.approved_by = by
    request.crawl_state = CrawlState.running
    request.next_run_at = now
    request.updated_at = now
    session.add(request)
    if not session.exec(select(CrawlStep).where(CrawlStep.request_id == request.id)).first():
        _plan_initial(session, request)


def _plan_initial(session: Session, request: MappingRequest) -> None:
    assert request.id is not None
    position = 0
    seeds = [s.strip().lstrip("@") for s in request.seeds if s.strip()]
    for start in range(0, len(seeds), 100):
        session.add(
            CrawlStep(
                request_id=request.id, position=position, kind="seeds", target=",".join(seeds[start : start + 100])
            )
        )
        position += 1
    for term in search_terms(request):
        session.add(CrawlStep(request_id=request.id, position=position, kind="search", target=term))
        position += 1


def _steps(session: Session, request_id: int) -> list[CrawlStep]:
    return list(session.exec(select(CrawlStep).where(CrawlStep.request_id == request_id).order_by(CrawlStep.position)))  # type: ignore[arg-type]


def _next_page_cost(session: Session, step: CrawlStep, prices: Prices) -> float:
    """The most the step's next page can cost (a following page: what is left of the seed's list, at most 1000)."""
    if step.kind == "following":
        account = session.get(Account, ("x", step.target))
        left = 1000 if account is None or account.following is None else account.following - step.pages_done * 1000
        return max(1, min(1000, left)) * prices.user_read
    if step.kind == "search":
        return 100 * (prices.post_read + prices.user_read)
    return len(step.target.split(",")) * prices.user_read


def run_crawl(
    engine: Engine,
    request_id: int,
    client: XClient,
    *,
    now: Callable[[], datetime] = utcnow,
    progress: Progress | None = None,
    max_calls: int | None = None,
) -> CrawlResult:
    """Run the request's crawl until done, a budget, a spent rate-limit window, or `max_calls` calls this time."""
    prices = client.meter.prices
    calls_now = 0
    while True:
        with session_scope(engine) as session:
            request = session.get(MappingRequest, request_id)
            if request is None:
                raise MappingInputError(f"no mapping request {request_id}")
            if request.crawl_state != CrawlState.running:
                return CrawlResult(
                    "done" if request.crawl_state in (CrawlState.analysing, CrawlState.done) else request.crawl_state
                )
            steps = _steps(session, request_id)
            pending = [s for s in steps if not s.done]
            if not pending:
                if _plan_more(session, request, steps):
                    continue
                request.crawl_state = CrawlState.analysing
                request.next_run_at = now()
                session.add(request)
                return CrawlResult("done")
            step = pending[0]
            held = _seeds_held_today(session, step, now()) if step.kind == "seeds" else None
            if held is not None:  # the estimate read these accounts today: reading them again would add nothing
                for kind in ("seed", "profiled", "account"):
                    add_members(session, request_id, kind, held)
                step.done, step.updated_at = True, utcnow()
                session.add(step)
                continue
            if progress is not None:
                progress(len(steps) - len(pending), len(steps), request.calls_made, request.money_spent)
            stop = _budget_stop(session, request, step, prices, len(steps) - len(pending), len(steps))
            if stop is not None:
                return stop
            if max_calls is not None and calls_now >= max_calls:
                return CrawlResult("paused")
            step_id, step_kind, step_target = step.id, step.kind, step.target
        try:
            page_done = _one_page(engine, request_id, step_id, client)
        except RateLimited as exc:
            with session_scope(engine) as session:
                request = session.get(MappingRequest, request_id)
                assert request is not None
                request.next_run_at = exc.reset_at
                request.run_number += 1
                session.add(request)
            return CrawlResult("waiting", until=exc.reset_at, message=str(exc))
        except AuthError as exc:
            return _fail(engine, request_id, str(exc))
        except NotFound as exc:
            _skip(engine, request_id, step_id, f"Skipped a {step_kind} step ({step_target[:60]}): {exc}")
        except IntegrationError as exc:
            return _fail(engine, request_id, f"X failed: {exc}")
        calls_now += page_done


def _seeds_held_today(session: Session, step: CrawlStep, now: datetime) -> list[str] | None:
    """The ids of a seeds step's accounts when every one of them was read from X today, else None."""
    names = {name.lower() for name in step.target.split(",") if name}
    rows = session.exec(select(Account).where(Account.platform == "x", sa.func.lower(Account.handle).in_(names)))
    today = now.astimezone(UTC).date()
    fresh = {a.handle.lower(): a.id for a in rows if a.captured_at and a.captured_at.astimezone(UTC).date() == today}
    return list(fresh.values()) if names and names <= set(fresh) else None


def _skip(engine: Engine, request_id: int, step_id: int | None, message: str) -> None:
    with session_scope(engine) as session:
        step = session.get(CrawlStep, step_id)
        request = session.get(MappingRequest, request_id)
        assert step is not None and request is not None
        step.done = True
        step.calls += 1
        request.calls_made += 1
        request.problems = [*request.problems, message]


def _fail(engine: Engine, request_id: int, message: str) -> CrawlResult:
    with session_scope(engine) as session:
        request = session.get(MappingRequest, request_id)
        assert request is not None
        request.crawl_state = CrawlState.failed
        request.problems = [*request.problems, message]
        session.add(request)
    return CrawlResult("failed", message=message)


def _budget_stop(
    session: Session, request: MappingRequest, step: CrawlStep, prices: Prices, done: int, planned: int
) -> CrawlResult | None:
    reason = None
    if request.calls_made + 1 > request.budget_calls:
        reason = f"the call budget ({request.budget_calls} calls)"
    elif request.money_spent + _next_page_cost(session, step, prices) > request.budget_money + 1e-9:
        reason = f"the money budget (${request.budget_money:,.2f})"
    elif (
        step.kind in ("following", "profiles")
        and len(member_ids(session, require_id(request), "account")) >= request.budget_accounts
    ):
        reason = f"the account budget ({request.budget_accounts} accounts)"
    if reason is None:
        return None
    message = (
        f"Stopped at {reason}: {done} of {planned} crawl steps done, {request.calls_made} calls, "
        f"${request.money_spent:,.2f} spent. What was covered is mapped."
    )
    request.crawl_state = CrawlState.analysing
    request.problems = [*request.problems, message]
    request.next_run_at = utcnow()
    session.add(request)
    return CrawlResult("stopped", message=message)


def _plan_more(session: Session, request: MappingRequest, steps: list[CrawlStep]) -> bool:
    """After seeds and searches: follow lists (follows strategy), then profiles of accounts found unprofiled."""
    assert request.id is not None
    kinds = {s.kind for s in steps}
    position = max((s.position for s in steps), default=-1) + 1
    if request.strategy == "follows" and "following" not in kinds:
        seeds = sorted(member_ids(session, request.id, "seed"))
        for seed in seeds:
            session.add(CrawlStep(request_id=request.id, position=position, kind="following", target=seed))
            position += 1
        if seeds:
            return True
    if "profiles" not in kinds:
        found = member_ids(session, request.id, "account")
        profiled = member_ids(session, request.id, "profiled")
        missing = sorted(found - profiled)[: max(0, request.budget_accounts)]
        for start in range(0, len(missing), 100):
            session.add(
                CrawlStep(
                    request_id=request.id,
                    position=position,
                    kind="profiles",
                    target=",".join(missing[start : start + 100]),
                )
            )
            position += 1
        return bool(missing)
    return False


def _one_page(engine: Engine, request_id: int, step_id: int | None, client: XClient) -> int:
    """Make the step's next call and commit its page with the checkpoint; returns the calls made (1)."""
    with session_scope(engine) as session:
        step = session.get(CrawlStep, step_id)
        assert step is not None
        kind, target, token = step.kind, step.target, step.next_token
    if kind == "seeds":
        page = client.send(client.users_by_usernames_requests(target.split(","))[0])
    elif kind == "profiles":
        page = client.send(client.users_by_ids_requests(target.split(","))[0])
    elif kind == "following":
        call = client.follows_request(target, "following", max_results=1000)
        page = client.send(call.with_page(token) if token else call)
    else:
        call = client.search_request(target, max_results=100)
        page = client.send(call.with_page(token) if token else call)
    batch = page.batch()
    if kind == "following":
        batch.edges.extend(FollowEdge("x", target, account.id) for account in batch.accounts)
    with session_scope(engine) as session:
        step = session.get(CrawlStep, step_id)
        request = session.get(MappingRequest, request_id)
        assert step is not None and request is not None
        upsert_batch(session, batch, captured_at=utcnow())
        record_members(session, request_id, kind, batch)
        if kind == "seeds":
            problems = _seed_problems(page.errors)
            if problems:
                request.problems = [*request.problems, *problems]
        step.calls += 1
        step.pages_done += 1
        step.next_token = page.next_token if kind in ("following", "search") else None
        if step.next_token is None or (kind == "search" and step.pages_done >= SEARCH_PAGES):
            step.done = True
        step.updated_at = utcnow()
        request.calls_made += 1
        request.money_spent = round(request.money_spent + page.billed.cost(client.meter.prices), 6)
        request.updated_at = utcnow()
        session.add(step)
        session.add(request)
    return 1


def _seed_problems(errors: list[dict[str, object]]) -> list[str]:
    unknown: list[str] = []
    suspended: list[str] = []
    for error in errors:
        name = str(error.get("value") or error.get("resource_id") or "?")
        detail = str(error.get("detail", ""))
        (suspended if "suspend" in detail.lower() else unknown).append(f"@{name}")
    problems = []
    if unknown:
        problems.append(f"Not found on X (check the spelling): {', '.join(unknown)}; the other seeds were mapped.")
    if suspended:
        problems.append(f"Suspended on X: {', '.join(suspended)}; the other seeds were mapped.")
    return problems


def waiting_minutes(result: CrawlResult, now: datetime) -> float:
    if result.until is None:
        return 0.0
    return max(0.0, (result.until - now) / timedelta(minutes=1))
