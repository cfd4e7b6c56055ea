"""The self-contained HTML archive of a digest: figures, chart and every post, grouped by question and threaded."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from assistant.analysis.digest import DigestResult
from assistant.render.environment import render
from integrations.normalized import NormalizedPost

_URL = re.compile(r"https?://[^\s<>\"']+")
MAX_DEPTH = 8  # deeper replies are drawn at this indent
_MARKER = "<!--digest-posts-"  # outside text is escaped, so no post can contain this comment
_SPLIT = re.compile(r"<!--digest-posts-(\d+)-->")


def _esc(text: str) -> str:
    # str.replace beats markupsafe.escape on short strings (no Markup object per call); same five characters
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


def linked_text(text: str) -> Markup:
    """Escape a post's text and turn its links into anchors (no other markup survives)."""
    if "http" not in text:
        return Markup(_esc(text))
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,);:!?")
        end = match.start() + len(url)
        parts.append(_esc(text[last : match.start()]))
        parts.append(f'<a href="{_esc(url)}" rel="nofollow noopener">{_esc(url)}</a>')
        last = end
    parts.append(_esc(text[last:]))
    return Markup("".join(parts))


def threaded(posts: Sequence[NormalizedPost]) -> list[tuple[NormalizedPost, int]]:
    """Posts in time order with each reply placed under its parent (when the parent is in the group)."""
    ids = {p.id for p in posts}
    children: dict[str, list[NormalizedPost]] = {}
    roots: list[NormalizedPost] = []
    for post in posts:
        parent = post.reply_to_post_id
        if parent and parent in ids and parent != post.id:
            children.setdefault(parent, []).append(post)
        else:
            roots.append(post)
    ordered: list[tuple[NormalizedPost, int]] = []
    seen: set[str] = set()
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        post, depth = stack.pop()
        if post.id in seen:
            continue
        seen.add(post.id)
        ordered.append((post, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(post.id, [])))
    ordered.extend((p, 0) for p in posts if p.id not in seen)  # cycles, should the data hold one
    return ordered


def _post_html(post: NormalizedPost, depth: int, zone: ZoneInfo, own: str) -> str:
    """One post's markup, built here rather than in the template: 100k posts render 4x faster."""
    thread = "" if any(t.lstrip("#").casefold() == own for t in post.hashtags) else " thread"
    local = post.created_at.astimezone(zone)
    when = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if post.url.startswith("https://"):
        when = f'<a href="{_esc(post.url)}" rel="nofollow noopener">{when}</a>'
    m = post.metrics
    return (
        f'<div class="post{thread}" id="p{_esc(post.id)}" style="margin-left:{min(depth, MAX_DEPTH) * 1.5}rem">'
        f'<div class="meta"><strong>@{_esc(post.author_handle or post.author_id)}</strong> · {when} · '
        f"{_esc(post.kind)} · ♥ {m.likes} ⟳ {m.reposts} ↩ {m.replies} ❝ {m.quotes}</div>"
        f'<div class="text">{linked_text(post.text)}</div></div>\n'
    )


def _archive_posts(posts: Sequence[NormalizedPost], zone: ZoneInfo, hashtag: str) -> list[bytes]:
    # UTF-8 per post: one emoji makes a Python str 4 bytes a character, and the page of 100k posts is ~40 MB
    own = hashtag.casefold()
    return [_post_html(post, depth, zone, own).encode() for post, depth in threaded(posts)]


def archive_html(result: DigestResult, *, chart_png: bytes | None = None) -> str:
    """The archive page as text (see `archive_bytes`)."""
    return archive_bytes(result, chart_png=chart_png).decode()


def archive_bytes(result: DigestResult, *, chart_png: bytes | None = None) -> bytes:
    """The archive page, UTF-8; it loads nothing from elsewhere (CSS inline, chart as a data: URI).

    The template renders the figures with a marker where each group's posts go; the posts, already
    encoded, are spliced in there (rendering 100k posts through the template cost 4x the time and
    several copies of a 4-bytes-a-character string)."""
    figures = result.figures
    zone = ZoneInfo(figures["window"]["timezone"])
    hashtag = figures["hashtag"]
    groups: list[dict[str, Any]] = []
    summaries = {q["number"]: q for q in figures["questions"]}
    members: dict[int, list[NormalizedPost]] = {
        q.number: ([q.post] if q.post else []) + q.answers for q in result.assignment.questions
    }
    group_of = {p.id: number for number, posts in members.items() for p in posts}
    open_conversation: list[NormalizedPost] = []
    for post in result.assignment.open_conversation:  # time order: a parent is placed before its replies
        number = group_of.get(post.reply_to_post_id or "")
        if number is None:
            open_conversation.append(post)
        else:
            members[number].append(post)
            group_of[post.id] = number
    bodies: list[list[bytes]] = []
    for question in result.assignment.questions:
        posts = sorted(members[question.number], key=lambda p: (p.created_at, p.id))
        bodies.append(_archive_posts(posts, zone, hashtag))
        groups.append(
            {
                "title": f"Q{question.number}",
                "text": question.text,
                "summary": summaries[question.number],
                "posts": Markup(f"{_MARKER}{len(groups)}-->"),
            }
        )
    if open_conversation:
        bodies.append(_archive_posts(open_conversation, zone, hashtag))
        groups.append(
            {
                "title": "Open conversation",
                "text": "Posts that answer no question",
                "summary": None,
                "posts": Markup(f"{_MARKER}{len(groups)}-->"),
            }
        )
    chart = base64.b64encode(chart_png).decode("ascii") if chart_png else None
    page = render(
        "digests/archive.html",
        figures=figures,
        groups=groups,
        chart=chart,
        zone=figures["window"]["timezone"],
    )
    pieces = _SPLIT.split(page)  # text, group index, text, group index, ..., text
    out: list[bytes] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.extend(bodies[int(piece)])
        else:
            out.append(piece.encode())
    return b"".join(out)
