"""Which posts belong to a chat: the hashtag's posts in the window, the replies below them, and reposts.

The rules (also in the digest JSON schema): a chat post carries the hashtag inside the window, or descends
from one through reply parents (X `referenced_tweets[replied_to]`, Mastodon `in_reply_to_id`, Bluesky
`reply.parent`), or reposts a chat post. A tagged reply to an outside post brings in neither that post nor its
other replies. `conversation_id` only helps fetch threads; it never decides what belongs to the chat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from integrations.normalized import NormalizedPost

Key = tuple[str, str]  # (platform, id): ids are only unique on their own network


def keys_of(posts: Sequence[NormalizedPost]) -> tuple[Callable[[NormalizedPost], Any], Callable[[NormalizedPost], Any]]:
    """(key of a post, key of its reply parent): ids when the posts are on one network (nearly always), else
    (platform, id) pairs."""
    if len({p.platform for p in posts}) <= 1:
        return attrgetter("id"), attrgetter("reply_to_post_id")
    return attrgetter("platform", "id"), attrgetter("platform", "reply_to_post_id")


def select_chat(
    posts: Iterable[NormalizedPost],
    *,
    hashtag: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[NormalizedPost]:
    """The chat's posts among `posts`, in [start, end), in the order given (see the module's rules).

    One walk in time order finds nearly every descendant (a parent comes before its replies); replies met
    before their parent are settled in further rounds over those few."""
    own = hashtag.lstrip("#").casefold()
    in_window = [p for p in posts if (start is None or p.created_at >= start) and (end is None or p.created_at < end)]
    key, parent = keys_of(in_window)
    chosen: set[Any] = set()
    waiting: list[NormalizedPost] = []  # replies and reposts whose parent was not (yet) in the chat
    for post in in_window:
        tags = post.hashtags  # stored tags are folded already: the first test settles nearly every post
        if own in tags or any(t.lstrip("#").casefold() == own for t in tags):
            chosen.add(key(post))
        elif post.reply_to_post_id is not None and post.kind != "repost":
            if parent(post) in chosen:
                chosen.add(key(post))
            else:
                waiting.append(post)
        elif post.reposted_post_id is not None:
            waiting.append(post)
    grew = True
    while grew and waiting:  # replies met before their parents, however deep
        grew, still = False, []
        for post in waiting:
            if post.kind != "repost" and parent(post) in chosen:
                chosen.add(key(post))
                grew = True
            else:
                still.append(post)
        waiting = still
    single = len(in_window) == 0 or isinstance(key(in_window[0]), str)
    reposted = attrgetter("reposted_post_id") if single else attrgetter("platform", "reposted_post_id")
    chosen.update(key(p) for p in waiting if p.kind == "repost" and reposted(p) in chosen)  # reposts of chat posts
    if len(chosen) == len(in_window):  # every post chosen (chosen holds only their keys, once each): nearly always
        return in_window
    return [p for p in in_window if key(p) in chosen]


def outside_parent_keys(chat: Iterable[NormalizedPost]) -> set[Key]:
    """(platform, id) of the posts the chat's replies answer that are not in the chat: the outside posts a tagged
    reply answers (or a parent before the window). They may be shown beside the reply; they are never counted."""
    posts = chat if isinstance(chat, list) else list(chat)
    if len(set(map(attrgetter("platform"), posts))) > 1:
        replying = {(p.platform, p.reply_to_post_id) for p in posts if p.reply_to_post_id and p.kind != "repost"}
        return replying.difference(map(attrgetter("platform", "id"), posts))
    inside = set(map(attrgetter("id"), posts))  # one network (nearly always): ids are enough, and quicker
    return {(p.platform, up) for p in posts if (up := p.reply_to_post_id) and up not in inside and p.kind != "repost"}


def outside_parents(chat: Iterable[NormalizedPost], posts: Iterable[NormalizedPost]) -> dict[Key, NormalizedPost]:
    """The outside parents of the chat's replies (see `outside_parent_keys`) found among `posts`, by key."""
    wanted = outside_parent_keys(chat)
    return {(p.platform, p.id): p for p in posts if (p.platform, p.id) in wanted} if wanted else {}
