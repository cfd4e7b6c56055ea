"""Mapping files: CSV of accounts, GraphML (igraph), GEXF 1.3, the network picture (PNG) and the HTML report.

GEXF: igraph writes GraphML but not GEXF, and networkx (which writes GEXF 1.2draft) is not a runtime
dependency, so GEXF 1.3 is written here with the standard library's XML writer.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

import igraph as ig

from assistant.analysis.mapping.graph import EDGE_KINDS, MapGraph
from assistant.analysis.mapping.results import AccountMetrics, Analysis
from assistant.analysis.recurring import RecurringSlot
from assistant.render.environment import render

CSV_FIELDS = (
    "id",
    "handle",
    "display_name",
    "kind_guess",
    "is_seed",
    "followers",
    "posts",
    "seed_in_degree",
    "in_degree",
    "out_degree",
    "pagerank",
    "betweenness",
    "community",
    "bridges",
)
PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#b2df8a", "#fb9a99",
)  # fmt: skip
GEXF_NS = "http://gexf.net/1.3"


def accounts_csv(analysis: Analysis) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    guess = {"organisation": "organisation (guess)", "person": "person (guess)"}
    writer.writerows(
        (
            m.id, m.handle, m.display_name, guess[m.kind_guess], m.is_seed, m.followers, m.posts, m.seed_in_degree,
            m.in_degree, m.out_degree, m.pagerank, m.betweenness, m.community, m.bridges,
        )
        for m in analysis.accounts
    )  # fmt: skip
    return out.getvalue().encode("utf-8")


def _export_graph(mapped: MapGraph, analysis: Analysis) -> ig.Graph:
    g = mapped.graph.copy()
    by_id = {m.id: m for m in analysis.accounts}
    names = g.vs["name"]
    for attr in ("pagerank", "betweenness", "community", "seed_in_degree", "kind_guess"):
        g.vs[attr] = [getattr(by_id[name], attr) for name in names]
    g.vs["is_seed"] = [int(flag) for flag in g.vs["is_seed"]]
    g.vs["label"] = g.vs["handle"]
    return g


def graphml(mapped: MapGraph, analysis: Analysis) -> bytes:
    g = _export_graph(mapped, analysis)
    fd, path = tempfile.mkstemp(suffix=".graphml")
    os.close(fd)
    try:
        g.write_graphml(path)
        with open(path, "rb") as fp:
            return fp.read()
    finally:
        os.unlink(path)


def gexf(mapped: MapGraph, analysis: Analysis) -> bytes:
    """GEXF 1.3 (directed, static) with node and edge attributes and community colours (viz)."""
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("viz", "http://gexf.net/1.3/viz")
    root = ET.Element(f"{{{GEXF_NS}}}gexf", {"version": "1.3"})
    meta = ET.SubElement(root, f"{{{GEXF_NS}}}meta")
    ET.SubElement(meta, f"{{{GEXF_NS}}}creator").text = "Outreach Assistant"
    graph = ET.SubElement(root, f"{{{GEXF_NS}}}graph", {"defaultedgetype": "directed", "mode": "static"})
    node_attrs = (
        ("handle", "string"),
        ("followers", "integer"),
        ("posts", "integer"),
        ("seed_in_degree", "integer"),
        ("pagerank", "double"),
        ("betweenness", "double"),
        ("community", "integer"),
        ("kind_guess", "string"),
        ("is_seed", "boolean"),
    )
    attrs = ET.SubElement(graph, f"{{{GEXF_NS}}}attributes", {"class": "node"})
    for i, (name, kind) in enumerate(node_attrs):
        ET.SubElement(attrs, f"{{{GEXF_NS}}}attribute", {"id": str(i), "title": name, "type": kind})
    edge_attrs = ET.SubElement(graph, f"{{{GEXF_NS}}}attributes", {"class": "edge"})
    for i, name in enumerate(EDGE_KINDS):
        ET.SubElement(edge_attrs, f"{{{GEXF_NS}}}attribute", {"id": str(i), "title": name, "type": "integer"})
    nodes = ET.SubElement(graph, f"{{{GEXF_NS}}}nodes")
    by_id = {m.id: m for m in analysis.accounts}
    g = mapped.graph
    for name, label in zip(g.vs["name"], g.vs["handle"], strict=True):
        m = by_id[name]
        node = ET.SubElement(nodes, f"{{{GEXF_NS}}}node", {"id": name, "label": label})
        values = ET.SubElement(node, f"{{{GEXF_NS}}}attvalues")
        for i, (attr, kind) in enumerate(node_attrs):
            value: Any = getattr(m, attr)
            text = str(value).lower() if kind == "boolean" else str(value)
            ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": str(i), "value": text})
        r, gr, b = _rgb(PALETTE[m.community % len(PALETTE)])
        ET.SubElement(node, "{http://gexf.net/1.3/viz}color", {"r": str(r), "g": str(gr), "b": str(b)})
    edges = ET.SubElement(graph, f"{{{GEXF_NS}}}edges")
    names = g.vs["name"]
    kinds = {kind: g.es[kind] for kind in EDGE_KINDS} if g.ecount() else {}
    weights = g.es["weight"] if g.ecount() else []
    for index, (s, t) in enumerate(g.get_edgelist()):
        edge = ET.SubElement(
            edges,
            f"{{{GEXF_NS}}}edge",
            {"id": str(index), "source": names[s], "target": names[t], "weight": f"{weights[index]:g}"},
        )
        values = ET.SubElement(edge, f"{{{GEXF_NS}}}attvalues")
        for i, kind in enumerate(EDGE_KINDS):
            ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": str(i), "value": str(kinds[kind][index])})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def picture(mapped: MapGraph, analysis: Analysis, *, max_nodes: int = 1500, labelled: int = 10) -> bytes:
    """A PNG of the network: the top `max_nodes` accounts by PageRank, coloured by community, top ones labelled."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    g = mapped.graph
    by_id = {m.id: m for m in analysis.accounts}
    keep_ids = {m.id for m in analysis.accounts[:max_nodes]}
    keep = [v.index for v in g.vs if v["name"] in keep_ids]
    sub = g.induced_subgraph(keep)
    layout = sub.layout_fruchterman_reingold(niter=300, seed=None) if sub.vcount() else None
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    ax.set_axis_off()
    if layout is not None:
        coords = layout.coords
        for s, t in sub.get_edgelist():
            ax.plot(
                [coords[s][0], coords[t][0]], [coords[s][1], coords[t][1]], color="#bbbbbb", linewidth=0.3, zorder=1
            )
        metrics = [by_id[name] for name in sub.vs["name"]]
        top = max((m.pagerank for m in metrics), default=1.0) or 1.0
        ax.scatter(
            [c[0] for c in coords],
            [c[1] for c in coords],
            s=[20 + 400 * m.pagerank / top for m in metrics],
            c=[PALETTE[m.community % len(PALETTE)] for m in metrics],
            edgecolors="white",
            linewidths=0.5,
            zorder=2,
        )
        ranked = sorted(range(len(metrics)), key=lambda i: -metrics[i].pagerank)[:labelled]
        for i in ranked:
            ax.annotate(
                f"@{metrics[i].handle}", coords[i], fontsize=8, zorder=3, xytext=(4, 4), textcoords="offset points"
            )
    ax.set_title("Network map: communities coloured, top accounts labelled")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def html_report(
    *,
    title: str,
    analysis: Analysis,
    slots: Sequence[RecurringSlot],
    problems: Sequence[str],
    picture_png: bytes | None,
) -> bytes:
    import base64

    image = base64.b64encode(picture_png).decode("ascii") if picture_png else ""
    top_accounts: list[AccountMetrics] = analysis.accounts[:10]
    return render(
        "mapping/report.html",
        title=title,
        analysis=analysis,
        top_accounts=top_accounts,
        slots=slots,
        problems=problems,
        image=image,
        labels={c.number: c.label for c in analysis.communities},
    ).encode("utf-8")
