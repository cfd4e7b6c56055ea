"""PostgreSQL's binary COPY stores what binding each row stores, counts past 32 bits are kept, not cut, and a
flush's new tags go in straight even when one of its posts comes twice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.services.ingest.archives import import_files
from assistant.services.ingest.twarc_rows import read_twarc2_rows
from assistant.services.store import statements
from assistant.services.store.rows import RowEncoder, Rows, account_row, post_row
from assistant.services.store.statements import NewKeys, _binary_types, _executemany, _prepared, write_rows
from assistant.services.store.write import upsert_rows
from integrations.normalized import Metrics, NormalizedAccount, NormalizedPost

T0 = datetime(2026, 3, 5, 21, 0, 0, 241_317, tzinfo=UTC)
AUCKLAND = timezone(timedelta(hours=13))
TEXTS = ("plain", 'é 😀 \u2028 "quoted" \\ back\\u0000slash', "tab\tand\nline\r\\N", "", "\\.", "a" * 5000)
COUNTS = (0, 2**31 - 1, 2**31, 3_000_000_000, 2**62)


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    encode = RowEncoder("postgresql")
    posts, accounts = [], []
    for i, text in enumerate(TEXTS):
        post = NormalizedPost(
            platform="x",
            id=str(100 + i),
            author_id=str(i),
            author_handle=text[:20],
            created_at=T0.astimezone(AUCKLAND) if i % 2 else T0 + timedelta(microseconds=i),
            text=text,
            lang=None if i % 2 else "en",
            reply_to_post_id="99" if i % 2 else "",
            hashtags=["EdChat", text] if text else [],
            mentions=[text],
            urls=[f"https://example.org/{text}"],
            metrics=Metrics(
                likes=COUNTS[i % len(COUNTS)], reposts=i, replies=0, quotes=1, impressions=None if i % 2 else 2**40
            ),
            raw={"id": str(100 + i), "text": text, "n": [1, 2.5, None, True, 2**53]},
        )
        posts.append(post_row(post, encode, keep_raw=True, captured_at=T0 if i % 2 else None))
        account = NormalizedAccount(
            platform="x",
            id=str(i),
            handle=f"h{i}",
            bio=text,
            location=text[:30],
            followers=COUNTS[-1 - i % len(COUNTS)],
            following=None,
            verified=bool(i % 2),
            created_at=T0.astimezone(AUCKLAND),
        )
        accounts.append(account_row(account, encode, keep_raw=False, captured_at=None if i % 2 else T0))
    return {"post": posts, "account": accounts}


def _stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every column as the database keeps it, JSON as its stored text (not decoded), first_seen_at left out."""
    with engine.connect() as connection:
        posts = connection.exec_driver_sql(
            "SELECT *, hashtags::text, mentions::text, urls::text, raw::text, created_at::text FROM post ORDER BY id"
        )
        accounts = connection.exec_driver_sql(
            "SELECT platform, id, handle, bio, location, followers, following, verified, created_at, captured_at "
            "FROM account ORDER BY id"
        )
        return {"post": [tuple(row) for row in posts], "account": [tuple(row) for row in accounts]}


