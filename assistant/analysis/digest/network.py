"""The reply / mention network and its most central participants (PageRank with igraph)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any

import igraph as ig

from assistant.analysis.digest.tops import spellings
from integrations.normalized import NormalizedPost


def interaction_edges(
    posts: Sequence[NormalizedPost], handles: Mapping[str, str] | None = None
) -> Counter[tuple[str, str]]:
    """(from handle, to handle) -> weight for replies and mentions (reposts excluded, no self-loops).

    `handles`: author id -> handle as `tops.handles_by_id` finds them, when already known."""
    if handles is None:
        handles = {p.author_id: p.author_handle for p in posts if p.author_handle}
    handle_of = {author: handle.lower() for author, handle in handles.items()}  # once per author, not per post
    found: list[tuple[str, str]] = []  # counted once at the end, in the order first found
    for post in posts:
        if post.kind == "repost" or not post.author_handle:
            continue
        replied = handle_of.get(post.reply_to_user_id) if post.reply_to_user_id else None
        if not post.mentions and replied is None:  # most posts of a chat: no edge, no sets built
            continue
        source = post.author_handle.lower()
        targets = {m.lower() for m in post.mentions}
        if replied is not None:
            targets.add(replied)
        targets.discard(source)
        found.extend(zip(repeat(source), targets))
    return Counter(found)


def central(
    posts: Sequence[NormalizedPost], limit: int, *, handles: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The participants with the highest PageRank in the weighted reply / mention network."""
    edges = interaction_edges(posts, handles)
    if not edges:
        return []
    names = sorted({name for pair in edges for name in pair})
    index = {name: i for i, name in enumerate(names)}
    graph = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in edges], directed=True)
    # prpack (igraph's default): 10x faster than arpack on chat networks (14k people, 34k edges: 3 vs 40 ms)
    scores = graph.pagerank(weights=list(edges.values()), implementation="prpack")
    order = sorted(range(len(names)), key=lambda i: (-scores[i], names[i]))[:limit]
    spelled = spellings(handles or {})  # as their owners write them
    return [{"handle": spelled.get(names[i], names[i]), "score": round(scores[i], 4)} for i in order]
