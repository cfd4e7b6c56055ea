"""Making a digest from the store: host impact from snapshots and stored mentions (or X counts), previous occurrences."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.models import Account, AccountSnapshot
from assistant.services.digests.make import make_digest, replied_handles
from assistant.services.digests.surroundings import host_baseline, mention_counts_from_store, mention_counts_from_x
from assistant.services.store.write import upsert_batch
from integrations.normalized import Batch, NormalizedPost
from integrations.x.client import XClient

DAY = date(2026, 3, 5)
START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _post(pid: str, at: datetime, text: str, **kw: Any) -> NormalizedPost:
    return NormalizedPost(
        platform="x",
        id=pid,
        author_id=kw.pop("author", "7"),
        author_handle=kw.pop("handle", "amy"),
        created_at=at,
        text=text,
        **kw,
    )


def test_host_impact_from_snapshots_and_stored_mentions(engine: Engine) -> None:
    # the story: mentions that day were 10% of three months' worth; +522 followers, three times the daily average
    posts = [_post(f"old{i}", START - timedelta(days=i + 1), "hi @SecEd", mentions=["seced"]) for i in range(90)]
    posts += [
        _post(f"day{i}", START + timedelta(minutes=i), "A1 yes @SecEd #edchat", mentions=["seced"], hashtags=["edchat"])
        for i in range(9)
    ]
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
    with Session(engine) as session:
        session.add(Account(platform="x", id="99", handle="SecEd"))
        followers = 10_000
        for offset in range(29, 0, -1):
            session.add(
                AccountSnapshot(platform="x", account_id="99", day=DAY - timedelta(days=offset), followers=followers)
            )
            followers += 174
        session.add(AccountSnapshot(platform="x", account_id="99", day=DAY, followers=followers))
        session.add(
            AccountSnapshot(platform="x", account_id="99", day=DAY + timedelta(days=1), followers=followers + 522)
        )
        session.commit()
        baseline = host_baseline(session, handle="@SecEd", platform="x", day=DAY)
        assert baseline.mentions_on_day == 9 and sum(baseline.daily_mentions or []) == 90
        host = make_digest(
            session, hashtag="edchat", start=START, end=START + timedelta(hours=1), host_handle="SecEd", save=False
        ).result.figures["host"]
    assert host["mentions_in_chat"] == 9 and host["share_of_baseline_period"] == 0.1
    assert host["mentions_ratio"] == 9.0
    assert host["followers_gained"] == 522 and host["baseline_daily_gain"] == 174.0 and host["followers_ratio"] == 3.0


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    return engine


def test_stored_mentions_are_counted_per_utc_day_in_any_case(db: Engine) -> None:
    late = datetime(2026, 3, 4, 23, 59, 30, tzinfo=UTC)
    posts = [
        _post("1", late, "hi @SecEd", mentions=["SecEd"]),
        _post("2", late + timedelta(minutes=1), "thanks @seced", mentions=["seced"]),
        _post("3", START, "hi @other", mentions=["other"]),
    ]
    with db.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
    with Session(db) as session:
        if db.dialect.name == "postgresql":  # the days are UTC's whatever the session's zone (here 13 h ahead)
            session.connection().exec_driver_sql("SET TIME ZONE 'Pacific/Auckland'")
        counts = mention_counts_from_store(session, handle="SecEd", platform="x", day=DAY)
    assert counts == {date(2026, 3, 4): 1, date(2026, 3, 5): 1}


def test_replied_handles_are_looked_up_only_for_accounts_that_wrote_none_of_the_posts(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Account(platform="x", id="50", handle="Outsider"))
        session.add(Account(platform="x", id="7", handle="amy_stored"))
        session.add(Account(platform="x", id="8", handle="bob_stored"))
        session.add(Account(platform="mastodon", id="7", handle="amy@social.example"))
        session.commit()
        replies = [
            _post("1", START, "A1 hi", author="8", handle="bob", reply_to_user_id="50"),  # wrote nothing here
            _post("2", START, "A1 yes", author="7", handle="amy", reply_to_user_id="8"),  # bob wrote post 1
            _post("3", START, "hello", author="9", handle="cy", reply_to_user_id=""),  # no account named
        ]
        assert replied_handles(session, replies) == {"50": "Outsider"}
        answered = [_post("4", START, "Q1", author="8", handle="bob"), replies[1]]
        assert replied_handles(session, answered) == {}  # every account replied to wrote a post
        # Ids are only unique on their own network: the Mastodon account 7 wrote nothing, the X account 7 did.
        toot = NormalizedPost(
            platform="mastodon", id="m1", author_id="8", created_at=START, text="hi", reply_to_user_id="7"
        )
        assert replied_handles(session, [*answered, toot]) == {"7": "amy@social.example"}


def test_mention_baseline_from_the_x_counts_endpoint() -> None:
    seen: list[httpx.Request] = []

    def counts(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/2/tweets/counts/all"
        buckets = [
            {
                "start": f"{(DAY - timedelta(days=i)).isoformat()}T00:00:00.000Z",
                "end": f"{(DAY - timedelta(days=i - 1)).isoformat()}T00:00:00.000Z",
                "tweet_count": 5 if i else 50,
            }
            for i in range(0, 91)
        ]
        return httpx.Response(200, json={"data": buckets, "meta": {"total_tweet_count": 500}})

    settings = Settings(_env_file=None, x_bearer_token="bearer-SECRET")  # type: ignore[call-arg]
    client = XClient(httpx.Client(transport=httpx.MockTransport(counts)), settings.x_config())
    found = mention_counts_from_x(client, handle="SecEd", day=DAY)
    assert found[DAY] == 50 and found[DAY - timedelta(days=90)] == 5
    assert seen[0].url.params["query"] == "@SecEd" and seen[0].url.params["granularity"] == "day"


def test_previous_occurrences_feed_the_comparison(db: Engine) -> None:
    # On both databases: the digests are saved through the session that streamed the posts (on PostgreSQL a
    # streaming option left on that connection once turned the INSERT into a server-side cursor, and failed).
    engine = db
    weeks = [START - timedelta(weeks=2), START - timedelta(weeks=1), START]
    posts = [
        _post(f"w{w}p{i}", at + timedelta(minutes=i), "A1 yes #edchat", hashtags=["edchat"], author=str(i))
        for w, at in enumerate(weeks)
        for i in range(3 + w)
    ]
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
    with Session(engine) as session:
        for at in weeks[:2]:
            make_digest(session, hashtag="edchat", start=at, end=at + timedelta(hours=1))
        session.commit()
        figures = make_digest(
            session, hashtag="#EdChat", start=START, end=START + timedelta(hours=1), save=False
        ).result.figures
    assert figures["comparison"]["posts"] == {"value": 5.0, "previous": 4.0, "average": 3.5, "occurrences": 2}
    assert figures["volume"]["returning_participants"] == 4 and figures["volume"]["new_participants"] == 1


def _occurrence(week: int, at: datetime, answers: list[tuple[str, str, int, dict[str, Any]]]) -> list[NormalizedPost]:
    """The host's Q1 (at +0) and Q2 (at +10) and the given (author, text, minute, fields) posts, all tagged."""
    questions = [
        _post(f"w{week}q{n}", at + timedelta(minutes=minute), f"Q{n} {text} #edchat", hashtags=["edchat"], **HOST)
        for n, minute, text in ((1, 0, "What works?"), (2, 10, "What next?"))
    ]
    posts = [
        _post(f"w{week}p{i}", at + timedelta(minutes=minute), text, author=author, handle=f"u{author}", **fields)
        for i, (author, text, minute, fields) in enumerate(answers)
    ]
    return questions + posts


