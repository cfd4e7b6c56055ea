"""The shared ledger: an item read twice in a UTC day is billed once, across jobs and processes; each call's row."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.db import create_db_engine
from assistant.models.costs import CostEntry, XBilledItem
from assistant.services.costs.ledger import SharedLedger, x_meter
from integrations.x.client import XClient
from integrations.x.cost import Prices

PRICES = Prices(post_read=0.005, user_read=0.010)
DAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _search_pages(post_ids: list[int], user_of: dict[int, int]) -> httpx.MockTransport:
    """X's recent search over `post_ids`, 100 a page, each post with its author in includes.users."""

    def handle(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("next_token", "p0")[1:])
        chunk = post_ids[offset : offset + 100]
        users = sorted({user_of[p] for p in chunk})
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if offset + 100 < len(post_ids):
            meta["next_token"] = f"p{offset + 100}"
        body = {
            "data": [{"id": str(p), "text": f"post {p}", "author_id": str(user_of[p])} for p in chunk],
            "includes": {"users": [{"id": str(u), "name": f"u{u}", "username": f"u{u}"} for u in users]},
            "meta": meta,
        }
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def _read(engine: Engine, post_ids: list[int], job_id: str, clock: datetime = DAY) -> XClient:
    user_of = {p: p % 37 for p in post_ids}
    settings = Settings(x_bearer_token="t", database_url="sqlite://")
    meter = x_meter(engine, PRICES, workspace_id=None, job_kind="watch", job_id=job_id, clock=lambda: clock)
    client = XClient(httpx.Client(transport=_search_pages(post_ids, user_of)), settings.x_config(), meter=meter)
    for _page in client.search_recent("#ukfechat"):
        pass
    return client


def _ledger_totals(engine: Engine) -> tuple[int, int, float]:
    with Session(engine) as session:
        rows = list(session.exec(select(CostEntry)))
    return sum(r.posts_read for r in rows), sum(r.users_read for r in rows), round(sum(r.dollars for r in rows), 6)


def test_two_jobs_reading_overlapping_posts_are_billed_once_and_every_call_has_its_row(engine: Engine) -> None:
    first = _read(engine, list(range(1000, 1300)), "1")  # 300 posts, authors 1000..1299 % 37: all 37 users
    second = _read(engine, list(range(1200, 1500)), "2")  # overlaps 1200..1299
    assert first.meter.total.posts_read == 300 and first.meter.total.users_read == 37
    assert second.meter.total.posts_read == 200 and second.meter.total.users_read == 0
    assert _ledger_totals(engine) == (500, 37, round(500 * 0.005 + 37 * 0.010, 6))
    with Session(engine) as session:
        rows = list(session.exec(select(CostEntry).order_by(CostEntry.id)))  # type: ignore[arg-type]
    assert [(r.job_id, r.endpoint) for r in rows] == [("1", "GET /2/tweets/search/recent")] * 3 + [
        ("2", "GET /2/tweets/search/recent")
    ] * 3
    assert [r.posts_read for r in rows] == [100, 100, 100, 0, 100, 100]


def test_the_next_utc_day_bills_again_and_old_days_are_pruned(engine: Engine) -> None:
    _read(engine, list(range(100)), "1", DAY - timedelta(days=3))
    again = _read(engine, list(range(100)), "2", DAY)
    assert again.meter.total.posts_read == 100
    with Session(engine) as session:
        days = set(session.exec(select(XBilledItem.day)))
    assert days == {DAY.date()}


def test_a_failed_ledger_write_leaves_the_items_unbilled(engine: Engine) -> None:
    ledger = SharedLedger(engine, workspace_id=None, job_kind="cli")
    assert ledger.mark("post", ["1", "2"], DAY.date()) == ["1", "2"]
    with pytest.raises(AttributeError):
        ledger.record(None)  # type: ignore[arg-type]
    assert SharedLedger(engine, workspace_id=None, job_kind="cli").mark("post", ["1"], DAY.date()) == ["1"]


def test_an_unknown_job_kind_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="job kind must be one of"):
        SharedLedger(engine, workspace_id=None, job_kind="crawl")


def _worker(url: str, start: int, job_id: str, ready: Any, go: Any) -> None:
    engine = create_db_engine(url)
    ready.wait()
    go.wait()
    # interleave: read the overlap both forwards and backwards so the two processes meet in the middle
    ids = list(range(start, start + 2000))
    _read(engine, ids if job_id == "a" else ids[::-1], job_id)
    engine.dispose()


@pytest.mark.postgres
def test_two_worker_processes_on_postgres_bill_each_overlapping_item_once(postgres_url: str, pg_engine: Engine) -> None:
    context = multiprocessing.get_context("spawn")
    ready, go = context.Barrier(3), context.Event()
    workers = [
        context.Process(target=_worker, args=(postgres_url, 0, "a", ready, go)),
        context.Process(target=_worker, args=(postgres_url, 1000, "b", ready, go)),
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    go.set()
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    posts, users, dollars = _ledger_totals(pg_engine)
    assert posts == 3000  # ids 0..2999; 1000..1999 read by both
    assert users == 37
    assert dollars == round(3000 * 0.005 + 37 * 0.010, 6)
    with pg_engine.connect() as connection:
        per_job = dict(
            connection.execute(
                sa.select(CostEntry.job_id, sa.func.sum(CostEntry.posts_read)).group_by(CostEntry.job_id)  # type: ignore[call-overload]
            ).all()
        )
        billed_rows = connection.execute(sa.select(sa.func.count()).select_from(XBilledItem)).scalar_one()
    assert per_job["a"] + per_job["b"] == 3000 and per_job["a"] >= 1000 and per_job["b"] >= 1000
    assert billed_rows == 3000 + 37
