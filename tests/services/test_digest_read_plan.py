"""The chat's query finds its tagged posts as a range of post_hashtag's key, on SQLite and PostgreSQL (EXPLAIN)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from assistant.services.digests.read import chat_query
from assistant.services.store.write import upsert_batch
from integrations.normalized import Batch, NormalizedPost
from tests.conftest import query_plan

START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")


def test_tagged_posts_are_a_range_of_the_hashtag_key(db: Engine) -> None:
    posts = [
        NormalizedPost("x", str(i), "7", START + timedelta(minutes=i), f"A{i} #EdChat", hashtags=["EdChat"])
        for i in range(3)
    ]
    query = chat_query(hashtag="#edchat", start=START, end=START + timedelta(hours=1))
    with db.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
        assert len(connection.execute(query).all()) == 3
        if db.dialect.name == "sqlite":
            plan = query_plan(connection, lambda c: c.execute(query))
            ranges = [line for line in plan if "post_hashtag" in line]
            assert ranges and all("INDEX sqlite_autoindex_post_hashtag_1 (tag=? AND created_at>?" in r for r in ranges)
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # three rows: a scan would be cheaper
            text = "\n".join(query_plan(connection, lambda c: c.execute(query)))
            assert "pk_post_hashtag" in text, text
            assert "Seq Scan on post_hashtag" not in text, text