HOST = {"author": "100", "handle": "host"}
TAG: dict[str, Any] = {"hashtags": ["edchat"]}
SHARED = {"urls": ["https://www.example.org/a", "https://example.org/b"]}  # 2 links, 1 domain (www. dropped)
BLOG = "https://blog.example.net/x"
REPOST = {"hashtags": ["edchat", "other"], "mentions": ["someone"], "urls": ["https://elsewhere.example/z"]}


def test_every_figure_is_compared_with_the_previous_occurrence(engine: Engine) -> None:
    from assistant.render.digest_html import archive_html
    from assistant.slack.blocks.digests import digest_message

    before = START - timedelta(weeks=1)
    thread = {"kind": "reply", "conversation_id": "w1q1", "reply_to_post_id": "w1q1", "reply_to_user_id": "100"}
    week1 = _occurrence(
        1,
        before,
        [
            ("1", "A1 yes #edchat", 1, TAG),
            ("2", "A1: no #edchat", 2, {"hashtags": ["edchat", "ukedchat"], "urls": ["https://example.org/a"]}),
            ("3", "agreed", 3, thread),  # a thread answer to Q1 without the hashtag
            ("1", "@host A2 maybe #edchat", 11, {**TAG, "mentions": ["host"]}),
        ],
    )
    week2 = _occurrence(
        2,
        START,
        [
            ("1", "A1 yes #edchat", 1, {**SHARED, "hashtags": ["edchat", "ukedchat"]}),
            ("4", "A1 sure #edchat", 1, TAG),  # the busiest minute: 2 posts
            ("5", "a1) ok #edchat", 2, {"hashtags": ["edchat", "EdTech"], "mentions": ["u1"], "urls": [BLOG]}),
            ("4", "@host A2 hmm #edchat", 11, {**TAG, "mentions": ["host"]}),
            ("6", "RT @u1: A1 yes #edchat", 5, {**REPOST, "kind": "repost", "reposted_post_id": "w2p0"}),
            ("7", "Great chat #edchat", 20, TAG),  # open conversation (and so is the repost)
        ],
    )
    with engine.begin() as connection:
        upsert_batch(connection, Batch(posts=week1 + week2))
    with Session(engine) as session:
        first = make_digest(
            session, hashtag="edchat", start=before, end=before + timedelta(hours=1), host_handle="host"
        )
        session.commit()
        assert first.result.figures["comparison"]["posts"]["previous"] is None
        assert first.result.figures["questions"][0]["comparison"]["answers"]["occurrences"] == 0
        made = make_digest(
            session, hashtag="edchat", start=START, end=START + timedelta(hours=1), host_handle="host", save=False
        )
    figures = made.result.figures
    # by hand: week 1 has 6 posts (5 originals, 1 thread reply) from host, 1, 2, 3 (all new); Q1 has 3 answers
    # (one in the thread), Q2 1; every minute holds one post. Week 2 has 8 posts (7 originals, 1 repost) from
    # host, 1, 4, 5, 6, 7; host and 1 used the hashtag before (3 did not); Q1 3 answers, Q2 1; the repost and
    # "Great chat" answer nothing (the repost is no open conversation either); minute +1 holds 2 posts. Top-list sizes (reposts never count): week 1 shares
    # 1 link (1 domain) with 1 other hashtag and mentions @host; week 2 shares example.org/a and /b and
    # blog.example.net/x (2 domains), with #ukedchat and #edtech, mentioning @host and @u1.
    expected = {
        "posts": (8, 6),
        "originals": (7, 5),
        "replies": (0, 1),
        "quotes": (0, 0),
        "reposts": (1, 0),
        "participants": (6, 4),
        "new_participants": (4, 4),
        "returning_participants": (2, 0),
        "via_conversation": (0, 1),
        "posts_per_minute": (0.13, 0.1),
        "peak_minute_posts": (2, 1),
        "answers": (4, 4),
        "thread_replies": (0, 1),
        "moderator_replies": (0, 0),
        "intro_replies": (0, 0),
        "open_conversation": (1, 0),
        "host_mentions_in_chat": (1, 1),
        "host_mentions_on_day": (1, 1),
        "distinct_links": (3, 1),
        "distinct_domains": (2, 1),
        "distinct_co_hashtags": (2, 1),
        "distinct_mentioned": (2, 1),
    }
    compared = figures["comparison"]
    assert set(compared) == set(expected)  # no follower snapshots: no followers figure to compare
    for name, (value, previous) in expected.items():
        assert compared[name] == {"value": value, "previous": previous, "average": previous, "occurrences": 1}, name
    by_question = {q["number"]: q["comparison"] for q in figures["questions"]}
    assert by_question[1]["answers"] == {"value": 3, "previous": 3, "average": 3, "occurrences": 1}
    assert by_question[1]["answerers"] == {"value": 3, "previous": 3, "average": 3, "occurrences": 1}
    assert by_question[1]["thread_replies"] == {"value": 0, "previous": 1, "average": 1, "occurrences": 1}
    assert by_question[2]["answers"]["previous"] == 1 and by_question[2]["answerers"]["value"] == 1

    text = json.dumps(digest_message(figures, digest_id=1), ensure_ascii=False)
    assert "*Posts:* 8 (▲ 2 on last time)" in text
    assert "_vs last time:_ answers the same (3), people the same (3), in the thread ▼ 1 (from 1)" in text
    html = archive_html(made.result)
    assert "Compared with earlier occurrences" in html
    # one earlier chat: its average is last time's figure, so the table shows "last time" only
    assert "<th>this time</th><th>last time</th></tr>" in html and "<th>average" not in html
    assert "<tr><th>originals</th><td>7</td><td>5</td></tr>" in html
    assert "<tr><th>posts per minute</th><td>0.13</td><td>0.1</td></tr>" in html
    assert "<tr><th>thread replies</th><td>0</td><td>1</td></tr>" in html  # Q1's, and the total
