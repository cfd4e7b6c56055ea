"""A day of an X watch against the fake X with a known steady volume: estimated at the day's first poll from X's
count of the last 24 hours (and, on a new watch's first day, its first page as the sample of its users), within
10% of what the day's polls bill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.clients import Clients
from assistant.config import Settings
from assistant.jobs.watches import WatchSources
from assistant.models.watches import Watch
from assistant.samples.network import World
from assistant.services.costs import figures
from assistant.services.team.workspaces import ensure_workspace
from assistant.services.watches.estimate import preview
from assistant.services.watches.manage import create_watch
from assistant.standins.x_graph import FakeClock, FakeXGraph
from tests.jobs.test_watches import FakeSlack

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
AUTHORS, EVERY = 20, timedelta(minutes=15)


def _steady_world(days: int, before: int = 0) -> World:
    """One #fechat post every 15 minutes, day and night, by 20 authors in turn, from `before` days before START."""
    world = World()
    for a in range(AUTHORS):
        uid = str(6_000_000 + a)
        world.users[uid] = {"id": uid, "username": f"lecturer{a}", "name": f"Lecturer {a}"}
    for n in range(-before * 96, days * 96):
        world.posts.append(
            {
                "id": str(8_000_000 + before * 96 + n),
                "author_id": str(6_000_000 + n % AUTHORS),
                "text": f"Week {n} of #fechat",
                "created_at": (START + n * EVERY).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "entities": {"hashtags": [{"start": 0, "end": 0, "tag": "fechat"}]},
            }
        )
    return world


def _watch(engine: Engine, fake: FakeXGraph) -> tuple[WatchSources, int]:
    deps = Clients(
        settings=Settings(_env_file=None, x_bearer_token="bearer"),
        http=lambda: httpx.Client(transport=fake.transport),
        slack=lambda: cast(WebClient, FakeSlack()),
    )
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        watch = create_watch(
            session,
            workspace_id=workspace.id or 0,
            channel_id="C0COMMS001",
            kind="hashtag",
            term="fechat",
            networks=["x"],
            every_minutes=15,
            only=None,
            actor="U0COMMS001",
            now=START,
            cost_budget=5.0,
        )
        watch_id = watch.id or 0
    return WatchSources(deps), watch_id


def test_a_day_of_a_watch_is_within_ten_percent_of_its_estimate(engine: Engine) -> None:
    clock = FakeClock(START)
    fake = FakeXGraph(_steady_world(3), clock=clock.now)
    sources, watch_id = _watch(engine, fake)
    answers: list[dict[str, Any]] = []
    for poll in range(2 * 96):  # day 1 (the team's ratio is measured) and day 2, every 15 minutes
        clock.set(START + poll * EVERY + timedelta(seconds=30))
        answers.append(sources.poll(engine, watch_id, clock.now()))
    assert not any("paused" in a for a in answers)
    day_two = f"{watch_id}:2026-11-21"
    with Session(engine) as session:
        against = figures.compared(session, job_kind="watch", job_id=day_two)
    assert against is not None
    # by hand: day 2 has 96 posts ($0.48) by the same 20 authors ($0.20); day 1's polls measured 20 users a 96 posts
    assert (against.actual.posts, against.actual.users) == (96, 20)
    assert against.estimate.posts == 95  # the last 24 hours end 30 s before the first poll: 00:00 is not in them
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()


def test_a_new_watchs_first_day_is_within_ten_percent_of_its_estimate(engine: Engine) -> None:
    """Two days of posts before the watch: its first poll reads the newest 100 (a backlog, and the sample), then
    the day's 96 new ones."""
    clock = FakeClock(START)
    fake = FakeXGraph(_steady_world(2, before=2), clock=clock.now)
    sources, watch_id = _watch(engine, fake)
    for poll in range(96):
        clock.set(START + poll * EVERY + timedelta(seconds=30))
        sources.poll(engine, watch_id, clock.now())
    with Session(engine) as session:
        against = figures.compared(session, job_kind="watch", job_id=f"{watch_id}:2026-11-20")
    assert against is not None
    # by hand: the first poll (00:00:30) reads the newest 100 posts, 00:00 and the 99 before it; the later polls
    # the 95 from 00:15 to 23:45; all by the same 20 authors
    assert (against.actual.posts, against.actual.users) == (100 + 95, 20)
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()


def test_a_watch_started_at_noon_is_estimated_for_what_is_left_of_the_day(engine: Engine) -> None:
    clock = FakeClock(START)
    fake = FakeXGraph(_steady_world(2, before=2), clock=clock.now)
    sources, watch_id = _watch(engine, fake)
    for poll in range(48, 96):  # 12:00:30 to 23:45:30
        clock.set(START + poll * EVERY + timedelta(seconds=30))
        sources.poll(engine, watch_id, clock.now())
    with Session(engine) as session:
        against = figures.compared(session, job_kind="watch", job_id=f"{watch_id}:2026-11-20")
    assert against is not None
    # by hand: the first poll reads 12:00 and the 99 posts before it, the later ones the 47 from 12:15 to 23:45;
    # the estimate: those 100, and the 95 posts X counts from 12:01 yesterday to 12:00 (12:00 itself is not in
    # it) at the pace of the 11 h 59 min 30 s left of the day
    assert (against.actual.posts, against.actual.users) == (100 + 47, 20)
    assert against.estimate.posts == 100 + round(95 * (11 * 3600 + 59 * 60 + 30) / 86400) == 147
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()


def test_the_cost_told_when_a_watch_starts_is_measured_on_its_first_page(engine: Engine) -> None:
    """Started at 00:00:30 with two days of posts behind it: the start reads the first page the first poll would
    (the poll reads it again free that UTC day) and prices users on it, not at the team's first guess."""
    clock = FakeClock(START + timedelta(seconds=30))
    fake = FakeXGraph(_steady_world(2, before=2), clock=clock.now)
    sources, watch_id = _watch(engine, fake)
    with Session(engine) as session:
        watch = session.get(Watch, watch_id)
        assert watch is not None
        told = preview(
            session,
            Clients(Settings(_env_file=None, x_bearer_token="b")).x(
                httpx.Client(transport=fake.transport), clock=clock.now
            ),
            watch,
            clock.now(),
        )
        session.commit()
    assert told is not None
    for poll in range(96):
        clock.set(START + poll * EVERY + timedelta(seconds=30))
        sources.poll(engine, watch_id, clock.now())
    with Session(engine) as session:
        day_one = figures.compared(session, job_kind="watch", job_id=f"{watch_id}:2026-11-20")
    assert day_one is not None and day_one.estimate == told.today  # the estimate told is the one kept
    # by hand: the start reads the newest 100 posts (00:00 and the 99 before it), the polls the 95 from 00:15 to
    # 23:45 (the first poll's page again, free); all by the same 20 authors: 195 x $0.005 + 20 x $0.01
    assert (day_one.actual.posts, day_one.actual.users) == (100 + 95, 20)
    assert day_one.actual.dollars == pytest.approx(195 * 0.005 + 20 * 0.010)
    assert abs(told.today.dollars - day_one.actual.dollars) / day_one.actual.dollars <= 0.10, told.today
    # a later day at the pace: 96 posts by the same 20 authors ($0.68)
    assert abs(told.day.dollars - 0.68) / 0.68 <= 0.10, told.day
