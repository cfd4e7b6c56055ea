"""The digest's open formats: the JSON document (schema digest-3) and a CSV of every post."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from assistant.analysis.digest.build import SCHEMA_VERSION
from assistant.models.posts import THREAD_AND_COUNT_COLUMNS
from assistant.render.csv_cells import safe_cell, thread_and_count_cells
from integrations.normalized import NormalizedPost

CSV_COLUMNS = (
    "platform",
    "id",
    "created_at_utc",
    "created_at_local",
    "author_id",
    "author_handle",
    "kind",
    "question",
    "via_conversation",
    "text",
    "lang",
    "reply_to_post_id",
    *THREAD_AND_COUNT_COLUMNS,
    "url",
)


@cache
def schema(version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema of a digest document version (assistant/data/digest-<version>.schema.json); the
    current one by default, older ones for digests stored before."""
    text = resources.files("assistant").joinpath(f"data/digest-{version}.schema.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def to_json(figures: dict[str, Any], posts: Iterable[dict[str, Any]] | None = None) -> bytes:
    """The document as pretty JSON; with `posts`, every post is included under "posts"."""
    document = dict(figures)
    if posts is not None:
        document["posts"] = list(posts)
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def to_csv(
    posts: Iterable[NormalizedPost],
    *,
    hashtag: str,
    timezone: str,
    question_of: dict[str, int] | None = None,
) -> str:
    """Every post of the chat, one row each, oldest first."""
    zone = ZoneInfo(timezone)
    own = hashtag.lstrip("#").casefold()
    questions = question_of or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in posts:
        tagged = any(t.lstrip("#").casefold() == own for t in p.hashtags)
        writer.writerow(
            [
                p.platform,
                p.id,
                p.created_at.isoformat(),
                p.created_at.astimezone(zone).isoformat(),
                p.author_id,
                safe_cell(p.author_handle),
                p.kind,
                questions.get(p.id, ""),
                "" if tagged else "yes",
                safe_cell(p.text),
                p.lang or "",
                p.reply_to_post_id or "",
                *thread_and_count_cells(p),
                p.url,
            ]
        )
    return out.getvalue()
