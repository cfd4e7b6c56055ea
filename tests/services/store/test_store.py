"""The bulk upsert: idempotence, newest-metrics and never-blank rules, hashtag queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.services.store.memo import AccountMemo
from assistant.services.store.read import get_accounts, iter_posts, posts_query
from assistant.services.store.write import UpsertResult, upsert_batch
from integrations.normalized import Batch, FollowEdge, Metrics, NormalizedAccount, NormalizedPost

T0 = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")


def make_post(i: int, **overrides: object) -> NormalizedPost:
    fields: dict[str, object] = {
        "platform": "x",
        "id": str(1000 + i),
        "author_id": f"u{i % 7}",
        "author_handle": f"user{i % 7}",
        "created_at": T0 + timedelta(seconds=i),
        "text": f"A{i % 5 + 1} answer {i} #EdChat",
        "lang": "en",
        "hashtags": ["EdChat"],
        "mentions": [],
        "urls": [f"https://example.org/{i}"],
        "metrics": Metrics(likes=i % 3, reposts=1, replies=0, quotes=0),
        "conversation_id": str(1000 + i),
        "source": "twarc2",
        "url": f"https://x.com/user{i % 7}/status/{1000 + i}",
    }
    fields.update(overrides)
    return NormalizedPost(**fields)  # type: ignore[arg-type]


def make_account(i: int, **overrides: object) -> NormalizedAccount:
    fields: dict[str, object] = {
        "platform": "x",
        "id": f"u{i}",
        "handle": f"user{i}",
        "display_name": f"User {i}",
        "bio": "Teacher",
        "followers": 100 + i,
        "following": 50,
        "post_count": 1000,
    }
    fields.update(overrides)
    return NormalizedAccount(**fields)  # type: ignore[arg-type]


def sample_batch(n: int = 40) -> Batch:
    return Batch(
        posts=[make_post(i) for i in range(n)],
        accounts=[make_account(i) for i in range(7)],
        edges=[FollowEdge("x", "u0", f"u{i}") for i in range(1, 7)],
    )


def table_state(engine: Engine) -> tuple[dict[str, int], str]:
    """Row counts of every store table and a checksum over all their rows in key order."""
    digest = hashlib.sha256()
    counts = {}
    with engine.connect() as connection:
        for table, order in (
            ("post", "platform, id"),
            ("post_hashtag", "platform, post_id, tag"),
            ("account", "platform, id"),
            ("follow_edge", "platform, source_id, target_id"),
        ):
            rows = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order}")).all()
            counts[table] = len(rows)
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


def upsert(engine: Engine, batch: Batch, **kwargs: object) -> UpsertResult:
    with engine.begin() as connection:
        return upsert_batch(connection, batch, **kwargs)  # type: ignore[arg-type]


def stored_post(engine: Engine, post_id: str) -> NormalizedPost:
    with engine.connect() as connection:
        (post,) = [p for p in iter_posts(connection) if p.id == post_id]
    return post


def test_upsert_is_idempotent(db: Engine) -> None:
    first = upsert(db, sample_batch())
    assert first == UpsertResult(posts_inserted=40, accounts_inserted=7, edges=6)
    state = table_state(db)
    assert state[0] == {"post": 40, "post_hashtag": 40, "account": 7, "follow_edge": 6}

    second = upsert(db, sample_batch())

    assert second == UpsertResult(posts_updated=40, accounts_updated=7, edges=0)
    assert table_state(db) == state


def test_round_trip_keeps_every_normalized_field(db: Engine) -> None:
    post = make_post(
        1,
        kind="reply",
        reply_to_post_id="999",
        reply_to_user_id="u9",
        conversation_id="999",
        mentions=["someone"],
        hashtags=["EdChat", "UKEdChat"],
        metrics=Metrics(likes=3, reposts=2, replies=1, quotes=4, impressions=120),
        raw={"id": "1001"},
    )
    upsert(db, Batch(posts=[post]), keep_raw=True)
    assert stored_post(db, "1001") == post


def test_raw_is_kept_only_when_asked(db: Engine) -> None:
    upsert(db, Batch(posts=[make_post(1, raw={"id": "1001"})]))
    assert stored_post(db, "1001").raw is None
    upsert(db, Batch(posts=[make_post(1, raw={"id": "1001"})]), keep_raw=True)
    assert stored_post(db, "1001").raw == {"id": "1001"}
    upsert(db, Batch(posts=[make_post(1, raw=None)]), keep_raw=True)
    assert stored_post(db, "1001").raw == {"id": "1001"}


def test_metrics_without_capture_times_only_grow(db: Engine) -> None:
    upsert(db, Batch(posts=[make_post(1, metrics=Metrics(likes=10, reposts=1, replies=5, quotes=0))]))
    upsert(
        db,
        Batch(posts=[make_post(1, metrics=Metrics(likes=4, reposts=3, replies=5, quotes=0, impressions=9))]),
    )
    assert stored_post(db, "1001").metrics == Metrics(likes=10, reposts=3, replies=5, quotes=0, impressions=9)


def test_newer_capture_replaces_metrics_even_when_lower(db: Engine) -> None:
    upsert(db, Batch(posts=[make_post(1, metrics=Metrics(likes=10, impressions=50))]), captured_at=T0)
    later = T0 + timedelta(hours=1)
    upsert(db, Batch(posts=[make_post(1, metrics=Metrics(likes=8, reposts=2))]), captured_at=later)
    post = stored_post(db, "1001")
    # a like was withdrawn: the newer figure wins; impressions unknown in the newer capture are kept
    assert post.metrics == Metrics(likes=8, reposts=2, impressions=50)
    with db.connect() as connection:
        captured = connection.execute(sa.text("SELECT metrics_captured_at FROM post")).scalar_one()
    assert captured is not None


def test_older_capture_never_overwrites_newer_metrics(db: Engine) -> None:
    upsert(db, Batch(posts=[make_post(1, metrics=Metrics(likes=8))]), captured_at=T0 + timedelta(hours=1))
    upsert(db, Batch(posts=[make_post(1, metrics=Metrics(likes=30, reposts=9))]), captured_at=T0)
    assert stored_post(db, "1001").metrics == Metrics(likes=8)


@pytest.mark.parametrize("order", ["newer first", "older first"])
def test_a_post_is_its_newest_capture_whichever_comes_first(db: Engine, order: str) -> None:
    """An archive of last month imported after this week's: the handle renamed since, the url made from it, the
    text and raw payload stay the newer capture's; what only the older one knew fills what the newer lacks."""
    newer = make_post(
        1,
        author_handle="renamed",
        url="https://x.com/renamed/status/1001",
        text="A1 answer (edited on the way)",
        lang=None,
        mentions=[],
        metrics=Metrics(likes=8),
        raw={"capture": "newer"},
    )
    older = make_post(
        1,
        kind="reply",
        reply_to_post_id="999",
        mentions=["amy"],
        metrics=Metrics(likes=3),
        raw={"capture": "older"},
    )
    captures = [(newer, T0 + timedelta(hours=1)), (older, T0)]
    for post, captured_at in captures if order == "newer first" else captures[::-1]:
        upsert(db, Batch(posts=[post]), captured_at=captured_at, keep_raw=True)
    stored = stored_post(db, "1001")
    assert (stored.author_handle, stored.url, stored.text) == (
        "renamed",
        "https://x.com/renamed/status/1001",
        "A1 answer (edited on the way)",
    )
    assert stored.raw == {"capture": "newer"} and stored.metrics == Metrics(likes=8)
    # known only to the older capture
    assert (stored.lang, stored.mentions, stored.kind, stored.reply_to_post_id) == ("en", ["amy"], "reply", "999")


