"""An X API v2 search or stream page as typed msgspec structs: only the fields the store keeps, decoded in one pass.

`decode_page` reads a page line straight into these structs, skipping every other field, without building the
dicts and lists of the whole page as `orjson.loads` does. It accepts only the ordinary shape: `data` a list of
posts or one post, every post with its `text`, fields of the types X sends (ids as strings or integers). A line
of any other shape raises `msgspec.ValidationError` (or `msgspec.DecodeError` when it is not JSON) and is read
as dicts by the general reader (`integrations.x.parse`), which says what is wrong with it. Both namings are
kept (`referenced_tweets` / `referenced_posts`, `includes.tweets` / `includes.posts`, `note_tweet` /
`note_post`, `retweet_count` / `repost_count`, `tweet_count` / `post_count`), as the general reader reads them.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Struct, field

Id = str | int  # X sends ids as strings; some archivers wrote them as numbers


class Link(Struct, gc=False):
    url: str | None = None
    expanded_url: str | None = None


class Tag(Struct, gc=False):
    tag: str | None = None


class Mention(Struct, gc=False):
    username: str | None = None


class PostLink(Struct, gc=False):
    url: str | None = None
    expanded_url: str | None = None
    unwound_url: str | None = None


class Entities(Struct, gc=False):
    """A post's entities: only what `integrations.x.parse.text_and_entities` reads of them."""

    hashtags: list[Tag] | None = None
    mentions: list[Mention] | None = None
    urls: list[PostLink] | None = None


class PostMetrics(Struct, gc=False):
    like_count: int | None = None
    retweet_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    impression_count: int | None = None


class Author(Struct, gc=False):
    id: Id | None = None
    username: str | None = None


class Post(Struct, gc=False):
    text: str  # an item without text is not a post this reader takes
    id: Id
    author_id: Id | None = None
    author: Author | None = None
    created_at: str | None = None
    lang: str | None = None
    conversation_id: Id | None = None
    in_reply_to_user_id: Id | None = None
    referenced_tweets: Any = None  # as dicts, read by integrations.x.parse.references
    referenced_posts: Any = None
    entities: Entities | None = None
    # as dicts, read by integrations.x.parse.text_and_entities itself (its rules for a long post's note,
    # whose empty or missing entities fall back to the post's own, depend on the dicts' emptiness)
    note_tweet: Any = None
    note_post: Any = None
    public_metrics: PostMetrics | None = None


class UserLinks(Struct, gc=False):
    urls: list[Link] | None = None


class UserEntities(Struct, gc=False):
    url: UserLinks | None = None


class UserMetrics(Struct, gc=False):
    followers_count: int | None = None
    following_count: int | None = None
    tweet_count: int | None = None
    post_count: int | None = None


class User(Struct, gc=False):
    """Equal structs are equal users for every stored field (the account row's fingerprint)."""

    id: Id
    username: str | None = None
    name: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None
    entities: UserEntities | None = None
    public_metrics: UserMetrics | None = None
    verified: Any = None
    created_at: str | None = None


class Includes(Struct, gc=False):
    users: list[User] | None = None
    tweets: list[Post] | None = None
    posts: list[Post] | None = None


class Page(Struct, gc=False):
    data: list[Post] | Post
    includes: Includes | None = None
    errors: list[Any] | None = None
    twarc: Any = field(name="__twarc", default=None)


_decoder = msgspec.json.Decoder(Page)
decode_page = _decoder.decode
"""A page line (bytes or str) as a Page; raises msgspec.ValidationError / msgspec.DecodeError on any other line."""

DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)
