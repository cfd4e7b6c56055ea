"""Which posts belong to a chat: the hashtag's posts in the window, the replies below them, and reposts.

The rules (also in the digest JSON schema): a chat post carries the hashtag inside the window, or descends
from one through reply parents (X `referenced_tweets[replied_to]`, Mastodon `in_reply_to_id`, Bluesky
`reply.parent`), or reposts a chat post. A tagged reply to an outside post brings in neither that post nor its
other replies. `conversation_id` only helps fetch threads; it never decides what belongs to the chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from integrations.normalized import NormalizedPost

Key = tuple[str, str]  # (platform, id): ids are only unique on their own network


def tagged(post: NormalizedPost, own: str) -> bool:
    """Whether the post carries the hashtag `own` (folded, without '#')."""
    return any(t.lstrip("#").casefold() == own for t in post.hashtags)


def select_chat(
    posts: Iterable[NormalizedPost],
    *,
    hashtag: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[NormalizedPost]:
    """The chat's posts among `posts`, in [start, end), in the order given (see the module's rules)."""
    own = hashtag.lstrip("#").casefold()
    in_window = [p for p in posts if (start is None or p.created_at >= start) and (end is None or p.created_at < end)]
    chosen: set[Key] = {(p.platform, p.id) for p in in_window if tagged(p, own)}
    children: dict[Key, list[Key]] = {}
    for post in in_window:
        if post.reply_to_post_id is not None and post.kind != "repost" and post.reply_to_post_id != post.id:
            children.setdefault((post.platform, post.reply_to_post_id), []).append((post.platform, post.id))
    stack = list(chosen)
    while stack:  # every descendant of a tagged post, however deep
        for child in children.get(stack.pop(), ()):
            if child not in chosen:
                chosen.add(child)
                stack.append(child)
    reposts = {
        (p.platform, p.id)
        for p in in_window
        if p.reposted_post_id is not None and (p.platform, p.reposted_post_id) in chosen
    }
    chosen |= reposts
    return [p for p in in_window if (p.platform, p.id) in chosen]
