"""The mapping graph: accounts and weighted follow/mention/reply/quote edges, ranked and split into communities."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import igraph as ig
import leidenalg
import numpy as np

from integrations.normalized import NormalizedAccount, NormalizedPost

EDGE_KINDS = ("follows", "mentions", "replies", "quotes")
EXACT_BETWEENNESS_MAX = 5_000  # above this many accounts, betweenness is computed among the top CORE by PageRank
BETWEENNESS_CORE = 3_000
LEIDENALG_MAX = 5_000  # above this many accounts, igraph's own (C) Leiden runs instead of leidenalg (much faster)
TOP = 10
_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]{2,}")
_TOKEN = re.compile(r"[a-z/']+")
_WE = re.compile(r"\b(we|our)\b")
_PERSON_NAME = re.compile(r"[A-Z][a-zà-ÿ'-]+ [A-Z][a-zà-ÿ'-]+")
_HASHTAG = re.compile(r"#(\w+)")
_LINKS_AND_TAGS = re.compile(r"https?://\S+|[@#]\w+")
STOPWORDS = frozenset(
    """the and for are but not you all any can had her was one our out day get has him his how man new now old see
    two way who boy did its let put say she too use with this that from your have will they them then than been were
    what when where which while into just like more some such only over also very about after again their there these
    those would could should views own my me we us is it in on of to at by an or as be if so no rt amp https http tco
    i'm it's we're you're don't can't""".split()
)
_ORG_WORDS = frozenset(
    """official council university school college department ministry charity trust agency news institute association
    network foundation ltd limited group team service services nhs gov government office board society federation
    union centre center academy committee authority museum library partnership alliance campaign inc org""".split()
)
_PERSON_WORDS = frozenset(
    """views my own mum dad mother father wife husband she/her he/him they/them teacher lecturer researcher student
    fan lover writer i'm i am personal""".split()
)


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


# Analysis ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class AccountMetrics:
    id: str
    handle: str
    display_name: str
    followers: int
    posts: int
    seed_in_degree: int
    in_degree: int
    out_degree: int
    pagerank: float
    betweenness: float
    community: int
    kind_guess: str
    is_seed: bool
    bridges: int = 0

    def why(self, seeds: int) -> str:
        """Why this account is on the list, in a few words."""
        parts = []
        if self.seed_in_degree:
            parts.append(f"followed by {self.seed_in_degree} of {seeds} partners")
        if self.posts:
            parts.append(f"{self.posts} posts in the data")
        if self.bridges >= 2:
            parts.append(f"links {self.bridges + 1} communities")
        parts.append(f"{self.in_degree} accounts point to it")
        return "; ".join(parts)


@dataclass(slots=True)
class Community:
    number: int
    size: int
    label: str
    words: list[str]
    hashtags: list[str]
    top_accounts: list[str]  # handles by PageRank


@dataclass(slots=True)
class Analysis:
    """Everything the report shows; plain data, JSON-friendly through `to_dict`."""

    accounts: list[AccountMetrics]  # sorted by PageRank, highest first
    communities: list[Community]  # largest first
    overall: dict[str, Any]
    top: dict[str, list[tuple[str, float]]]  # whole graph
    community_top: dict[int, dict[str, list[tuple[str, float]]]]
    bridges: list[str]  # handles
    seeds: int
    betweenness_exact: bool
    resolution: float

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            accounts=[AccountMetrics(**a) for a in data["accounts"]],
            communities=[Community(**c) for c in data["communities"]],
            overall=data["overall"],
            top={k: [tuple(x) for x in v] for k, v in data["top"].items()},
            community_top={
                int(n): {k: [tuple(x) for x in v] for k, v in lists.items()}
                for n, lists in data["community_top"].items()
            },
            bridges=data["bridges"],
            seeds=data["seeds"],
            betweenness_exact=data["betweenness_exact"],
            resolution=data["resolution"],
        )


