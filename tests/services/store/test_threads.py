"""Replies stored without their conversation's root get their stored parent's, level by level (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.services.store.rows import post_table
from assistant.services.store.threads import fill_conversation_roots
from assistant.services.store.write import upsert_batch
from integrations.normalized import Batch, NormalizedPost
from tests.conftest import query_plan

AT = datetime(2026, 3, 12, 21, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")


def _post(
    pid: str, *, reply_to: str | None = None, conversation: str | None = None, platform: str = "x"
) -> NormalizedPost:
    kind = "reply" if reply_to else "original"
    return NormalizedPost(
        platform, pid, "u1", AT, f"post {pid}", kind=kind, reply_to_post_id=reply_to, conversation_id=conversation
    )


def test_replies_get_their_stored_parents_root(db: Engine) -> None:
    posts = [
        _post("1", conversation="1"),  # a root
        _post("2", reply_to="1"),  # its reply, then a reply to that, and one more level (stored before its parent)
        _post("4", reply_to="3"),
        _post("3", reply_to="2"),
        _post("5", reply_to="99"),  # its parent is not stored: no root to give
        _post("6", reply_to="7", conversation="7"),  # has one already: kept
        _post("8", reply_to="1", platform="mastodon"),  # "1" on X is another network's post
    ]
    with db.begin() as connection:
        upsert_batch(connection, Batch(posts=posts))
        assert fill_conversation_roots(connection) == 3  # 2, then 3, then 4
        rows = connection.execute(sa.select(post_table.c.platform, post_table.c.id, post_table.c.conversation_id))
        roots = {(platform, pid): root for platform, pid, root in rows}
        assert fill_conversation_roots(connection) == 0
    assert roots == {
        ("x", "1"): "1",
        ("x", "2"): "1",
        ("x", "3"): "1",
        ("x", "4"): "1",
        ("x", "5"): None,
        ("x", "6"): "7",
        ("mastodon", "8"): None,
    }


def test_the_search_for_replies_without_a_root_reads_its_partial_index(db: Engine) -> None:
    """The fill runs after every import: its search goes through ix_post_reply_without_root, which holds only
    such replies, not through the whole post table."""
    with db.begin() as connection:
        upsert_batch(connection, Batch(posts=[_post("1", conversation="1"), _post("2", reply_to="1")]))
        if db.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # two rows: a scan would be cheaper
        plan = " ".join(query_plan(connection, fill_conversation_roots))
    assert "ix_post_reply_without_root" in plan, plan
