"""The search query builder: hashtags, keywords, accounts, conversations, and clear errors."""

from __future__ import annotations

import pytest

from integrations.x.query import QueryError, SearchQuery, conversation_query, hashtag_query


def test_hashtags_are_ored_and_normalised() -> None:
    assert hashtag_query(["ukfechat"]) == "#ukfechat"
    assert hashtag_query(["#edtechchat", "edchat"], exclude_reposts=True) == "(#edtechchat OR #edchat) -is:retweet"


def test_full_query() -> None:
    query = SearchQuery(
        hashtags=("ukfechat",),
        keywords=("further education", "FE"),
        from_users=("@UKFEchat", "jo_smith"),
        mentions=("DfE",),
        lang="en",
        exclude_reposts=True,
        exclude_replies=True,
    ).build()
    assert query == (
        '(#ukfechat OR "further education" OR FE) (from:UKFEchat OR from:jo_smith) @DfE lang:en -is:retweet -is:reply'
    )


def test_conversation_query_follows_threads() -> None:
    assert conversation_query("1578516068309794817") == "conversation_id:1578516068309794817"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(), "needs a hashtag"),
        (SearchQuery(hashtags=("two words",)), "not a hashtag"),
        (SearchQuery(from_users=("this_name_is_too_long",)), "not an X username"),
        (SearchQuery(conversation_id="abc"), "not a post id"),
        (SearchQuery(hashtags=("a",), lang="English"), "language code"),
        (SearchQuery(keywords=tuple(f"word{i}" for i in range(100))), "at most 512"),
    ],
)
def test_bad_queries_say_what_is_wrong(query: SearchQuery, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        query.build()


def test_longer_limit_for_full_archive() -> None:
    query = SearchQuery(keywords=tuple(f"word{i}" for i in range(100)))
    assert len(query.build(max_length=1024)) > 512
