"""Sample chats written to files: byte for byte the same for a seed, and turned round into real archives' order."""

from __future__ import annotations

import io

import orjson

from assistant.samples.chat_files import write_chat, write_newest_first


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not() -> None:
    first, second, other = io.BytesIO(), io.BytesIO(), io.BytesIO()
    assert write_chat(first, 500, 42) == 500
    write_chat(second, 500, 42)
    write_chat(other, 500, 43)
    assert first.getvalue() == second.getvalue()
    assert first.getvalue() != other.getvalue()


def test_newest_first_gives_the_order_of_a_real_search_archive() -> None:
    oldest_first, newest_first = io.BytesIO(), io.BytesIO()
    write_chat(oldest_first, 250, 1)
    assert write_newest_first(oldest_first, newest_first) == 3
    tidy = [orjson.loads(line) for line in oldest_first.getvalue().splitlines()]
    real = [orjson.loads(line) for line in newest_first.getvalue().splitlines()]
    assert [len(page["data"]) for page in real] == [50, 100, 100]
    times = [post["created_at"] for page in real for post in page["data"]]
    assert times == sorted(times, reverse=True) and len(set(times)) > 200
    # the same pages, last first, each with its posts reversed and nothing else changed
    for page, source in zip(real, reversed(tidy), strict=True):
        assert page["data"] == source["data"][::-1]
        assert {k: v for k, v in page.items() if k != "data"} == {k: v for k, v in source.items() if k != "data"}
