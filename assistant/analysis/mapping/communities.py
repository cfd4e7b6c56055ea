"""Leiden communities of the mapping graph, with a resolution search for a wanted number of them."""

from __future__ import annotations

import math
from collections import Counter

import igraph as ig
import leidenalg

LEIDENALG_MAX = 5_000  # above this many accounts, igraph's own (C) Leiden runs instead of leidenalg (much faster)


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


def _renumber(membership: list[int]) -> list[int]:
    """Community 0 is the largest."""
    order = {c: i for i, (c, _) in enumerate(Counter(membership).most_common())}
    return [order[c] for c in membership]
