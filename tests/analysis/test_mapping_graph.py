"""The mapping graph: edges by kind, ranks, Leiden communities and their labels, bridges, figures and files."""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import igraph as ig
import pytest

from assistant.analysis.mapping.analyse import analyse
from assistant.analysis.mapping.graph import build_graph
from assistant.analysis.mapping.labels import guess_kind
from assistant.render import mapping_files
from integrations.normalized import NormalizedAccount, NormalizedPost

THEMES = (("college", "apprenticeships"), ("headteacher", "governors"), ("edtech", "coding"), ("wellbeing", "pastoral"))


def _world(seed: int = 1) -> tuple[list[NormalizedAccount], list[NormalizedPost], list[tuple[str, str]], list[str]]:
    """Four planted communities of 25 accounts, a bridge account `bridge` talking to all, 8 seeds."""
    rng = random.Random(seed)
    accounts = []
    for i in range(100):
        a, b = THEMES[i % 4]
        accounts.append(NormalizedAccount("x", str(i), f"u{i}", f"Person {i}", bio=f"{a} {b} views my own #{a}"))
    accounts.append(NormalizedAccount("x", "bridge", "bridge", "Bridge Network", bio="Our network links everyone"))
    follows = []
    for i in range(100):
        same = [j for j in range(100) if j % 4 == i % 4 and j != i]
        follows += [(str(i), str(j)) for j in rng.sample(same, 8)]
    follows += [(str(i), "bridge") for i in range(0, 100, 3)]
    follows += [("bridge", str(i)) for i in range(0, 100, 5)]
    seeds = [str(i) for i in range(8)]
    follows += [(s, "7") for s in seeds if s != "7"]  # every seed follows account 7
    at = datetime(2026, 11, 5, 21, tzinfo=UTC)
    posts = []
    for n in range(60):
        author = str(n % 100)
        posts.append(
            NormalizedPost(
                "x",
                f"p{n}",
                author,
                at + timedelta(minutes=n),
                f"Great session on {THEMES[n % 4][0]} @u{(n + 4) % 100} https://ex.org/{n % 3}",
                author_handle=f"u{author}",
                hashtags=[THEMES[n % 4][0]],
                mentions=[f"u{(n + 4) % 100}"],
                urls=[f"https://www.ex.org/{n % 3}"],
            )
        )
    posts.append(
        NormalizedPost("x", "r1", "1", at, "@u2 agreed", reply_to_user_id="2", kind="reply", reply_to_post_id="p2")
    )
    posts.append(NormalizedPost("x", "q1", "3", at, "look", quoted_post_id="p1", kind="quote"))
    return accounts, posts, follows, seeds


@pytest.fixture(scope="module")
def mapped():  # type: ignore[no-untyped-def]
    return build_graph(*_world())


def test_edges_are_weighted_by_kind(mapped) -> None:  # type: ignore[no-untyped-def]
    g = mapped.graph
    assert g.vcount() == 101
    index = mapped.index
    reply = g.es[g.get_eid(index["1"], index["2"])]
    assert reply["replies"] == 1
    quote = g.es[g.get_eid(index["3"], index["1"])]
    assert quote["quotes"] == 1
    assert all(e["weight"] == e["follows"] + e["mentions"] + e["replies"] + e["quotes"] for e in g.es)


