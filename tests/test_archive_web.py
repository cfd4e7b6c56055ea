"""The archive route: a stored digest's HTML, CSV and JSON at its unguessable link; anything else is 404."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jsonschema
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.archive_web import archive_routes
from assistant.render.digest_files import schema
from assistant.samples.chat_files import write_chat
from assistant.services.digests.make import make_digest
from assistant.services.store.write import upsert_batch
from assistant.web import create_wsgi_app
from integrations.archives import read_archive
from tests.fakes.slack import harness

START = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def _stored_digest(engine: Engine, tmp_path: Path) -> str:
    buffer = io.BytesIO()
    write_chat(buffer, 80, 2)
    (tmp_path / "c.jsonl").write_bytes(buffer.getvalue())
    with engine.begin() as connection:
        for chunk in read_archive(tmp_path / "c.jsonl"):
            upsert_batch(connection, chunk.batch)
    with Session(engine) as session:
        made = make_digest(
            session, hashtag="edchat", start=START, end=START + timedelta(hours=1), timezone="Europe/London"
        )
        session.commit()
        assert made.digest is not None
        return made.digest.token


def test_archive_links_serve_the_digest(engine: Engine, sqlite_url: str, tmp_path: Path) -> None:
    token = _stored_digest(engine, tmp_path)
    with harness(engine, sqlite_url) as app:
        wsgi = create_wsgi_app(app.bolt, engine, archive_routes(engine))
        with httpx.Client(transport=httpx.WSGITransport(app=wsgi), base_url="http://outreach.test") as http:
            page = http.get(f"/archive/{token}")
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-robots-tag"].startswith("noindex") and "#edchat" in page.text
            # served part by part: the length announced is the whole page's, and the page is whole
            assert int(page.headers["content-length"]) == len(page.content) > 10_000
            assert page.text.rstrip().endswith("</html>") and page.text.count('<div class="post') > 70
            document = http.get(f"/archive/{token}.json").json()
            jsonschema.validate(document, schema())
            assert document["volume"]["posts"] > 70
            rows = http.get(f"/archive/{token}.csv").text.strip().splitlines()
            assert len(rows) == document["volume"]["posts"] + 1
            assert http.get("/archive/not-a-token").status_code == 404
            assert http.get(f"/archive/{token}.exe").status_code == 404
            assert http.get(f"/archive/{token[:-1]}").status_code == 404
            assert http.get("/healthz").status_code == 200  # the other routes still answer