def _clear(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM post")
        connection.exec_driver_sql("DELETE FROM account")


@pytest.mark.postgres
@pytest.mark.parametrize("straight", [True, False], ids=["copied-as-new", "staged-and-merged"])
def test_rows_copied_in_binary_are_stored_as_bound_rows_are(pg_engine: Engine, straight: bool) -> None:
    rows = _rows()
    with pg_engine.begin() as connection:
        for table, table_rows in rows.items():
            write_rows(connection, table, True, table_rows, new_keys=NewKeys.expected() if straight else None)
    copied = _stored(pg_engine)
    _clear(pg_engine)
    with pg_engine.begin() as connection:
        for table, table_rows in rows.items():
            _executemany(connection, _prepared(connection, table, True), table_rows)
    bound = _stored(pg_engine)
    assert copied == bound
    assert len(copied["post"]) == len(TEXTS) and len(copied["account"]) == len(TEXTS)
    by_id = {row[1]: row for row in copied["post"]}
    assert by_id["102"][5] == "tab\tand\nline\r\\N" and by_id["104"][5] == "\\."
    assert by_id["101"][4] == T0  # given in Auckland's time, stored as the same instant
    assert {row[16] for row in copied["post"]} >= {2**31, 3_000_000_000, 2**62}


@pytest.mark.postgres
@pytest.mark.parametrize("straight", [True, False], ids=["copied-as-new", "staged-and-merged"])
def test_a_count_past_64_bits_is_refused_not_cut(pg_engine: Engine, straight: bool) -> None:
    row = list(_rows()["post"][0])
    row[16] = 2**64 + 5  # likes: 4- or 8-byte dumping keeping the low bits would store 5
    with pytest.raises(OverflowError), pg_engine.begin() as connection:
        write_rows(connection, "post", True, [tuple(row)], new_keys=NewKeys.expected() if straight else None)
    with pg_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM post").scalar_one() == 0


def _page_with_large_counts(path: Path) -> None:
    post = {
        "id": "1500000000000000001",
        "text": "A1 #EdChat",
        "author_id": "7",
        "created_at": "2026-03-05T21:01:00.000Z",
        "public_metrics": {"like_count": 2**33, "retweet_count": 3_000_000_000, "impression_count": 2**40},
    }
    user = {"id": "7", "username": "ana", "name": "Ana", "public_metrics": {"followers_count": 2**31}}
    page = {"data": [post], "includes": {"users": [user]}, "__twarc": {"retrieved_at": "2026-03-05T22:00:00+00:00"}}
    path.write_bytes(orjson.dumps(page) + b"\n")


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_counts_past_32_bits_are_imported_on_either_database(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db: Engine = request.getfixturevalue("engine" if database == "sqlite" else "pg_engine")
    archive = tmp_path / "large.jsonl"
    _page_with_large_counts(archive)
    tally = import_files(db, [(archive, "twarc2")], parallel=False)
    assert tally.result.posts == 1 and tally.problems == 0
    with db.connect() as connection:
        post = connection.execute(sa.text("SELECT likes, reposts, impressions FROM post")).one()
        followers = connection.execute(sa.text("SELECT followers FROM account")).scalar_one()
    assert tuple(post) == (2**33, 3_000_000_000, 2**40)
    assert followers == 2**31


def test_a_32_bit_integer_column_is_refused_for_binary_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg's 4-byte dumper would store 2**32 + 5 as 5: a store table with such a column must not COPY."""
    counted = sa.Table("counted", sa.MetaData(), sa.Column("id", sa.String()), sa.Column("n", sa.Integer()))
    monkeypatch.setitem(statements.TABLES, "counted", counted)
    with pytest.raises(RuntimeError, match="counted: no binary COPY type for INTEGER"):
        _binary_types("counted")
    assert _binary_types("post")[16:21] == ["int8"] * 5  # likes, reposts, replies, quotes, impressions


def _tagged(post_id: str, tags: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": post_id,
        "text": f"A1 {tags}",
        "author_id": "7",
        "created_at": "2026-03-05T21:01:00.000Z",
        "entities": {"hashtags": [{"tag": tag.lstrip("#")} for tag in tags.split()]},
        **fields,
    }


@pytest.mark.postgres
@pytest.mark.parametrize("met_twice", [False, True], ids=["each-post-once", "a-post-on-two-lines"])
def test_a_flush_of_new_posts_copies_their_tags_straight_in(pg_engine: Engine, met_twice: bool) -> None:
    # Line 2 quotes post 1 of line 1, so its page carries post 1 again in includes.tweets: in one flush the
    # post comes twice, and so do its tags; they must still go in as new keys (no unique violation, which would
    # send post_hashtag to the merge for the rest of the import), each stored once.
    first = {"data": [_tagged("1", "#EdChat #FEchat")], "__twarc": {"retrieved_at": "2026-03-05T22:00:00+00:00"}}
    quoting = {"referenced_tweets": [{"type": "quoted", "id": "1"}]} if met_twice else {}
    second: dict[str, Any] = {
        "data": [_tagged("2", "#EdChat", **quoting)],
        "__twarc": {"retrieved_at": "2026-03-05T22:01:00+00:00"},
    }
    if met_twice:
        second["includes"] = {"tweets": [_tagged("1", "#EdChat #FEchat")]}
    lines = orjson.dumps(first) + b"\n" + orjson.dumps(second) + b"\n"
    rows = Rows()
    for chunk in read_twarc2_rows(io.BytesIO(lines), RowEncoder("postgresql")):
        rows.extend(chunk.rows)
    assert len(rows.posts) == (3 if met_twice else 2)
    new_keys = NewKeys.expected()
    with pg_engine.begin() as connection:
        result = upsert_rows(connection, rows, new_keys=new_keys)
    assert new_keys.tables == {"post", "post_hashtag", "account"}  # every table still takes new keys straight in
    assert result.posts_inserted == 2
    with pg_engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT post_id, tag FROM post_hashtag ORDER BY post_id, tag").all()
    assert [tuple(row) for row in stored] == [("1", "edchat"), ("1", "fechat"), ("2", "edchat")]