def test_empty_fields_never_blank_known_ones(db: Engine) -> None:
    full = make_post(1, kind="quote", quoted_post_id="77", mentions=["a"])
    upsert(db, Batch(posts=[full]))
    stub = NormalizedPost(platform="x", id="1001", author_id="u1", created_at=full.created_at, text="")
    upsert(db, Batch(posts=[stub]))
    assert stored_post(db, "1001") == full


def test_duplicates_inside_one_batch_are_merged(db: Engine) -> None:
    full = make_post(1, metrics=Metrics(likes=5))
    stub = NormalizedPost(platform="x", id="1001", author_id="u1", created_at=full.created_at, text="")
    result = upsert(db, Batch(posts=[full, stub], accounts=[make_account(1), make_account(1, bio="")]))
    assert result == UpsertResult(posts_inserted=1, accounts_inserted=1)
    assert stored_post(db, "1001") == full


def test_accounts_keep_known_values_and_follow_newer_counts(db: Engine) -> None:
    upsert(db, Batch(accounts=[make_account(1, followers=100)]), captured_at=T0)
    upsert(db, Batch(accounts=[make_account(1, followers=None, bio="", handle="renamed")]))
    upsert(db, Batch(accounts=[make_account(1, followers=90)]), captured_at=T0 - timedelta(days=1))
    with db.connect() as connection:
        (account,) = get_accounts(connection, [("x", "u1")])
    assert (account.handle, account.bio, account.followers) == ("renamed", "Teacher", 100)
    upsert(db, Batch(accounts=[make_account(1, followers=140)]), captured_at=T0 + timedelta(days=1))
    with db.connect() as connection:
        (account,) = get_accounts(connection, [("x", "u1")])
    assert account.followers == 140


