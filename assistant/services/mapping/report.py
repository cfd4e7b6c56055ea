"""From a crawled mapping to its report: load the graph, analyse, find recurring chats, store every file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.analysis.mapping.analyse import analyse
from assistant.analysis.mapping.graph import MapGraph, build_graph
from assistant.analysis.mapping.results import Analysis
from assistant.analysis.recurring import RecurringSlot, detect_recurring_chats
from assistant.db import session_scope
from assistant.models.mapping import CrawlState, MappingArtefact, MappingRequest
from assistant.models.platforms import Platform
from assistant.models.posts import FollowEdge, Post
from assistant.render import mapping_files
from assistant.services.mapping.members import member_ids
from assistant.services.store.read import get_accounts, row_to_post
from integrations.normalized import NormalizedPost

FORMATS = ("html", "csv", "graphml", "gexf", "png")
MEDIA = {
    "html": "text/html",
    "csv": "text/csv",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "png": "image/png",
    "json": "application/json",
}


@dataclass(slots=True)
class Report:
    request_id: int
    title: str
    analysis: Analysis
    slots: list[RecurringSlot]
    problems: list[str]


def load_graph(session: Session, request_id: int) -> MapGraph:
    """The mapping's accounts, posts and the follow edges among them, as a MapGraph."""
    accounts_ids = member_ids(session, request_id, "account") | member_ids(session, request_id, "seed")
    seeds = member_ids(session, request_id, "seed")
    post_ids = sorted(member_ids(session, request_id, "post"))
    accounts = get_accounts(session, [("x", i) for i in accounts_ids])
    post_table = Post.__table__  # type: ignore[attr-defined]
    posts: list[NormalizedPost] = []
    connection = session.connection()
    for start in range(0, len(post_ids), 500):
        chunk = post_ids[start : start + 500]
        rows = connection.execute(
            sa.select(post_table).where(post_table.c.platform == Platform.x, post_table.c.id.in_(chunk))
        )
        posts.extend(row_to_post(row) for row in rows.mappings())
    edge_table = FollowEdge.__table__  # type: ignore[attr-defined]
    follows: list[tuple[str, str]] = []
    seed_list = sorted(seeds)
    for start in range(0, len(seed_list), 500):
        rows = connection.execute(
            sa.select(edge_table.c.source_id, edge_table.c.target_id).where(
                edge_table.c.platform == Platform.x, edge_table.c.source_id.in_(seed_list[start : start + 500])
            )
        )
        follows.extend((s, t) for s, t in rows if t in accounts_ids)
    posts.sort(key=lambda p: p.created_at)
    return build_graph(accounts, posts, follows, seeds)


def make_report(
    engine: Engine, request_id: int, *, resolution: float | None = None, wanted: int | None = None
) -> Report:
    """Analyse the crawled data and store the files; re-running with a resolution or number needs no crawl."""
    with session_scope(engine) as session:
        request = session.get(MappingRequest, request_id)
        if request is None:
            raise ValueError(f"no mapping request {request_id}")
        if resolution is not None:
            request.resolution = resolution
        if wanted is not None:
            request.communities_wanted = wanted
        mapped = load_graph(session, request_id)
        title, tz, problems = request.title, request.timezone, list(request.problems)
        res, want = request.resolution or 1.0, request.communities_wanted
    analysis = analyse(mapped, resolution=res, wanted=want)
    rows = [(t.lower(), p.created_at, p.author_id, p.text) for p in mapped.posts for t in p.hashtags]
    slots = detect_recurring_chats(rows, tz=tz)
    handles = (
        dict(zip(mapped.graph.vs["name"], mapped.graph.vs["handle"], strict=True)) if mapped.graph.vcount() else {}
    )
    for slot in slots:
        slot.organisers = [handles.get(o, o) for o in slot.organisers]
    png = mapping_files.picture(mapped, analysis)
    files = {
        "json": json.dumps(
            {"analysis": analysis.to_dict(), "slots": [_slot_dict(s) for s in slots]}, default=str
        ).encode(),
        "csv": mapping_files.accounts_csv(analysis),
        "graphml": mapping_files.graphml(mapped, analysis),
        "gexf": mapping_files.gexf(mapped, analysis),
        "png": png,
        "html": mapping_files.html_report(
            title=title, analysis=analysis, slots=slots, problems=problems, picture_png=png
        ),
    }
    with session_scope(engine) as session:
        for kind, content in files.items():
            found = session.exec(
                select(MappingArtefact).where(MappingArtefact.request_id == request_id, MappingArtefact.kind == kind)
            ).first()
            if found is None:
                session.add(MappingArtefact(request_id=request_id, kind=kind, content=content))
            else:
                found.content = content
                session.add(found)
        request = session.get(MappingRequest, request_id)
        assert request is not None
        if request.crawl_state == CrawlState.analysing:
            request.crawl_state = CrawlState.done
        session.add(request)
    return Report(request_id, title, analysis, slots, problems)


def _slot_dict(slot: RecurringSlot) -> dict[str, Any]:
    data = asdict(slot)
    data["describe"] = slot.describe()
    return data


def artefact(session: Session, request_id: int, kind: str) -> bytes | None:
    found = session.exec(
        select(MappingArtefact).where(MappingArtefact.request_id == request_id, MappingArtefact.kind == kind)
    ).first()
    return None if found is None else found.content


def stored_report(session: Session, request_id: int) -> Report | None:
    """The last made report's analysis and slots (from the json artefact), without recomputing."""
    raw = artefact(session, request_id, "json")
    request = session.get(MappingRequest, request_id)
    if raw is None or request is None:
        return None
    data = json.loads(raw)
    slots = [
        RecurringSlot(
            hashtag=s["hashtag"],
            weekday=s["weekday"],
            start=_time(s["start"]),
            end=_time(s["end"]),
            tz=s["tz"],
            weeks_seen=s["weeks_seen"],
            weeks_observed=s["weeks_observed"],
            typical_posts=s["typical_posts"],
            typical_participants=s["typical_participants"],
            organisers=s["organisers"],
        )
        for s in data["slots"]
    ]
    return Report(request_id, request.title, Analysis.from_dict(data["analysis"]), slots, list(request.problems))


def _time(value: str) -> Any:
    from datetime import time

    return time.fromisoformat(value)
