"""The mapping graph: accounts and weighted follow/mention/reply/quote edges, built from a crawl or from edges."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import igraph as ig

from integrations.normalized import NormalizedAccount, NormalizedPost

EDGE_KINDS = ("follows", "mentions", "replies", "quotes")


@dataclass(slots=True)
class MapGraph:
    """An igraph Graph (vertex attribute `name` = account id) plus the posts it was built from."""

    graph: ig.Graph
    posts: list[NormalizedPost] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.graph.vs["name"])}


def build_graph(
    accounts: Iterable[NormalizedAccount],
    posts: Iterable[NormalizedPost],
    follows: Iterable[tuple[str, str]],
    seeds: Iterable[str] = (),
) -> MapGraph:
    """Accounts as nodes; follows, mentions (by handle or id), replies and quotes as weighted directed edges."""
    ids: dict[str, int] = {}
    profile: list[NormalizedAccount | None] = []

    def node(account_id: str) -> int:
        at = ids.get(account_id)
        if at is None:
            at = ids[account_id] = len(profile)
            profile.append(None)
        return at

    for account in accounts:
        profile[node(account.id)] = account
    handles = {a.handle.lower(): a.id for a in profile if a is not None and a.handle}
    post_list = list(posts)
    post_authors = {p.id: p.author_id for p in post_list}
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    activity: Counter[int] = Counter()
    for source, target in follows:
        if source != target:
            counts[(node(source), node(target))][0] += 1
    for post in post_list:
        author = node(post.author_id)
        if post.author_handle and post.author_handle.lower() not in handles:
            handles[post.author_handle.lower()] = post.author_id
        activity[author] += 1
    for post in post_list:
        author = ids[post.author_id]
        for mention in post.mentions:
            target_id = handles.get(mention.lower().lstrip("@"), mention if mention.isdigit() else None)
            if target_id and target_id != post.author_id:
                counts[(author, node(target_id))][1] += 1
        if post.reply_to_user_id and post.reply_to_user_id != post.author_id:
            counts[(author, node(post.reply_to_user_id))][2] += 1
        quoted = post_authors.get(post.quoted_post_id or "")
        if quoted and quoted != post.author_id:
            counts[(author, node(quoted))][3] += 1
    graph = ig.Graph(n=len(profile), edges=list(counts), directed=True)
    _set_vertex_attributes(graph, list(ids), profile, activity, set(seeds))
    per_kind = list(zip(*counts.values(), strict=True)) if counts else [(), (), (), ()]
    for kind, values in zip(EDGE_KINDS, per_kind, strict=True):
        graph.es[kind] = list(values)
    graph.es["weight"] = [float(sum(v)) for v in counts.values()]
    return MapGraph(graph, post_list, [s for s in seeds if s in ids])


def graph_from_edges(
    n: int, edges: Sequence[tuple[int, int]], *, weights: Sequence[float] | None = None, seeds: Sequence[int] = ()
) -> MapGraph:
    """A bare graph of `n` accounts named "0".."n-1" (benchmarks and synthetic data): every edge a follow."""
    graph = ig.Graph(n=n, edges=edges, directed=True)
    graph.vs["name"] = [str(i) for i in range(n)]
    for attr, value in (("handle", ""), ("display_name", ""), ("bio", ""), ("followers", 0), ("posts", 0)):
        graph.vs[attr] = [value] * n
    flags = [False] * n
    for s in seeds:
        flags[s] = True
    graph.vs["is_seed"] = flags
    graph.vs["handle"] = [f"user{i}" for i in range(n)]
    ones = [1] * graph.ecount()
    graph.es["follows"] = ones
    for kind in EDGE_KINDS[1:]:
        graph.es[kind] = [0] * graph.ecount()
    graph.es["weight"] = list(weights) if weights is not None else [1.0] * graph.ecount()
    return MapGraph(graph, [], [str(s) for s in seeds])


def _set_vertex_attributes(
    graph: ig.Graph,
    names: list[str],
    profile: list[NormalizedAccount | None],
    activity: Counter[int],
    seeds: set[str],
) -> None:
    graph.vs["name"] = names
    graph.vs["handle"] = [(a.handle if a else "") or names[i] for i, a in enumerate(profile)]
    graph.vs["display_name"] = [a.display_name if a else "" for a in profile]
    graph.vs["bio"] = [a.bio if a else "" for a in profile]
    graph.vs["followers"] = [(a.followers or 0) if a else 0 for a in profile]
    graph.vs["posts"] = [activity.get(i, 0) for i in range(len(names))]
    graph.vs["is_seed"] = [name in seeds for name in names]
