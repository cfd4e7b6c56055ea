"""Pages decoded as structs give exactly the rows of the same pages decoded as dicts; odd lines go the general way."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from assistant.services.ingest.struct_rows import struct_page_rows
from assistant.services.ingest.twarc_rows import PageRows, read_twarc2_rows
from assistant.services.store.memo import AccountWindow
from assistant.services.store.rows import RowEncoder
from integrations.x.structs import DECODE_ERRORS, decode_page
from tests.conftest import shared_path
from tests.services.ingest.test_twarc_rows import ARCHIVES, renamed, without_first_seen

STAMP = {"retrieved_at": "2026-03-05T22:00:00+00:00"}


def rows_both_ways(line: bytes, dialect: str = "sqlite") -> tuple[Any, Any]:
    """(struct rows, dict rows) of one page line, each from a reader of its own, accounts without first_seen."""
    encode = RowEncoder(dialect)
    built = struct_page_rows(PageRows(encode), decode_page(line))
    assert built is not None
    rows, problems = built
    expected, expected_problems = PageRows(encode).page(orjson.loads(line))
    got = (rows.posts, rows.hashtags, without_first_seen(rows.accounts), problems)
    return got, (expected.posts, expected.hashtags, without_first_seen(expected.accounts), expected_problems)


@pytest.mark.parametrize("relative", ARCHIVES)
def test_struct_rows_equal_the_dict_rows_line_by_line(relative: str) -> None:
    decoded = 0
    for line in shared_path(relative).read_bytes().splitlines():
        try:
            decode_page(line)
        except DECODE_ERRORS:
            continue  # read as dicts, as before
        for dialect in ("sqlite", "postgresql"):
            got, expected = rows_both_ways(line, dialect)
            assert got == expected
        decoded += 1
    flat = relative.endswith(("flat.jsonl", "compliance.jsonl", "counts.jsonl", "lists.jsonl", "users.jsonl"))
    assert decoded > 0 or flat


@pytest.mark.parametrize(
    "relative", ["fixtures/twarc2/twarc-network_tweets.jsonl", "fixtures/twarc2/twarc-hashtags_tweets1.jsonl"]
)
def test_the_new_naming_decodes_to_the_same_rows(relative: str) -> None:
    checked = 0
    for line in shared_path(relative).read_bytes().splitlines():
        new = orjson.dumps(renamed(orjson.loads(line)))
        got, expected = rows_both_ways(new)
        assert got == expected
        assert got[:3] == rows_both_ways(line)[0][:3]
        checked += len(got[0])
    assert checked > 100


def page(*posts: dict[str, Any], users: list[dict[str, Any]] | None = None, **extra: Any) -> bytes:
    body: dict[str, Any] = {"data": list(posts), "__twarc": STAMP, **extra}
    if users is not None:
        body["includes"] = {"users": users}
    return orjson.dumps(body)


POST = {"id": "20", "text": "A1 &amp; more #EdChat", "author_id": "7", "created_at": "2026-03-05T21:01:00.000Z"}
USER = {"id": "7", "username": "Ana", "name": "Ana B", "public_metrics": {"followers_count": 3, "tweet_count": 9}}


@pytest.mark.parametrize(
    "line",
    [
        # ids as numbers (some archivers), a reply that quotes, a repost in the new naming
        page({**POST, "id": 20, "author_id": 7}, users=[{**USER, "id": 7}]),
        page(
            {
                **POST,
                "conversation_id": 19,
                "in_reply_to_user_id": "8",
                "referenced_tweets": [{"type": "replied_to", "id": "19"}, {"type": "quoted", "id": 18}],
            }
        ),
        page({**POST, "referenced_posts": [{"type": "reposted", "id": "17"}], "lang": ""}),
        # a long post's note with its own entities, and one whose note has none (the post's own count)
        page(
            {
                **POST,
                "entities": {"hashtags": [{"tag": "edchat"}]},
                "note_tweet": {"text": "long &lt;b&gt; #FEchat", "entities": {"hashtags": [{"tag": "FEchat"}]}},
            }
        ),
        page({**POST, "entities": {"hashtags": [{"tag": "edchat"}]}, "note_post": {"text": "long", "entities": {}}}),
        # entities as people's posts carry them: a tag without text, an address X could not unwind, one that is
        # no web address, a link given only as t.co, the same address twice, mentions in mixed case, cashtags
        page(
            {
                **POST,
                "entities": {
                    "hashtags": [{"start": 0, "end": 3, "tag": "EdChat"}, {"tag": ""}, {"start": 4}],
                    "mentions": [{"username": "Ana_B", "id": "7"}, {"username": None}],
                    "urls": [
                        {"url": "https://t.co/a", "expanded_url": "https://gov.example/a", "unwound_url": None},
                        {"url": "https://t.co/b", "unwound_url": "https://gov.example/b?x=1&y=2"},
                        {"url": "https://t.co/c", "expanded_url": "javascript:alert(1)"},
                        {"url": "https://t.co/d"},
                        {"url": "https://t.co/a", "expanded_url": "https://gov.example/a"},
                    ],
                    "cashtags": [{"tag": "GOV"}],
                    "annotations": [{"type": "Place", "normalized_text": "Leeds"}],
                },
            }
        ),
        page({**POST, "entities": {}}),
        # a stream line (data is one post), metrics in both namings, partial errors, a user's t.co link
        orjson.dumps({"data": {**POST, "public_metrics": {"like_count": 2, "repost_count": 1}}, "__twarc": STAMP}),
        page(POST, errors=[{"title": "Not Found Error", "detail": "gone"}, "odd"]),
        page(
            POST,
            users=[
                {
                    **USER,
                    "url": "https://t.co/x",
                    "entities": {"url": {"urls": [{"url": "https://t.co/x", "expanded_url": "https://ana.example"}]}},
                    "verified": 1,
                    "created_at": "2019-01-02T03:04:05.000Z",
                }
            ],
        ),
        # the same user twice on a page (the first is kept), and the same post in data and includes
        orjson.dumps(
            {
                "data": [POST],
                "includes": {"users": [USER, {**USER, "username": "Other"}], "tweets": [POST, {**POST, "id": "21"}]},
            }
        ),
    ],
)
def test_odd_real_shapes_give_the_dict_rows(line: bytes) -> None:
    got, expected = rows_both_ways(line)
    assert got == expected


@pytest.mark.parametrize(
    ("line", "struct_way"),
    [
        (page({"id": 20.0, "text": "a float id", "created_at": POST["created_at"]}), "refused"),
        (page({"id": "5", "username": "a user in data"}), "refused"),  # not a post: no text
        (page({**POST, "text": None}), "refused"),
        (page({**POST, "entities": {"hashtags": ["EdChat"]}}), "refused"),  # a tag as text, not an object
        (page({**POST, "entities": {"urls": [{"expanded_url": 5}]}}), "refused"),
        (page(), "no posts"),  # decoded, then handed back: the general reader says what such a line is
        (page({**POST, "created_at": None}), "raises"),  # decoded; the general reader says what is missing
    ],
)
def test_other_lines_are_read_as_dicts_with_the_same_outcome(line: bytes, struct_way: str) -> None:
    # the way the struct reading lets each line go
    if struct_way == "refused":
        with pytest.raises(DECODE_ERRORS):
            decode_page(line)
    else:
        pages = PageRows(RowEncoder("sqlite"), window=AccountWindow())
        if struct_way == "no posts":
            assert struct_page_rows(pages, decode_page(line)) is None
        else:
            with pytest.raises(ValueError, match="no created_at"):
                struct_page_rows(pages, decode_page(line))
    reference = list(read_twarc2_rows(io.BytesIO(line), RowEncoder("sqlite"), keep_raw=True))  # dicts only
    fast = list(read_twarc2_rows(io.BytesIO(line), RowEncoder("sqlite")))

    def outcome(chunks: list[Any]) -> list[Any]:
        return [(c.skipped, c.problems, c.rows.posts, without_first_seen(c.rows.accounts)) for c in chunks]

    def without_raw(chunks: list[Any]) -> list[Any]:  # keep_raw only adds the payload column
        return [
            (s, p, [row[:-1] for row in posts], [row[:-1] for row in accounts])
            for s, p, posts, accounts in outcome(chunks)
        ]

    assert without_raw(fast) == without_raw(reference)


def test_a_struct_reading_failure_leaves_the_account_window_as_it_was() -> None:
    pages = PageRows(RowEncoder("sqlite"), window=AccountWindow())
    with pytest.raises(ValueError, match="no created_at"):
        struct_page_rows(pages, decode_page(page({**POST, "created_at": None}, users=[USER])))
    assert pages.window is not None and len(pages.window) == 0 and not pages.made_from