def test_hashtag_query_is_case_insensitive_and_bounded_in_time(db: Engine) -> None:
    posts = [make_post(i, hashtags=["EdChat"] if i % 2 else ["other"]) for i in range(20)]
    upsert(db, Batch(posts=posts))
    since, until = T0 + timedelta(seconds=5), T0 + timedelta(seconds=15)
    with db.connect() as connection:
        ids = [row.id for row in connection.execute(posts_query(hashtag="#edchat", since=since, until=until))]
        plan = posts_query(hashtag="edchat").compile(connection)
    assert ids == [str(1000 + i) for i in range(5, 15) if i % 2]
    assert "post_hashtag" in str(plan)


def test_large_batch_stays_under_the_sqlite_variable_limit(engine: Engine) -> None:
    posts = [make_post(i, hashtags=["EdChat", f"t{i % 3}"]) for i in range(2600)]
    accounts = [make_account(i) for i in range(1200)]
    edges = [FollowEdge("x", "u0", f"u{i}") for i in range(1200)]
    result = upsert(engine, Batch(posts=posts, accounts=accounts, edges=edges))
    assert result == UpsertResult(posts_inserted=2600, accounts_inserted=1200, edges=1200)
    counts, _ = table_state(engine)
    assert counts == {"post": 2600, "post_hashtag": 5200, "account": 1200, "follow_edge": 1200}


def test_upsert_accepts_a_session(engine: Engine) -> None:
    from sqlmodel import Session

    with Session(engine) as session:
        result = upsert_batch(session, sample_batch(3))
        session.commit()
    assert result.posts_inserted == 3
    assert table_state(engine)[0]["post"] == 3


def test_memo_skips_accounts_written_unchanged_in_the_same_run(engine: Engine) -> None:
    memo = AccountMemo()
    assert upsert(engine, Batch(accounts=[make_account(1)]), memo=memo).accounts_inserted == 1
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE account SET followers = 0"))
    repeat = upsert(engine, Batch(accounts=[make_account(1)]), memo=memo)
    assert repeat == UpsertResult(accounts_updated=1)
    with engine.connect() as connection:
        assert get_accounts(connection, [("x", "u1")])[0].followers == 0  # not written again
    upsert(engine, Batch(accounts=[make_account(1, followers=150)]), memo=memo)
    with engine.connect() as connection:
        assert get_accounts(connection, [("x", "u1")])[0].followers == 150  # changed, so written
