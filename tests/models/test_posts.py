"""The normalized store's tables: keys, indexes, aware times, and migration 0002 up and down on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from assistant import migrate
from assistant.db import create_db_engine
from assistant.models import Account, FollowEdge, Post, PostHashtag
from tests.conftest import expression_indexes_unreflected, index_definition

STORE_TABLES = {"post", "post_hashtag", "account", "follow_edge"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")


def test_keys_and_indexes(db: Engine) -> None:
    inspector = sa.inspect(db)
    assert STORE_TABLES <= set(inspector.get_table_names())
    assert inspector.get_pk_constraint("post")["constrained_columns"] == ["platform", "id"]
    assert inspector.get_pk_constraint("account")["constrained_columns"] == ["platform", "id"]
    assert inspector.get_pk_constraint("follow_edge")["constrained_columns"] == ["platform", "source_id", "target_id"]
    indexed = {tuple(index["column_names"]) for index in inspector.get_indexes("post")}
    assert ("created_at",) in indexed
    assert ("conversation_id",) not in indexed  # looked up by no query (migration 0021)
    without_root = index_definition(db, "ix_post_reply_without_root") or ""
    assert "reply_to_post_id" in without_root and "conversation_id IS NULL" in without_root  # partial
    # a tag's posts in a time range: a range of the key, and the table's only index (migration 0022)
    key = inspector.get_pk_constraint("post_hashtag")["constrained_columns"]
    assert key == ["tag", "created_at", "platform", "post_id"]
    assert inspector.get_indexes("post_hashtag") == []
    folded = index_definition(db, "ix_account_platform_handle") or ""
    assert "platform" in folded and "lower(" in folded.lower() and "handle" in folded  # any-case handle lookups


def test_schema_matches_the_models(db: Engine) -> None:
    with db.connect() as connection, expression_indexes_unreflected():
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, SQLModel.metadata) if _touches_store(d)]
    assert diff == []


def _touches_store(diff: object) -> bool:
    text = repr(diff)
    return any(f"'{name}'" in text for name in STORE_TABLES)


def test_rows_round_trip_with_aware_utc_times(db: Engine) -> None:
    when = datetime(2026, 3, 5, 21, 5, tzinfo=UTC)
    with Session(db) as session:
        session.add(Post(platform="x", id="1", author_id="u1", created_at=when, text="Q1 #edchat", hashtags=["edchat"]))
        session.add(Account(platform="x", id="u1", handle="host", followers=10))
        session.add(FollowEdge(platform="x", source_id="u2", target_id="u1"))
        session.commit()
        session.add(PostHashtag(platform="x", post_id="1", tag="edchat", created_at=when))
        session.commit()
        post = session.exec(select(Post)).one()
        assert post.created_at == when and post.created_at.tzinfo is not None
        assert post.hashtags == ["edchat"] and post.raw is None
        assert session.exec(select(Account)).one().first_seen_at.tzinfo is not None


def test_duplicate_follow_edge_is_refused(db: Engine) -> None:
    with Session(db) as session:
        session.add(FollowEdge(platform="x", source_id="a", target_id="b"))
        session.commit()
    with pytest.raises(sa.exc.IntegrityError), Session(db) as session:
        session.add(FollowEdge(platform="x", source_id="a", target_id="b"))
        session.commit()


def test_migration_downgrades_cleanly_and_upgrades_again(sqlite_url: str) -> None:
    _down_and_up(sqlite_url)


@pytest.mark.postgres
def test_migration_downgrades_cleanly_and_upgrades_again_on_postgres(postgres_url: str) -> None:
    _down_and_up(postgres_url)


def _down_and_up(url: str) -> None:
    migrate.upgrade(url)
    migrate.downgrade(url, "0001")
    engine = create_db_engine(url)
    try:
        assert migrate.current_revision(engine) == "0001"
        assert not STORE_TABLES & set(sa.inspect(engine).get_table_names())
        migrate.upgrade(url, "0002")
        assert STORE_TABLES <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_hashtag_key_downgrade_keeps_a_posts_latest_row(database: str, request: pytest.FixtureRequest) -> None:
    """Under the key of migration 0022 a post's tag may be stored at two times (its created_at changed between
    imports); going back to the key without the time keeps the latest of them, and the range index returns."""
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "postgres_url")
    migrate.upgrade(url)
    engine = create_db_engine(url)
    early, late = datetime(2026, 3, 5, 21, 0, tzinfo=UTC), datetime(2026, 3, 5, 21, 0, 1, tzinfo=UTC)
    try:
        with Session(engine) as session:
            session.add(PostHashtag(platform="x", post_id="1", tag="edchat", created_at=early))
            session.add(PostHashtag(platform="x", post_id="1", tag="edchat", created_at=late))
            session.add(PostHashtag(platform="x", post_id="2", tag="edchat", created_at=early))
            session.commit()
        migrate.downgrade(url, "0021")
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("post_hashtag")["constrained_columns"] == ["platform", "post_id", "tag"]
        assert [index["column_names"] for index in inspector.get_indexes("post_hashtag")] == [["tag", "created_at"]]
        with Session(engine) as session:
            rows = session.exec(select(PostHashtag.post_id, PostHashtag.created_at)).all()
        assert sorted((post_id, when.astimezone(UTC)) for post_id, when in rows) == [("1", late), ("2", early)]
        migrate.upgrade(url)
        assert sa.inspect(engine).get_pk_constraint("post_hashtag")["constrained_columns"][:2] == ["tag", "created_at"]
    finally:
        engine.dispose()
