"""Benchmark the mapping engine: graph analysis vs networkx on the same graph, and a crawl vs the rate-limit floor.

    python benchmarks/mapping.py           # 50k accounts / 250k edges, 3 runs each (a few minutes)
    python benchmarks/mapping.py --full    # 200k accounts / 1M edges (the issue's target size)

Each measurement runs in a forked child (median of 3 runs); peak memory is the child's max RSS, so it
includes igraph's and networkx's C and Python allocations. networkx is a dev-only dependency.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

RUNS = 3


def planted_edges(n: int, m: int, communities: int, seed: int = 1) -> list[tuple[int, int]]:
    """A directed graph with planted communities: 85% of edges inside a community."""
    rng = np.random.default_rng(seed)
    member = rng.integers(0, communities, n)
    order = np.argsort(member, kind="stable")
    starts = np.searchsorted(member[order], np.arange(communities))
    sizes = np.bincount(member, minlength=communities)
    src = rng.integers(0, n, m)
    c = member[src]
    inside = order[starts[c] + (rng.random(m) * sizes[c]).astype(np.int64)]
    tgt = np.where(rng.random(m) < 0.85, inside, rng.integers(0, n, m))
    keep = src != tgt
    return list(zip(src[keep].tolist(), tgt[keep].tolist(), strict=True))


def _ours(n: int, m: int) -> dict[str, Any]:
    from assistant.analysis.mapping.analyse import analyse
    from assistant.analysis.mapping.graph import graph_from_edges
    from assistant.render import mapping_files

    edges = planted_edges(n, m, max(10, n // 2000))
    start = time.perf_counter()
    mapped = graph_from_edges(n, edges, seeds=list(range(12)))
    analysis = analyse(mapped)
    mapping_files.accounts_csv(analysis)
    mapping_files.html_report(title="benchmark", analysis=analysis, slots=[], problems=[], picture_png=None)
    return {
        "seconds": time.perf_counter() - start,
        "communities": analysis.overall["communities"],
        "modularity": analysis.overall["modularity"],
    }


def _ours_core(n: int, m: int) -> dict[str, Any]:
    """The same two steps networkx does: PageRank and communities (igraph + Leiden)."""
    from assistant.analysis.mapping.communities import communities
    from assistant.analysis.mapping.graph import graph_from_edges

    edges = planted_edges(n, m, max(10, n // 2000))
    start = time.perf_counter()
    g = graph_from_edges(n, edges).graph
    g.pagerank(weights="weight")
    _membership, modularity, _ = communities(g)
    return {"seconds": time.perf_counter() - start, "modularity": modularity}


def _networkx(n: int, m: int) -> dict[str, Any]:
    import networkx as nx

    edges = planted_edges(n, m, max(10, n // 2000))
    start = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    nx.pagerank(g)
    found = nx.community.louvain_communities(g.to_undirected(), seed=1)
    modularity = nx.community.modularity(g.to_undirected(), found)
    return {"seconds": time.perf_counter() - start, "modularity": modularity}


def _crawl(seeds: int, follows_each: int) -> dict[str, Any]:
    """Crawl the fake X (following pages: 15 per 15-minute window) on a fast clock; compare to the floor."""
    import tempfile
    from pathlib import Path

    import httpx

    from assistant import migrate
    from assistant.config import Settings
    from assistant.db import create_db_engine, session_scope
    from assistant.models.base import require_id
    from assistant.samples.network import synthetic_world
    from assistant.services.mapping import crawl, requests
    from assistant.services.team.workspaces import ensure_workspace
    from assistant.standins.x_graph import DEFAULT_LIMITS, FakeClock, FakeXGraph
    from integrations.x.client import XClient

    world = synthetic_world(1, accounts=max(seeds * 2, 3000), partners=seeds, follows_each=20, chat_weeks=0)
    everyone = list(world.users)
    for number, handle in enumerate(world.seeds):  # each partner follows `follows_each` accounts
        user = world.by_username(handle)
        assert user is not None
        world.following[user["id"]] = [everyone[(number * 37 + k) % len(everyone)] for k in range(follows_each)]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        engine = create_db_engine(url)
        clock = FakeClock()
        fake = FakeXGraph(world, clock=clock.now)
        settings = Settings(database_url=url, x_bearer_token="bench")
        client = XClient(
            httpx.Client(transport=fake.transport), settings.x_config(), clock=clock.now, sleep=clock.sleep
        )
        with session_scope(engine) as session:
            workspace = ensure_workspace(session, slack_team_id="T")
            request = requests.create(
                session,
                workspace_id=require_id(workspace),
                requester_id="U",
                data=requests.RequestInput(title="b", seeds=tuple(world.seeds)),
            )
            request.budget_calls, request.budget_money = 100_000, 1e9
            crawl.approve(session, request, strategy="follows", by="bench", now=clock.now())
            rid = request.id
        assert rid is not None
        begin, wall = clock.now(), time.perf_counter()
        while True:
            result = crawl.run_crawl(engine, rid, client, now=clock.now)
            if result.status != "waiting" or result.until is None:
                break
            clock.set(result.until)
        simulated = (clock.now() - begin).total_seconds()
        pages = len(fake.calls_to("GET /2/users/{id}/following"))
        per_window = DEFAULT_LIMITS["GET /2/users/{id}/following"]
        floor = (math.ceil(pages / per_window) - 1) * 15 * 60
        return {
            "seconds": time.perf_counter() - wall,
            "simulated": simulated,
            "floor": floor,
            "pages": pages,
            "calls": len(fake.calls),
            "repeated": len(fake.calls) - len({(c.path, tuple(sorted(c.params.items()))) for c in fake.calls}),
        }


def _child(fn: Callable[..., dict[str, Any]], args: tuple[Any, ...], queue: Any) -> None:
    try:
        result = fn(*args)
    except BaseException as exc:  # report instead of leaving the parent waiting
        queue.put({"error": f"{type(exc).__name__}: {exc}"})
        raise
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def measure(fn: Callable[..., dict[str, Any]], *args: Any, runs: int = RUNS) -> dict[str, Any]:
    context = mp.get_context("fork")
    results = []
    for _ in range(runs):
        queue = context.Queue()
        process = context.Process(target=_child, args=(fn, args, queue))
        process.start()
        result = queue.get()
        process.join()
        if "error" in result:
            raise SystemExit(f"{fn.__name__} failed: {result['error']}")
        results.append(result)
    out = dict(results[0])
    out["seconds"] = statistics.median(r["seconds"] for r in results)
    out["peak_mb"] = max(r["peak_mb"] for r in results)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200k accounts / 1M edges (slow: networkx takes minutes)")
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args(argv)
    n, m = (200_000, 1_000_000) if options.full else (50_000, 250_000)
    print(f"Mapping benchmark: {n:,} accounts, {m:,} edges (planted communities); median of {options.runs} runs")
    ours = measure(_ours, n, m, runs=options.runs)
    core = measure(_ours_core, n, m, runs=options.runs)
    ref = measure(_networkx, n, m, runs=options.runs)
    print()
    print(f"{'step':<58} {'median s':>9} {'peak MB':>9} {'modularity':>11}")
    print(
        f"{'outreach: PageRank+betweenness+Leiden+labels+CSV+HTML':<58} {ours['seconds']:>9.2f} {ours['peak_mb']:>9.0f} {ours['modularity']:>11.3f}"
    )
    print(
        f"{'outreach: PageRank + Leiden (igraph/leidenalg)':<58} {core['seconds']:>9.2f} {core['peak_mb']:>9.0f} {core['modularity']:>11.3f}"
    )
    print(
        f"{'networkx: PageRank + Louvain (reference)':<58} {ref['seconds']:>9.2f} {ref['peak_mb']:>9.0f} {ref['modularity']:>11.3f}"
    )
    print(
        f"speed-up on the same steps: {ref['seconds'] / core['seconds']:.1f}x (target >= 10x); "
        f"whole analysis {ours['seconds']:.1f}s (target < 10 s), peak {ours['peak_mb']:.0f} MB (target < 2048)"
    )
    seeds = 60 if options.full else 30
    crawl = measure(_crawl, seeds, 2500, runs=options.runs)
    ratio = crawl["simulated"] / crawl["floor"] if crawl["floor"] else float("nan")
    print()
    print(
        f"Crawl of the fake X: {seeds} seeds x 2,500 follows = {crawl['pages']} following pages, {crawl['calls']} calls, "
        f"{crawl['repeated']} repeated"
    )
    print(f"{'':<30} {'clock (simulated)':>18} {'rate-limit floor':>17} {'ratio':>7} {'wall s':>8}")
    print(
        f"{'follows crawl':<30} {crawl['simulated'] / 60:>15.1f} min {crawl['floor'] / 60:>13.1f} min {ratio:>7.3f} {crawl['seconds']:>8.2f}"
    )
    print("target: clock time within 10% of the floor (ratio <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
