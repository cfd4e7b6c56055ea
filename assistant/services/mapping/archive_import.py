"""Map from an imported archive instead of live X: the archive's posts on the request's hashtags, keywords or seeds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from assistant.db import session_scope
from assistant.models.base import utcnow
from assistant.models.mapping import CrawlState, MappingRequest
from assistant.services.mapping.crawl import MappingInputError, check_inputs
from assistant.services.mapping.members import add_members, record_members
from assistant.services.store.write import upsert_batch
from integrations.normalized import Batch


def import_archive(engine: Engine, request_id: int, path: Path) -> int:
    """Map from an imported archive instead of live X: posts on the request's hashtags/keywords or by its seeds."""
    from integrations.archives import read_archive

    with session_scope(engine) as session:
        request = session.get(MappingRequest, request_id)
        if request is None:
            raise MappingInputError(f"no mapping request {request_id}")
        check_inputs(request)
        tags = {h.lstrip("#").lower() for h in request.hashtags}
        words = [k.lower() for k in request.keywords]
        seeds = {s.lstrip("@").lower() for s in request.seeds}
    kept = 0
    pending = Batch()

    def flush() -> None:
        if not pending.posts:
            return
        with session_scope(engine) as session:
            upsert_batch(session, pending)
            record_members(session, request_id, "search", pending)
            add_members(session, request_id, "seed", [a.id for a in pending.accounts if a.handle.lower() in seeds])
        pending.posts.clear()
        pending.accounts.clear()

    for chunk in read_archive(path):
        batch = chunk.batch
        posts = [
            p
            for p in batch.posts
            if tags & {t.lower() for t in p.hashtags}
            or any(w in p.text.lower() for w in words)
            or p.author_handle.lower() in seeds
        ]
        if not posts:
            continue
        wanted = {p.author_id for p in posts}
        pending.posts.extend(posts)
        pending.accounts.extend(a for a in batch.accounts if a.id in wanted or a.handle.lower() in seeds)
        kept += len(posts)
        if len(pending.posts) >= 2000:
            flush()
    flush()
    with session_scope(engine) as session:
        request = session.get(MappingRequest, request_id)
        assert request is not None
        request.source = f"archive:{path}"
        request.crawl_state = CrawlState.analysing
        request.next_run_at = utcnow()
        if not kept:
            request.problems = [
                *request.problems,
                f"No posts in {Path(path).name} match the request's hashtags, keywords or seeds.",
            ]
        session.add(request)
    return kept