def test_ranks_communities_labels_and_bridges(mapped) -> None:  # type: ignore[no-untyped-def]
    analysis = analyse(mapped)
    by_handle = {m.handle: m for m in analysis.accounts}
    assert by_handle["u7"].seed_in_degree == 7 and by_handle["u7"].why(analysis.seeds).startswith(
        "followed by 7 of 8 partners"
    )
    assert analysis.accounts[0].handle == "bridge"  # everyone points to it
    planted = [c for c in analysis.communities if c.size >= 20]
    assert len(planted) == 4
    themes = {c.words[0] if c.words else "" for c in planted} | {c.hashtags[0] for c in planted if c.hashtags}
    for a, b in THEMES:
        assert a in themes or b in themes
    for c in planted:  # every member of a planted community shares its theme
        members = {m.handle for m in analysis.accounts if m.community == c.number and m.handle != "bridge"}
        assert len({int(h[1:]) % 4 for h in members}) == 1
    assert "bridge" in analysis.bridges
    assert by_handle["bridge"].kind_guess == "organisation" and by_handle["u5"].kind_guess == "person"
    overall = analysis.overall
    assert overall["accounts"] == 101 and overall["edges_by_kind"]["replies"] == {"unique": 1, "total": 1}
    assert 0 < overall["density"] < 1 and overall["modularity"] > 0.4 and overall["connected_components"] == 1
    assert 0 <= overall["reciprocity"] <= 1
    top = analysis.top
    assert top["domains"][0][0] == "ex.org" and top["hashtags"][0][1] == 15
    assert top["most_active"][0][1] >= 1 and top["pagerank"][0][0] == "bridge"
    assert set(analysis.community_top) == {c.number for c in analysis.communities[:5]}
    assert analysis.betweenness_exact


def test_communities_rerun_with_a_chosen_number(mapped) -> None:  # type: ignore[no-untyped-def]
    two = analyse(mapped, wanted=2)
    assert len([c for c in two.communities if c.size >= 3]) == 2
    fine = analyse(mapped, resolution=5.0)
    assert len(fine.communities) > 4 and fine.resolution == 5.0


def test_guess_kind_is_a_guess_from_the_profile() -> None:
    assert guess_kind("Cardiff Council", "Official account. We run local services.") == "organisation"
    assert guess_kind("Siân Evans", "FE lecturer. Views my own.") == "person"


def test_files(mapped) -> None:  # type: ignore[no-untyped-def]
    analysis = analyse(mapped)
    rows = list(csv.DictReader(io.StringIO(mapping_files.accounts_csv(analysis).decode())))
    assert len(rows) == 101 and rows[0]["handle"] == "bridge" and rows[0]["kind_guess"] == "organisation (guess)"
    assert set(mapping_files.CSV_FIELDS) <= set(rows[0])

    fd, path = tempfile.mkstemp(suffix=".graphml")
    os.close(fd)
    try:
        with open(path, "wb") as fp:
            fp.write(mapping_files.graphml(mapped, analysis))
        back = ig.Graph.Read_GraphML(path)
    finally:
        os.unlink(path)
    assert back.vcount() == 101 and back.ecount() == mapped.graph.ecount() and "pagerank" in back.vs.attributes()

    root = ET.fromstring(mapping_files.gexf(mapped, analysis))
    ns = {"g": "http://gexf.net/1.3"}
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    assert len(root.findall("g:graph/g:nodes/g:node", ns)) == 101
    edges = root.findall("g:graph/g:edges/g:edge", ns)
    assert len(edges) == mapped.graph.ecount() and all(float(e.get("weight", "0")) >= 1 for e in edges)
    assert root.find("g:graph/g:nodes/g:node/{http://gexf.net/1.3/viz}color", ns) is not None

    png = mapping_files.picture(mapped, analysis)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_html_report_is_self_contained_and_escaped() -> None:
    accounts, posts, follows, seeds = _world()
    accounts[0] = NormalizedAccount("x", "0", "u0", "<script>alert(1)</script>", bio="college <b>x</b>")
    mapped = build_graph(accounts, posts, follows, seeds)
    analysis = analyse(mapped)
    html = mapping_files.html_report(
        title="Skills & <Wales>", analysis=analysis, slots=[], problems=["@gone not found"], picture_png=b"\x89PNG"
    )
    text = html.decode()
    assert "Skills &amp; &lt;Wales&gt;" in text and "<script>alert" not in text
    assert 'src="data:image/png;base64,' in text and "http://" not in text.replace("https://www.ex.org", "")
    assert "<link" not in text and "@gone not found" in text
