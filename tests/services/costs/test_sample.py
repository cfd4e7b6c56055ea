"""A sample page's users extrapolated to more posts: pages built by hand whose growth is known."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.services.costs import sample


def _page(authors: list[int], mentions: dict[int, int] | None = None, extra: list[int] | None = None) -> dict[str, Any]:
    """A search page: post i by user authors[i], mentioning mentions[i] when given; `extra` users in includes only."""
    mentions = mentions or {}
    data = []
    for i, author in enumerate(authors):
        post: dict[str, Any] = {"id": str(1000 + i), "author_id": str(author), "text": "x"}
        if i in mentions:
            post["entities"] = {"mentions": [{"username": f"u{mentions[i]}", "id": str(mentions[i])}]}
        data.append(post)
    users = {*authors, *mentions.values(), *(extra or [])}
    return {"data": data, "includes": {"users": [{"id": str(u), "username": f"u{u}"} for u in sorted(users)]}}


def test_a_page_whose_users_never_repeat_is_priced_a_user_a_post() -> None:
    growth = sample.measure([_page(list(range(100)))], billed_posts=100, billed_users=100)
    assert (growth.posts, growth.users, growth.beta, growth.ceiling) == (100, 100, 1.0, None)
    assert growth.billed_users_at(300) == 300


def test_a_page_of_twenty_regulars_brings_no_one_new() -> None:
    growth = sample.measure([_page([i % 20 for i in range(100)])], billed_posts=100, billed_users=20)
    assert growth.users == 20 and growth.beta < 0.3
    # the curve is flat after post 20: the saturation curve stays at about 21, Heaps' at 20 * 3 ** beta (about 25)
    assert 20 <= growth.billed_users_at(300) <= 24


def test_mentions_count_and_users_read_earlier_that_day_are_free() -> None:
    page = _page([1, 2, 3], mentions={0: 9}, extra=[42])
    assert sample.growth_curve([page]) == [2, 3, 5]  # 1 and 9; 2; 3 and the unnamed 42 at the page's end
    growth = sample.measure([page], billed_posts=3, billed_users=1)
    assert growth.beta == 1.0  # too short a page to fit: every post its own users (an upper bound)
    assert growth.new_share == pytest.approx(1 / 5) and growth.billed_users_at(3) == 1


def test_an_empty_sample_brings_no_users() -> None:
    growth = sample.measure([{"meta": {"result_count": 0}}], billed_posts=0, billed_users=0)
    assert growth.users_at(500) == 0.0 and growth.billed_users_at(500) == 0
