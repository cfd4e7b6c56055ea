"""The mapping estimate measured before it is promised: the steps' own cost first, then counts, follow sizes and
samples against the fake X with known volumes; a first run's estimate against the ledger's actual, within 10%."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.db import session_scope
from assistant.models.base import require_id
from assistant.models.mapping import MappingRequest
from assistant.samples.network import World, synthetic_world
from assistant.services.costs import figures
from assistant.services.mapping import crawl, members, requests
from assistant.services.mapping import estimate as measuring
from assistant.services.mapping.follow_sample import FollowSample
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import mapping_forms
from assistant.standins.x_graph import FakeClock, FakeXGraph
from integrations.x.client import XClient
from integrations.x.cost import Prices

PRICES = Prices(post_read=0.005, user_read=0.010)
SEEDS, FOLLOWS_EACH, AUTHORS, POSTS_EACH = 4, 250, 100, 3


def _user(number: int, name: str, following: int = 0) -> dict[str, object]:
    return {
        "id": str(5_000_000 + number),
        "username": name,
        "name": name,
        "public_metrics": {"followers_count": 1, "following_count": following, "tweet_count": 1, "listed_count": 0},
    }


def _world() -> World:
    """4 seeds each following 250 accounts of their own; 100 authors posting 3 times each on #fechat and nothing else."""
    world = World()
    number = 0
    for s in range(SEEDS):
        seed = _user(number, f"seed{s}", FOLLOWS_EACH)
        number += 1
        world.users[str(seed["id"])] = seed
        world.seeds.append(str(seed["username"]))
        followed = []
        for f in range(FOLLOWS_EACH):
            user = _user(number, f"f{s}_{f}")
            number += 1
            world.users[str(user["id"])] = user
            followed.append(str(user["id"]))
        world.following[str(seed["id"])] = followed
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    for a in range(AUTHORS):
        author = _user(number, f"author{a}")
        number += 1
        world.users[str(author["id"])] = author
        for p in range(POSTS_EACH):
            world.posts.append(
                {
                    "id": str(7_000_000 + a * POSTS_EACH + p),
                    "author_id": author["id"],
                    "text": f"Skills matter #fechat {a}.{p}",
                    "created_at": (start + timedelta(minutes=a * POSTS_EACH + p)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "entities": {"hashtags": [{"start": 0, "end": 0, "tag": "fechat"}]},
                }
            )
    world.posts.sort(key=lambda post: str(post["created_at"]))
    return world


def _client(fake: FakeXGraph, clock: FakeClock) -> XClient:
    settings = Settings(x_bearer_token="t", database_url="sqlite://")
    return XClient(httpx.Client(transport=fake.transport), settings.x_config(), clock=clock.now, sleep=clock.sleep)


def _request(engine: Engine, world: World) -> int:
    with session_scope(engine) as session:
        tags = ("fechat",) if "seed0" in world.seeds else ("ukfechat",)
        data = requests.RequestInput(title="FE", seeds=(*world.seeds, "nobody_here"), hashtags=tags)
        workspace_id = require_id(ensure_workspace(session, slack_team_id="T1"))
        request = requests.create(session, workspace_id=workspace_id, requester_id="U1", data=data)
        return request.id or 0


def _dense_world() -> World:
    """12 partners among 800 accounts, each following 200 (twice what the sample reads); the first 8 are seeds."""
    world = synthetic_world(11, accounts=800, partners=12, follows_each=200, chat_weeks=6)
    world.seeds = world.seeds[:8]
    return world


def _sparse_world() -> World:
    """The dense world's partners and follows among 2,000 accounts: fewer repeats in the posts and the lists."""
    world = synthetic_world(11, accounts=2000, partners=12, follows_each=200, chat_weeks=6)
    world.seeds = world.seeds[:8]
    return world


WORLDS = {"small": _world, "dense": _dense_world, "sparse": _sparse_world}


def _bill_by_hand(world: World, strategy: str) -> tuple[int, int, float]:
    """(posts, users, dollars) X bills for a measured mapping of `world`, worked out from the world itself: the
    newest 500 posts on the request's hashtag (5 pages) and the users they bring (authors and people mentioned),
    the seeds found, and for the follows strategy the whole follow lists (its own step's samples among them; the
    interactions strategy reads none of them)."""
    tag = "fechat" if "seed0" in world.seeds else "ukfechat"
    tagged = [
        p for p in reversed(world.posts) if tag in {h["tag"].lower() for h in p.get("entities", {}).get("hashtags", [])}
    ]
    posts = tagged[: crawl.SEARCH_PAGES * 100]
    seeds = [str(world.by_username(name)["id"]) for name in world.seeds]  # type: ignore[index]
    users = set(seeds)
    for post in posts:
        users.update(u for u in [post["author_id"], *(m["id"] for m in post.get("entities", {}).get("mentions", []))])
    for seed in seeds if strategy == "follows" else []:
        users.update(world.following[seed])
    users &= set(world.users)
    return len(posts), len(users), round(len(posts) * PRICES.post_read + len(users) * PRICES.user_read, 2)


def _measured(engine: Engine, rid: int, client: XClient, *, follows: bool = False) -> measuring.Measured:
    """Measure the request (and sample its follow lists: the follows strategy's own step) and keep it."""
    measured = measuring.measure(engine, rid, client)
    with session_scope(engine) as session:
        measuring.save(session, session.get(MappingRequest, rid), measured)  # type: ignore[arg-type]
    if not follows:
        return measured
    measured = measuring.measure_follows(engine, rid, client)
    with session_scope(engine) as session:
        measuring.save(session, session.get(MappingRequest, rid), measured)  # type: ignore[arg-type]
    return measured


def _measure_and_crawl(engine: Engine, fake: FakeXGraph, clock: FakeClock, world: World, strategy: str):  # type: ignore[no-untyped-def]
    rid = _request(engine, world)
    measured = _measured(engine, rid, _client(fake, clock), follows=strategy == "follows")  # only when wanted
    with session_scope(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        shown = measuring.start_figures(session, request, PRICES, clock.now().date())
        crawl.approve(session, request, strategy=strategy, by="U2", now=clock.now())
        promised = measuring.promise(session, request, strategy, PRICES)
        assert promised == next(e for e in shown.estimates if e.strategy == strategy)  # promised what was shown
    client = _client(fake, clock)
    client.meter = crawl.request_meter(engine, rid, client.meter)
    while (result := crawl.run_crawl(engine, rid, client, now=clock.now)).status == "waiting":
        assert result.until is not None
        clock.set(result.until)
    with Session(engine) as session:
        against = measuring.compared(session, rid)
        spent = figures.actual(session, job_kind="estimate", job_id=f"mapping:{rid}")
    return rid, measured, promised, against, spent


def test_the_steps_own_costs_are_known_before_any_call(engine: Engine) -> None:
    world = _world()
    fake = FakeXGraph(world)
    rid = _request(engine, world)
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        steps = measuring.measure_steps(request, PRICES)
        follows = measuring.follow_step(request, PRICES)
    assert [s.describe() for s in steps] == [
        "look up 5 seed account(s): 1 call, $0.05",
        "count the posts of 1 hashtag(s) and keyword(s): 1 call, no items billed",
        "read up to 2 sample pages of posts of each (read again free today): 2 calls, up to $3.00",
    ]
    assert follows is not None  # the follows strategy's own step, run only when that strategy is wanted
    assert follows.describe() == (
        "read up to 100 follow-list entries of 5 seed(s) (read again free today): 5 calls, up to $5.00"
    )
    assert fake.calls == []


def test_measured_numbers_are_x_own_and_the_steps_cost_what_they_said(engine: Engine) -> None:
    world, clock = _world(), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid = _request(engine, world)
    measured = measuring.measure(engine, rid, _client(fake, clock))
    assert measured.seeds_found == SEEDS  # nobody_here is not on X
    assert sum(measured.following.values()) == SEEDS * FOLLOWS_EACH
    assert measured.per_term == {"#fechat": AUTHORS * POSTS_EACH}
    assert measured.search_posts == AUTHORS * POSTS_EACH
    with Session(engine) as session:
        spent = figures.actual(session, job_kind="estimate", job_id=f"mapping:{rid}")
    # by hand: 4 seeds (nobody_here is not on X), the newest 200 posts by 67 authors (posts 300..101 newest first:
    # authors 99..33 write 3 each, author 33 two of them); no follow list read
    assert (spent.posts, spent.users) == (200, 4 + 67)
    assert measured.sampled_posts == 200 and measured.sampled_users == 67 and not measured.follows_sampled
    assert sum(s.cost for s in measured.steps) >= spent.dollars  # no step cost more than it said
    assert [c.endpoint for c in fake.calls] == ["GET /2/users/by", "GET /2/tweets/counts/recent", *SEARCH * 2]
    with session_scope(engine) as session:
        measuring.save(session, session.get(MappingRequest, rid), measured)  # type: ignore[arg-type]
    sampled = measuring.measure_follows(engine, rid, _client(fake, clock))
    with Session(engine) as session:
        more = figures.actual(session, job_kind="estimate", job_id=f"mapping:{rid}")
    assert [c.endpoint for c in fake.calls[4:]] == ["GET /2/users/{id}/following"] * SEEDS
    assert (more.posts, more.users) == (200, 4 + 67 + 4 * 100) and sampled.follows_sampled  # 100 entries a seed


SEARCH = ["GET /2/tweets/search/recent"]


def test_the_follows_figure_before_its_own_step_is_an_upper_bound_that_cannot_be_started(engine: Engine) -> None:
    world, clock = _world(), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid = _request(engine, world)
    _measured(engine, rid, _client(fake, clock))
    with session_scope(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        shown = measuring.start_figures(session, request, PRICES, clock.now().date())
    inter, follows = shown.estimates
    # by hand: at most every one of the 4 x 250 entries billed on top of the interactions' crawl
    assert follows.at_most and follows.cost == pytest.approx(inter.cost + 4 * 250 * PRICES.user_read)
    assert shown.needs_follow_sample("follows") and not shown.needs_follow_sample("interactions")
    assert shown.follow_step is not None and "follow-list entries of 5 seed(s)" in shown.follow_step
    assert "up to $" in follows.describe() and "up to" not in inter.describe()


def _off(estimate: float, actual: float) -> float:
    return (estimate - actual) / actual


@pytest.mark.parametrize("strategy", ["interactions", "follows"])
def test_a_first_runs_estimate_is_within_ten_percent_of_what_the_crawl_bills(engine: Engine, strategy: str) -> None:
    world, clock = _world(), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid, measured, promised, against, spent = _measure_and_crawl(engine, fake, clock, world, strategy)
    assert promised is not None and against is not None and against.label == strategy
    bill = against.actual
    # worked by hand: 4 seeds; the search reads 300 posts by 100 authors (the sample 200 posts and 67 of them);
    # the follows strategy's own step reads 100 of each seed's 250 follow-list entries, its crawl the other 4 x 150
    follows = strategy == "follows"
    assert (bill.posts, bill.users) == (300, 4 + 100 + (4 * 250 if follows else 0))
    assert bill.dollars == pytest.approx(12.54 if follows else 2.54)
    assert against.off is not None and abs(against.off) <= 0.10, against.describe()
    crawl_only = _off(against.estimate.dollars - spent.dollars, bill.dollars - spent.dollars)
    assert abs(crawl_only) <= 0.10, crawl_only  # what is left to pay once the steps ran, too
    assert spent.users == SEEDS + 67 + (SEEDS * 100 if follows else 0) and spent.posts == 200


@pytest.mark.parametrize("strategy", ["interactions", "follows"])
def test_in_a_dense_community_a_first_runs_estimate_is_within_ten_percent(engine: Engine, strategy: str) -> None:
    """Partners follow each other and the chat's regulars, and posts mention their follows: many follow-list
    entries and search users were already read that day. Each seed follows 200 of 800 accounts, twice what the
    sample reads of its list: how many accounts the whole lists add is estimated from the samples."""
    world, clock = _dense_world(), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    _, measured, _, against, spent = _measure_and_crawl(engine, fake, clock, world, strategy)
    entries = sum(len(world.following[str(world.by_username(s)["id"])]) for s in world.seeds)  # type: ignore[index]
    sampled = 8 * 100 if strategy == "follows" else 0  # the follows strategy's own step only
    assert measured.entries == entries == 8 * 200 and spent.users < SEEDS * 2 + sampled + 200  # samples, not lists
    assert against is not None and against.off is not None and abs(against.off) <= 0.10, against.describe()


@pytest.mark.parametrize("strategy", ["interactions", "follows"])
@pytest.mark.parametrize("name", list(WORLDS))
def test_the_figure_the_start_modal_shows_is_within_ten_percent_of_the_bill(
    engine: Engine, name: str, strategy: str
) -> None:
    """What the comms member is shown for each strategy, once measured, is the whole job: the measuring steps
    (paid already) and the crawl left; the ledger's bill for the mapping is the one worked out from the world."""
    world, clock = WORLDS[name](), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    rid, _, promised, against, spent = _measure_and_crawl(engine, fake, clock, world, strategy)
    assert promised is not None and against is not None
    posts, users, dollars = _bill_by_hand(world, strategy)
    assert (against.actual.posts, against.actual.users, round(against.actual.dollars, 2)) == (posts, users, dollars)
    assert promised.paid == pytest.approx(spent.dollars) and promised.whole == round(promised.cost + spent.dollars, 2)
    with Session(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        modal = json.dumps(mapping_forms.start_modal(request, [promised], measured="measured"))
    shown = f"${promised.whole:,.2f} for the whole job (${spent.dollars:,.2f} of it paid already for measuring)"
    assert shown in modal
    assert abs(_off(promised.whole, dollars)) <= 0.10, (promised.whole, dollars)


def test_a_crawl_after_the_estimate_does_not_read_the_seeds_again_the_same_day(engine: Engine) -> None:
    world, clock = _world(), FakeClock()
    fake = FakeXGraph(world, clock=clock.now)
    with session_scope(engine) as session:
        data = requests.RequestInput(title="FE", seeds=tuple(world.seeds), hashtags=("fechat",))
        workspace_id = require_id(ensure_workspace(session, slack_team_id="T1"))
        rid = requests.create(session, workspace_id=workspace_id, requester_id="U1", data=data).id or 0
    _measured(engine, rid, _client(fake, clock), follows=True)
    with session_scope(engine) as session:
        request = session.get(MappingRequest, rid)
        assert request is not None
        crawl.approve(session, request, strategy="follows", by="U2", now=clock.now())
    while crawl.run_crawl(engine, rid, _client(fake, clock), now=clock.now).status == "waiting":
        clock.advance(900)
    assert len(fake.calls_to("GET /2/users/by")) == 1  # the estimate's lookup only
    # the estimate's samples, then the crawl's reads (the first 100 entries of each free, read that day)
    assert len(fake.calls_to("GET /2/users/{id}/following")) == 2 * SEEDS
    with Session(engine) as session:
        assert len(members.member_ids(session, rid, "seed")) == SEEDS


def test_the_accounts_the_whole_follow_lists_hold_are_estimated_from_the_samples() -> None:
    # 4 lists of 250 with nothing in common, 100 read of each: 400 accounts seen once each, none twice;
    # f0 = 400 * 399 / (2 * 400 / 399 + 400 * 0.4 / 0.6) = 594 of the 600 entries not read
    disjoint = FollowSample(entries=400, listed=1000, billed=400, unknown=400, once=400, twice=0)
    assert disjoint.unseen() == pytest.approx(159_600 / (2 * 400 / 399 + 400 * 0.4 / 0.6))
    # lists read whole: nothing unseen, whatever the samples repeat
    whole = FollowSample(entries=240, listed=240, billed=150, unknown=150, once=90, twice=40)
    assert whole.unseen() == 0.0
    # 300 seen once, 100 twice of 500 read of 2000: f0 = 300^2 / (2 * 100 * 500 / 499 + 300 * 0.25 / 0.75)
    shared = FollowSample(entries=500, listed=2000, billed=400, unknown=400, once=300, twice=100)
    assert shared.unseen() == pytest.approx(90_000 / (200 * 500 / 499 + 100))
    assert shared.split(0.0)[0] == round(400 + shared.unseen())  # no search users unseen: every account is new
