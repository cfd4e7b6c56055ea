"""A tagged reply to an outside post: the outside post is shown greyed above the reply in the archive and listed
under the JSON's context_posts, as context, and never counted; its other replies stay out. On the file path and on
the database path (made, remade and downloaded)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from assistant.analysis.digest.select import outside_parent_keys, select_chat
from assistant.cli.commands import app
from assistant.render.digest_files import schema
from assistant.render.digest_html import archive_html
from assistant.services.digests.files import file_content
from assistant.services.digests.make import make_digest, remake
from assistant.services.store.write import upsert_batch
from integrations.archives import read_archive
from tests.chat_shapes import END, HASHTAG, SHAPES, START, P, write_twarc2

# shape 12 of tests/chat_shapes.py (1301 by @out with three replies of its own; Q1 1305; ann's "A1 libraries #edchat"
# 1306 replying to 1301; bob's "Agreed" 1307 under it), the outside post an hour and a half before the chat
SHAPE = next(shape for shape in SHAPES if shape.name == "outside thread")
POSTS = [replace(p, minute=-90) if p.id == "1301" else p for p in SHAPE.posts]


def _context_of(page: str) -> list[str]:
    """Each greyed outside post of the archive, with the id of the post that follows it."""
    return re.findall(r'<div class="post outside">(.*?)</div></div>\n<div class="post[^"]*" id="p(\d+)"', page, re.S)


def _check_archive(page: str) -> None:
    (found,) = _context_of(page)  # once, just above ann's answer, which replies to it
    block, follows = found
    assert follows == "1306"
    assert "in reply to an outside post" in block and "@out" in block and "Big news about school funding" in block
    assert "Thu 12 Mar, 19:30" in block  # its day and time, in the archive's zone (UTC here)
    assert page.count("Big news about school funding") == 1
    for other in ("Finally", "Not enough", "Where from?"):  # its other replies are not the chat's
        assert other not in page


# the outside post as the JSON lists it: @out (account 300) at 19:30 UTC, replied to by ann's answer alone
OUTSIDE = {
    "platform": "x",
    "id": "1301",
    "author_id": "300",
    "author_handle": "out",
    "created_at": "2026-03-12T19:30:00+00:00",
    "text": "Big news about school funding",
    "url": "https://x.com/out/status/1301",
    "context_for": ["1306"],
}


def _check_figures(figures: dict[str, Any]) -> None:
    jsonschema.validate(figures, schema())
    # the chat: the question, ann's answer and bob's reply to it; the outside post counts nowhere
    assert figures["volume"]["posts"] == 3 and figures["volume"]["participants"] == 3
    assert figures["volume"]["replies"] == 2  # ann's and bob's; not fay's, gus's or hal's under the outside post
    (q1,) = figures["questions"]
    assert (q1["post_id"], q1["answers"], q1["answerers"]) == ("1305", 1, 1)
    assert figures["open_conversation"] == 1  # bob's untagged reply: no question above it
    assert "out" not in {c["handle"] for c in figures["top"]["contributors"]}
    assert "1301" not in {p["id"] for p in figures["top"]["engaged_posts"]}
    assert figures["context_posts"] == [OUTSIDE]  # ... but it is there, as the context of ann's answer


def test_the_outside_parent_of_a_chat_reply_is_known_and_not_a_chat_post(tmp_path: Path) -> None:
    posts = [p for c in read_archive(write_twarc2(tmp_path / "chat.jsonl", POSTS)) for p in c.batch.posts]
    chat = select_chat(posts, hashtag=HASHTAG, start=START, end=END)
    assert [p.id for p in chat] == ["1305", "1306", "1307"]
    assert outside_parent_keys(chat) == {("x", "1301")}


def test_file_path_archive(tmp_path: Path) -> None:
    path = write_twarc2(tmp_path / "chat.jsonl", POSTS)
    window = ["--from", "2026-03-12T21:00", "--to", "2026-03-12T22:00", "--tz", "UTC"]
    runner = CliRunner()
    html = runner.invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *window, "-f", "html"])
    assert html.exit_code == 0, html.output
    _check_archive(html.stdout)
    figures = runner.invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *window])
    assert figures.exit_code == 0, figures.output
    _check_figures(json.loads(figures.stdout))


def test_database_path_archive_made_and_remade(tmp_path: Path, engine: Engine) -> None:
    with engine.begin() as connection:
        for chunk in read_archive(write_twarc2(tmp_path / "chat.jsonl", POSTS)):
            upsert_batch(connection, chunk.batch)
    with Session(engine) as session:
        made = make_digest(session, hashtag=HASHTAG, start=START, end=END, host_handle="hosty")
        session.commit()
        assert set(made.result.outside_parents) == {("x", "1301")}  # read by id, although before the window
        _check_figures(made.result.figures)
        _check_archive(archive_html(made.result))
        assert made.digest is not None
        _check_figures(json.loads(file_content(session, made.digest, "json")))  # the stored document's download
        again = remake(session, made.digest)
    _check_archive(archive_html(again))


def test_context_posts_list_each_outside_parent_once_with_every_chat_reply_to_it(tmp_path: Path) -> None:
    # two tagged answers to @out's post (ann's at 21:06, cy's at 21:08) and one to @fay's reply under it (dee's at
    # 21:09, "&" as published), and a repost of ann's answer, which replies to nothing
    posts = [
        *POSTS,
        P("1308", "cy", "A1 buses #edchat", 8, reply="1301"),
        P("1309", "dee", "A1 books & time #edchat", 9, reply="1302"),
        P("1310", "eve", "RT A1 libraries", 10, repost="1306"),
    ]
    path = write_twarc2(tmp_path / "chat.jsonl", posts)
    window = ["--from", "2026-03-12T21:00", "--to", "2026-03-12T22:00", "--tz", "UTC"]
    done = CliRunner().invoke(app, ["digest", str(path), "--hashtag", HASHTAG, *window])
    assert done.exit_code == 0, done.output
    figures = json.loads(done.stdout)
    jsonschema.validate(figures, schema())
    fay = {
        "platform": "x",
        "id": "1302",
        "author_id": "301",
        "author_handle": "fay",
        "created_at": (START + timedelta(minutes=2)).isoformat(),
        "text": "Finally",
        "url": "https://x.com/fay/status/1302",
        "context_for": ["1309"],
    }
    assert figures["context_posts"] == [{**OUTSIDE, "context_for": ["1306", "1308"]}, fay]
    # counted: Q1, ann's, cy's and dee's answers, bob's reply and eve's repost (6 posts, 6 people); not @out, @fay
    assert (figures["volume"]["posts"], figures["volume"]["participants"]) == (6, 6)
    assert (figures["questions"][0]["answers"], figures["questions"][0]["answerers"]) == (3, 3)


def test_a_chat_without_outside_parents_lists_none(tmp_path: Path) -> None:
    plain = [p for p in POSTS if p.id in ("1305",)] + [P("1306", "ann", "A1 libraries #edchat", 6, reply="1305")]
    path = write_twarc2(tmp_path / "chat.jsonl", plain)
    done = CliRunner().invoke(app, ["digest", str(path), "--hashtag", HASHTAG])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["context_posts"] == []
