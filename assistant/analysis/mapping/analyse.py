"""Ranking the mapping graph: PageRank, betweenness, bridges and top lists, with communities labelled."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import igraph as ig
import numpy as np

from assistant.analysis.mapping.communities import communities
from assistant.analysis.mapping.graph import EDGE_KINDS, MapGraph
from assistant.analysis.mapping.labels import (
    HASHTAG,
    STOPWORDS,
    distinctive_words,
    guess_kind,
    hashtags_by_author,
    words_of,
)
from assistant.analysis.mapping.results import AccountMetrics, Analysis, Community

EXACT_BETWEENNESS_MAX = 5_000  # above this many accounts, betweenness is computed among the top CORE by PageRank


BETWEENNESS_CORE = 3_000


TOP = 10


def _betweenness(g: ig.Graph, pagerank: Sequence[float], exact: bool) -> list[float]:
    """Exact betweenness, or on large graphs betweenness within the induced core of the top accounts by PageRank."""
    if g.vcount() == 0:
        return []
    if exact:
        return list(g.betweenness(directed=True))
    core = sorted(range(g.vcount()), key=lambda i: -pagerank[i])[:BETWEENNESS_CORE]
    values = g.induced_subgraph(core).betweenness(directed=True)
    out = [0.0] * g.vcount()
    for i, value in zip(core, values, strict=True):
        out[i] = value
    return out


def analyse(
    mapped: MapGraph,
    *,
    resolution: float = 1.0,
    wanted: int | None = None,
    largest: int = 5,
    labels: bool = True,
) -> Analysis:
    """Rank every account, find and label communities, bridges, overall figures and top-10 lists."""
    g = mapped.graph
    n = g.vcount()
    weights = "weight" if g.ecount() else None
    pagerank = g.pagerank(weights=weights, directed=True) if n else []
    exact = n <= EXACT_BETWEENNESS_MAX
    betweenness = _betweenness(g, pagerank, exact)
    membership, modularity, used = communities(g, resolution=resolution, wanted=wanted) if n else ([], 0.0, resolution)
    in_deg = g.indegree()
    out_deg = g.outdegree()
    seed_flags = g.vs["is_seed"] if n else []
    seeds = sum(1 for flag in seed_flags if flag)
    follows = g.es["follows"] if g.ecount() else []
    seed_in, bridges_of = _seed_in_and_bridges(g, follows, seed_flags, membership)
    vs = g.vs
    names, handles, display, bios = vs["name"], vs["handle"], vs["display_name"], vs["bio"]
    followers, posts = vs["followers"], vs["posts"]
    metrics = [
        AccountMetrics(
            id=names[i],
            handle=handles[i],
            display_name=display[i],
            followers=followers[i],
            posts=posts[i],
            seed_in_degree=seed_in[i],
            in_degree=in_deg[i],
            out_degree=out_deg[i],
            pagerank=pagerank[i],
            betweenness=betweenness[i],
            community=membership[i],
            kind_guess=guess_kind(display[i], bios[i]),
            is_seed=seed_flags[i],
            bridges=bridges_of[i],
        )
        for i in range(n)
    ]
    metrics.sort(key=lambda m: -m.pagerank)
    by_community: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(membership):
        by_community[c].append(i)
    community_hashtags = hashtags_by_author(mapped.posts)
    found: list[Community] = []
    bio_counts_all: Counter[str] = Counter()
    bio_counts: dict[int, Counter[str]] = {}
    tag_counts_all: Counter[str] = Counter()
    tag_counts: dict[int, Counter[str]] = {}
    if labels:
        for c, members in by_community.items():
            if len(members) < 3 and c >= largest:
                continue
            words: Counter[str] = Counter()
            tags: Counter[str] = Counter()
            for i in members:
                if bios[i]:
                    words.update(set(words_of(bios[i])))
                    tags.update(t.lower() for t in HASHTAG.findall(bios[i]))
                if names[i] in community_hashtags:
                    tags.update(community_hashtags[names[i]])
            bio_counts[c], tag_counts[c] = words, tags
            bio_counts_all.update(words)
            tag_counts_all.update(tags)
    for c in sorted(by_community, key=lambda c: -len(by_community[c])):
        members = by_community[c]
        if len(found) >= max(largest, 20) or len(members) < 3 and found:
            break
        word_list = distinctive_words(bio_counts.get(c, Counter()), bio_counts_all, len(members), n)
        tag_list = distinctive_words(tag_counts.get(c, Counter()), tag_counts_all, len(members), n)
        ranked = sorted(members, key=lambda i: -pagerank[i])[:5]
        label_parts = [*(f"#{t}" for t in tag_list[:2]), *word_list[:3]]
        found.append(
            Community(
                number=c,
                size=len(members),
                label=", ".join(label_parts) or f"community {c + 1}",
                words=word_list[:TOP],
                hashtags=tag_list[:TOP],
                top_accounts=[handles[i] for i in ranked],
            )
        )
    bridge_list = sorted((i for i in range(n) if bridges_of[i] >= 2), key=lambda i: (-bridges_of[i], -betweenness[i]))[
        :TOP
    ]
    overall = overall_figures(g, membership, modularity)
    top = top_lists(mapped, list(range(n)), pagerank, betweenness)
    community_top = {
        c.number: top_lists(mapped, by_community[c.number], pagerank, betweenness) for c in found[:largest]
    }
    return Analysis(
        accounts=metrics,
        communities=found,
        overall=overall,
        top=top,
        community_top=community_top,
        bridges=[handles[i] for i in bridge_list],
        seeds=seeds,
        betweenness_exact=exact,
        resolution=used,
    )


def overall_figures(g: ig.Graph, membership: list[int], modularity: float) -> dict[str, Any]:
    """NodeXL-style overall metrics."""
    edges_by_kind: dict[str, dict[str, int]] = {}
    for kind in EDGE_KINDS:
        values = g.es[kind] if g.ecount() else []
        edges_by_kind[kind] = {"unique": sum(1 for v in values if v), "total": int(sum(values))}
    n = g.vcount()
    return {
        "accounts": n,
        "unique_edges": g.ecount(),
        "total_edges": sum(k["total"] for k in edges_by_kind.values()),
        "edges_by_kind": edges_by_kind,
        "connected_components": len(g.connected_components(mode="weak")) if n else 0,
        "density": g.density(loops=False) if n > 1 else 0.0,
        "modularity": modularity,
        "reciprocity": g.reciprocity(ignore_loops=True) if g.ecount() else 0.0,
        "communities": len(set(membership)),
    }


def top_lists(
    mapped: MapGraph, members: Sequence[int], pagerank: Sequence[float], betweenness: Sequence[float]
) -> dict[str, list[tuple[str, float]]]:
    """Top-10 URLs, domains, hashtags, words, word pairs, replied-to, mentioned, most active, PageRank, betweenness."""
    g = mapped.graph
    handles = g.vs["handle"]
    names = g.vs["name"]
    member_ids = {names[i] for i in members}
    urls: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    replied: Counter[str] = Counter()
    mentioned: Counter[str] = Counter()
    active: Counter[str] = Counter()
    id_to_handle = dict(zip(names, handles, strict=True))
    for post in mapped.posts:
        if post.author_id not in member_ids:
            continue
        active[id_to_handle.get(post.author_id, post.author_handle)] += 1
        for url in post.urls:
            urls[url] += 1
            host = urlsplit(url).hostname or ""
            if host:
                domains[host.removeprefix("www.")] += 1
        tags.update(t.lower() for t in post.hashtags)
        if post.kind != "repost":
            tokens = [w for w in words_of(post.text) if w not in STOPWORDS]
            words.update(tokens)
            pairs.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
        if post.reply_to_user_id:
            replied[id_to_handle.get(post.reply_to_user_id, post.reply_to_user_id)] += 1
        mentioned.update(m.lower() for m in post.mentions)
    ranked_pr = sorted(members, key=lambda i: -pagerank[i])[:TOP]
    ranked_bw = sorted(members, key=lambda i: -betweenness[i])[:TOP]

    def most(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(k, float(v)) for k, v in counter.most_common(TOP)]

    return {
        "urls": most(urls),
        "domains": most(domains),
        "hashtags": most(tags),
        "words": most(words),
        "word_pairs": most(pairs),
        "replied_to": most(replied),
        "mentioned": most(mentioned),
        "most_active": most(active),
        "pagerank": [(handles[i], round(pagerank[i], 6)) for i in ranked_pr],
        "betweenness": [(handles[i], round(betweenness[i], 2)) for i in ranked_bw],
    }


def _seed_in_and_bridges(
    g: ig.Graph, follows: Sequence[int], seed_flags: Sequence[bool], membership: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Per account: how many seeds follow it, and how many other communities it has links with (vectorised)."""
    n = g.vcount()
    if g.ecount() == 0:
        return [0] * n, [0] * n
    edges = np.array(g.get_edgelist(), dtype=np.int64)
    src, tgt = edges[:, 0], edges[:, 1]
    seeds = np.array(seed_flags, dtype=bool)
    mem = np.array(membership, dtype=np.int64)
    followed = (np.array(follows) > 0) & seeds[src]
    seed_in = np.bincount(tgt[followed], minlength=n)
    cross = mem[src] != mem[tgt]
    width = int(mem.max()) + 1
    keys = np.unique(np.concatenate([src[cross] * width + mem[tgt[cross]], tgt[cross] * width + mem[src[cross]]]))
    bridges = np.bincount(keys // width, minlength=n)
    return seed_in.tolist(), bridges.tolist()
