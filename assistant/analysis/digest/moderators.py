"""Who moderates a chat: the host and co-moderators as given (or from the chat's plan), else the inferred host.

With none given, the host is the author of the longest sequence Q1, Q2, ... in time order (ties: the one
whose question posts drew the most replies). Handles are compared folded and without '@'; a handle given
without an instance ("host") also matches a Mastodon account "host@instance".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.analysis.digest.text import question_number
from integrations.normalized import NormalizedPost


def fold(handle: str) -> str:
    """A handle as compared: no leading '@', folded case."""
    return handle.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class Moderators:
    """The chat's moderators (host first), and where they came from: given, plan, inferred or none."""

    handles: tuple[str, ...] = ()
    inferred: bool = False
    source: str = "none"

    @property
    def host(self) -> str | None:
        return self.handles[0] if self.handles else None

    def matches(self, handle: str) -> bool:
        """Whether an author's handle is one of the moderators'."""
        if not self.handles or not handle:
            return False
        folded = fold(handle)
        return folded in self.handles or folded.split("@", 1)[0] in self.handles

    def author_ids(self, handles_by_id: Mapping[str, str]) -> set[str]:
        """The author ids (of `handles_by_id`: id -> handle) that are moderators (handles are stored without
        '@' or blanks: folding their case is enough)."""
        wanted = set(self.handles)
        if not wanted:
            return set()
        found = set()
        for author, handle in handles_by_id.items():
            folded = handle.casefold()
            if folded in wanted or ("@" in folded and folded.split("@", 1)[0] in wanted):
                found.add(author)
        return found

    def document(self) -> dict[str, object]:
        """The digest document's `moderators` entry."""
        return {"handles": list(self.handles), "host": self.host, "inferred": self.inferred, "source": self.source}


def given(host: str | None, co_moderators: Iterable[str] = (), *, source: str = "given") -> Moderators:
    """The moderators as named (host first, each once); source "none" when nobody is named."""
    handles = tuple(dict.fromkeys(h for h in (fold(x) for x in (host or "", *co_moderators)) if h))
    return Moderators(handles, False, source if handles else "none")


def infer_host(posts: Sequence[NormalizedPost]) -> Moderators:
    """The author of the longest Q1, Q2, ... sequence in time order (see the module); none when no one
    posted a Q1."""
    reach: dict[str, int] = {}  # author -> the last number of their sequence so far
    asked: dict[str, list[tuple[str, str]]] = {}  # author -> their question posts' keys
    handles: dict[str, str] = {}
    for post in posts:  # in time order
        if post.kind == "repost" or not post.author_handle:
            continue
        number = question_number(post.text)
        if number is None:
            continue
        if number == reach.get(post.author_id, 0) + 1:
            reach[post.author_id] = number
            asked.setdefault(post.author_id, []).append((post.platform, post.id))
            handles[post.author_id] = post.author_handle
    if not reach:
        return Moderators(source="none")
    question_keys = {key: author for author, keys in asked.items() for key in keys}
    replies: Counter[str] = Counter(
        question_keys[(p.platform, p.reply_to_post_id)]
        for p in posts
        if p.reply_to_post_id is not None and (p.platform, p.reply_to_post_id) in question_keys
    )
    best = min(reach, key=lambda author: (-reach[author], -replies[author], fold(handles[author])))
    return Moderators((fold(handles[best]),), True, "inferred")