def communities(
    graph: ig.Graph, *, resolution: float = 1.0, wanted: int | None = None, seed: int = 42
) -> tuple[list[int], float, float]:
    """Leiden communities on the undirected weighted graph: (membership, modularity, resolution used).

    With `wanted`, the resolution is searched (bisection) so that about that many communities of
    at least 3 accounts come out.
    """
    undirected = graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"})

    weights = "weight" if undirected.ecount() else None

    def run(res: float) -> tuple[list[int], float]:
        if undirected.vcount() > LEIDENALG_MAX:
            found = undirected.community_leiden(
                objective_function="modularity", weights=weights, resolution=res, n_iterations=2
            )
            return list(found.membership), undirected.modularity(found.membership, weights=weights)
        part = leidenalg.find_partition(
            undirected,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight" if undirected.ecount() else None,
            resolution_parameter=res,
            seed=seed,
        )
        membership = list(part.membership)
        return membership, undirected.modularity(membership, weights="weight" if undirected.ecount() else None)

    if wanted is None:
        membership, modularity = run(resolution)
        return _renumber(membership), modularity, resolution
    low, high, best = 0.0001, 50.0, None
    for _ in range(18):
        res = math.sqrt(low * high)
        membership, modularity = run(res)
        size = sum(1 for n in Counter(membership).values() if n >= 3)
        if best is None or abs(size - wanted) < abs(best[0] - wanted):
            best = (size, membership, modularity, res)
        if size == wanted:
            break
        if size < wanted:
            low = res
        else:
            high = res
    assert best is not None
    return _renumber(best[1]), best[2], best[3]


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


def _renumber(membership: list[int]) -> list[int]:
    """Community 0 is the largest."""
    order = {c: i for i, (c, _) in enumerate(Counter(membership).most_common())}
    return [order[c] for c in membership]


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
    community_hashtags = _hashtags_by_author(mapped.posts)
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
                    words.update(set(_words(bios[i])))
                    tags.update(t.lower() for t in _HASHTAG.findall(bios[i]))
                if names[i] in community_hashtags:
                    tags.update(community_hashtags[names[i]])
            bio_counts[c], tag_counts[c] = words, tags
            bio_counts_all.update(words)
            tag_counts_all.update(tags)
    for c in sorted(by_community, key=lambda c: -len(by_community[c])):
        members = by_community[c]
        if len(found) >= max(largest, 20) or len(members) < 3 and found:
            break
        word_list = _distinctive(bio_counts.get(c, Counter()), bio_counts_all, len(members), n)
        tag_list = _distinctive(tag_counts.get(c, Counter()), tag_counts_all, len(members), n)
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
            tokens = [w for w in _words(post.text) if w not in STOPWORDS]
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


def guess_kind(name: str, bio: str) -> str:
    """'organisation' or 'person' from the profile text: a guess, always shown as one."""
    if not name and not bio:
        return "person"
    text = f"{name} {bio}".lower()
    tokens = set(_TOKEN.findall(text))
    org = len(tokens & _ORG_WORDS) + (2 if _WE.search(text) else 0)
    person = len(tokens & _PERSON_WORDS) + (2 if "views my own" in text or "views are my own" in text else 0)
    if _PERSON_NAME.fullmatch(name.strip()):
        person += 1
    return "organisation" if org > person else "person"


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


def _words(text: str) -> list[str]:
    text = _LINKS_AND_TAGS.sub(" ", text.lower())
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def _hashtags_by_author(posts: Iterable[NormalizedPost]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for post in posts:
        out[post.author_id].update({t.lower() for t in post.hashtags})
    return out


def _distinctive(inside: Counter[str], everywhere: Counter[str], size: int, total: int) -> list[str]:
    """Terms used by at least two members, ranked by how much more often the community uses them."""
    scored = []
    for term, count in inside.items():
        if count < 2:
            continue
        share_in = count / max(size, 1)
        share_all = (everywhere[term] + 1) / (total + 1)
        scored.append((share_in * math.log(share_in / share_all + 1), term))
    return [term for _, term in sorted(scored, reverse=True)]
