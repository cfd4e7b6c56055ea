"""Migration 0016: X texts stored escaped (before the unescape-once change) unescaped once; nothing else touched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from assistant import migrate
from assistant.db import create_db_engine

AT = datetime(2026, 11, 5, 20, 0, tzinfo=UTC)
FILLER = {
    "author_id": "9",
    "author_handle": "someone",
    "created_at": AT,
    "kind": "original",
    "hashtags": [],
    "mentions": [],
    "urls": [],
    "likes": 0,
    "reposts": 0,
    "replies": 0,
    "quotes": 0,
    "source": "x",
    "url": "",
}

# (platform, id, text stored at 0015, text after 0016), each truth worked out by hand
ROWS = [
    ("x", "1", "Fish &amp; chips &lt;3 -&gt; yes", "Fish & chips <3 -> yes"),  # as X delivered it
    ("x", "2", "I typed &amp;lt; here", "I typed &lt; here"),  # "&lt;" typed by its author: undone once only
    ("x", "3", "&lt;!channel&gt; &lt;@U1&gt;", "<!channel> <@U1>"),
    ("x", "4", "Tips & tricks <3", "Tips & tricks <3"),  # stored unescaped already (no entity)
    ("x", "5", "AT&amp;T & more", "AT&amp;T & more"),  # a bare & : stored unescaped, the entity was typed
    ("x", "6", "-&gt; <b>", "-&gt; <b>"),  # a bare < : stored unescaped
    ("x", "7", "say &quot;hi&quot; &amp; go", "say &quot;hi&quot; &amp; go"),  # X would have sent &amp;quot;
    ("x", "8", "no entities at all", "no entities at all"),
    ("mastodon", "1", "Fish &amp; chips", "Fish &amp; chips"),  # only X's texts
    ("bluesky", "at://did:plc:a/app.bsky.feed.post/1", "&lt;3", "&lt;3"),
]


def _texts_after_upgrade(url: str) -> dict[tuple[str, str], str]:
    migrate.upgrade(url, "0015")
    engine = create_db_engine(url)
    try:
        post = sa.Table("post", sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                post.insert(),
                [{"platform": platform, "id": pid, "text": text, **FILLER} for platform, pid, text, _ in ROWS],
            )
        migrate.upgrade(url)
        with engine.connect() as connection:
            found = {(p, i): t for p, i, t in connection.execute(sa.select(post.c.platform, post.c.id, post.c.text))}
        migrate.downgrade(url, "0015")  # leaves the texts as published
        with engine.connect() as connection:
            again = {(p, i): t for p, i, t in connection.execute(sa.select(post.c.platform, post.c.id, post.c.text))}
        assert again == found
        return found
    finally:
        engine.dispose()


def _expected() -> dict[tuple[str, str], str]:
    return {(platform, pid): after for platform, pid, _, after in ROWS}


def test_sqlite_x_texts_stored_escaped_are_unescaped_once(sqlite_url: str) -> None:
    assert _texts_after_upgrade(sqlite_url) == _expected()


@pytest.mark.postgres
def test_postgres_x_texts_stored_escaped_are_unescaped_once(postgres_url: str) -> None:
    assert _texts_after_upgrade(postgres_url) == _expected()
