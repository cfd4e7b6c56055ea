"""The store's ids and tags compare byte for byte on PostgreSQL, as on SQLite, whatever the database's collation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from assistant import migrate
from assistant.db import create_db_engine

IDS = ["b", "B", "_x", "a10", "a9", "é", "Z", "1500000000000000001", "999"]
TAGS = ["edchat", "édchat", "ed_chat", "ed-chat", "edchat2"]


@pytest.fixture
def english_pg_engine(postgres_server: str) -> Iterator[Engine]:
    """A PostgreSQL database whose own collation is English (ICU en-US), as a hosted one's often is."""
    name = f"outreach_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        )
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _orders(db: Engine) -> tuple[list[str], list[str], list[str]]:
    """Account ids in key order, a tag's rows in index order, and the accounts with ids below "a"."""
    with db.begin() as connection:
        for account_id in IDS:
            connection.execute(
                sa.text(
                    "INSERT INTO account (platform, id, handle, display_name, bio, location, url, verified, "
                    "first_seen_at) VALUES ('x', :id, 'h', '', '', '', '', false, CURRENT_TIMESTAMP)"
                ),
                {"id": account_id},
            )
        for tag in TAGS:
            connection.execute(
                sa.text(
                    "INSERT INTO post_hashtag (platform, post_id, tag, created_at) "
                    "VALUES ('x', '1', :tag, CURRENT_TIMESTAMP)"
                ),
                {"tag": tag},
            )
    with db.connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM account ORDER BY platform, id")).scalars().all()
        tags = connection.execute(sa.text("SELECT tag FROM post_hashtag ORDER BY tag")).scalars().all()
        below = connection.execute(sa.text("SELECT id FROM account WHERE id < 'a' ORDER BY id")).scalars().all()
    return list(ids), list(tags), list(below)


@pytest.mark.postgres
def test_ids_and_tags_sort_and_compare_byte_for_byte_as_on_sqlite(engine: Engine, english_pg_engine: Engine) -> None:
    on_sqlite, on_postgres = _orders(engine), _orders(english_pg_engine)
    assert on_postgres == on_sqlite
    ids, tags, below = on_postgres
    assert ids == sorted(IDS, key=str.encode) and tags == sorted(TAGS, key=str.encode)
    assert below == ["1500000000000000001", "999", "B", "Z", "_x"]
    with english_pg_engine.connect() as connection:  # the database's own collation orders them otherwise
        english = connection.execute(sa.text('SELECT id FROM account ORDER BY id COLLATE "default"')).scalars().all()
    assert list(english) != ids
