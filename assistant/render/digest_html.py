"""The self-contained HTML archive of a digest: figures, chart and every post, grouped by question and threaded."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from assistant.analysis.digest import DigestResult
from assistant.bulk import gc_paused
from assistant.render.environment import render
from assistant.render.wording import counted, when
from integrations.normalized import NormalizedPost

_URL = re.compile(r"https?://[^\s<>\"']+")
MAX_DEPTH = 8  # deeper replies are drawn at this indent
_MARKER = "<!--digest-posts-"  # outside text is escaped, so no post can contain this comment
_SPLIT = re.compile(r"<!--digest-posts-(\d+)-->")


def _escape_by_replacing(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


try:  # MarkupSafe's own escaper without the Markup wrapper around its result: 2.5x faster than replacing
    from markupsafe import _escape_inner as _esc  # the same five characters, the same entities
except ImportError:  # pragma: no cover - a MarkupSafe that no longer has it
    _esc = _escape_by_replacing


def _linked(text: str) -> str:
    if "http" not in text:
        return _esc(text)
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,);:!?")
        end = match.start() + len(url)
        parts.append(_esc(text[last : match.start()]))
        parts.append(f'<a href="{_esc(url)}" rel="nofollow noopener">{_esc(url)}</a>')
        last = end
    parts.append(_esc(text[last:]))
    return "".join(parts)


def threaded(posts: Sequence[NormalizedPost]) -> list[tuple[NormalizedPost, int]]:
    """Posts in time order with each reply placed under its parent (when the parent is in the group), each
    with its depth; replies that reach no root (a cycle, should the data hold one) at the top, in time order.

    A reply's parent is on the reply's own network: posts are keyed by id when the group has one network
    (nearly always), by network and id when it mixes them."""
    mixed = len({p.platform for p in posts}) > 1
    keys: set[Any] = {(p.platform, p.id) for p in posts} if mixed else {p.id for p in posts}
    children: dict[Any, list[NormalizedPost]] = {}
    roots: list[NormalizedPost] = []
    for post in posts:
        parent: Any = post.reply_to_post_id
        if parent is not None and parent != post.id:
            if mixed:
                parent = (post.platform, parent)
            if parent in keys:
                children.setdefault(parent, []).append(post)
                continue
        roots.append(post)
    if not children:
        return [(post, 0) for post in posts]
    parents = {key[1] for key in children} if mixed else children.keys()
    ordered: list[tuple[NormalizedPost, int]] = []
    for root in roots:  # depth first from each root in turn; most roots have no replies in the group
        ordered.append((root, 0))
        if root.id not in parents:
            continue
        stack = [(root, 0)]
        while stack:
            post, depth = stack.pop()
            if depth:
                ordered.append((post, depth))
            below = children.pop((post.platform, post.id) if mixed else post.id, None)  # once, if a key repeats
            if below is not None:
                stack.extend((child, depth + 1) for child in reversed(below))
    if len(ordered) < len(posts):
        placed = {id(post) for post, _ in ordered}
        ordered.extend((post, 0) for post in posts if id(post) not in placed)
    return ordered


# A post's markup is formatted as UTF-8 bytes from these pieces (bytes % formatting), not as text encoded after:
# the symbols made every post's text two bytes a character, and building and encoding it cost a sixth of the posts'
# markup more (0.43 against 0.36 s at 100k posts). Only the post's text, its link and its id are encoded per post.
_STYLE = tuple(f' style="margin-left:{depth * 1.5}rem">'.encode() for depth in range(MAX_DEPTH + 1))
_SECONDS = tuple(f"{second:02d}".encode() for second in range(60))
_KINDS = {kind: kind.encode() for kind in ("original", "reply", "quote", "repost")}  # nothing to escape in these
_POST = (
    '<div class="post%s" id="p%s"%s<div class="meta"><strong>@%s</strong> · %s · %s · ♥ %d ⟳ %d ↩ %d ❝ %d</div>'
    '<div class="text">%s</div></div>\n'
).encode()
_TIME_LINK = b'<a href="%s" rel="nofollow noopener">%s</a>'
_CHUNK = 1000  # posts joined together: one bytes object per chunk, not per post


class _PostMarkup:
    """The posts' markup, built here rather than in the template (100k posts render 4x faster), with what
    repeats computed once: the escaped handle per author and the local "HH:MM" per minute."""

    def __init__(
        self, zone: ZoneInfo, hashtag: str, outside: Mapping[tuple[str, str], NormalizedPost] | None = None
    ) -> None:
        self.zone = zone
        self.own = hashtag.casefold()
        self.handles: dict[str, bytes] = {}
        self.minutes: dict[int, bytes] = {}
        self.outside = outside or {}

    def minute(self, stamp: int) -> bytes:
        """The local "HH:MM:" of the minute starting at `stamp`, b"" when the zone's offset is not whole
        minutes (none since 1972): then each time is converted on its own."""
        local = datetime.fromtimestamp(stamp - stamp % 60, self.zone)
        return f"{local.hour:02d}:{local.minute:02d}:".encode() if local.second == 0 else b""

    def local_time(self, at: datetime) -> bytes:
        local = at.astimezone(self.zone)
        return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}".encode()

    def outside_parent(self, post: NormalizedPost) -> str:
        """The outside post a reply answers, greyed above it as its context (it is not a chat post: never counted,
        no figures of its own), or "" when the reply's parent is not an outside post."""
        parent = self.outside.get((post.platform, post.reply_to_post_id or ""))
        if parent is None:
            return ""
        author = _esc(parent.author_handle or parent.author_id)
        stamp = _esc(when(parent.created_at, self.zone.key))
        if parent.url.startswith("https://"):
            stamp = f'<a href="{_esc(parent.url)}" rel="nofollow noopener">{stamp}</a>'
        return (
            f'<div class="post outside"><div class="meta">in reply to an outside post · <strong>@{author}</strong>'
            f" · {stamp} · not part of the chat</div>"
            f'<div class="text">{_linked(parent.text)}</div></div>\n'
        )

    def chunk(self, items: Sequence[tuple[NormalizedPost, int]]) -> bytes:
        """The markup of these posts (each with its depth in its thread), one after the other, UTF-8; a reply to
        an outside post comes after that post, greyed.

        Each post is formatted as bytes on its own (`_POST`): joined as text first, one emoji in a post made the
        whole chunk's string 4 bytes a character, and joining and encoding that cost 8% of the page at 100k posts."""
        own, handles, minutes, outside = self.own, self.handles, self.minutes, self.outside
        parts: list[bytes] = []
        for post, depth in items:
            if outside and not depth and post.reply_to_post_id is not None:
                parts.append(self.outside_parent(post).encode())
            tags = post.hashtags  # stored tags are mostly folded already: the first test settles most posts
            thread = b"" if own in tags or any(t.lstrip("#").casefold() == own for t in tags) else b" thread"
            author = post.author_handle or post.author_id
            handle = handles.get(author)
            if handle is None:
                handle = handles[author] = _esc(author).encode()
            at = post.created_at
            stamp = int(at.timestamp())
            minute = minutes.get(stamp // 60)
            if minute is None:
                minute = minutes[stamp // 60] = self.minute(stamp)
            when = minute + _SECONDS[at.second] if minute else self.local_time(at)
            if post.url.startswith("https://"):
                when = _TIME_LINK % (_esc(post.url).encode(), when)
            m, text = post.metrics, post.text
            parts.append(
                _POST
                % (
                    thread,
                    post.id.encode() if post.id.isdigit() else _esc(post.id).encode(),
                    _STYLE[depth] if depth < MAX_DEPTH else _STYLE[MAX_DEPTH],
                    handle,
                    when,
                    _KINDS.get(post.kind) or _esc(post.kind).encode(),
                    m.likes,
                    m.reposts,
                    m.replies,
                    m.quotes,
                    (_esc(text) if "http" not in text else _linked(text)).encode(),  # a call less for most
                )
            )
        return b"".join(parts)


def _archive_posts(
    posts: Sequence[NormalizedPost],
    zone: ZoneInfo,
    hashtag: str,
    outside: Mapping[tuple[str, str], NormalizedPost] | None = None,
) -> list[bytes]:
    # UTF-8 in chunks of posts: the page of 100k posts is ~40 MB, never one object
    markup = _PostMarkup(zone, hashtag, outside)
    ordered = threaded(posts)
    return [markup.chunk(ordered[i : i + _CHUNK]) for i in range(0, len(ordered), _CHUNK)]


def archive_html(result: DigestResult, *, chart_png: bytes | None = None) -> str:
    """The archive page as text (see `archive_parts`)."""
    return archive_bytes(result, chart_png=chart_png).decode()


def archive_bytes(result: DigestResult, *, chart_png: bytes | None = None) -> bytes:
    """The archive page in one piece, for an upload (see `archive_parts`)."""
    return b"".join(archive_parts(result, chart_png=chart_png))


def archive_parts(result: DigestResult, *, chart_png: bytes | None = None) -> list[bytes]:
    """The archive page, UTF-8, as consecutive parts to write or serve one after the other (a 100k-post page
    is ~40 MB: never copied into one object, which cost a tenth of a second of fresh memory); it loads
    nothing from elsewhere (CSS inline, chart as a data: URI).

    The template renders the figures with a marker where each group's posts go; the posts, already
    encoded, are spliced in there (rendering 100k posts through the template cost 4x the time and
    several copies of a 4-bytes-a-character string)."""
    with gc_paused():
        return _archive_parts(result, chart_png)


INTRO = 0  # the intro's group among the questions' numbers


def _groups(result: DigestResult) -> tuple[dict[int, list[NormalizedPost]], list[NormalizedPost]]:
    """Each question's posts (the question, its answers, its moderator replies and the replies under them), the
    intro with its replies (under INTRO) and the open conversation, each in time order: one walk through the
    chat's posts, already in that order."""
    assignment = result.assignment
    group_of = {
        p.id: q.number
        for q in assignment.questions
        for p in ([q.post] if q.post else []) + q.answers + q.moderator_replies
    }
    members: dict[int, list[NormalizedPost]] = {q.number: [] for q in assignment.questions}
    if assignment.intro is not None:
        members[INTRO] = []
        group_of.update({p.id: INTRO for p in [assignment.intro, *assignment.intro_replies]})
    open_conversation: list[NormalizedPost] = []
    for post in result.posts:  # a parent comes before its replies
        number = group_of.get(post.id)
        if number is None and post.reply_to_post_id is not None:  # a reply under a question's post joins it
            number = group_of.get(post.reply_to_post_id)
            if number is not None:
                group_of[post.id] = number
        if number is None:
            open_conversation.append(post)
        else:
            members[number].append(post)
    return members, open_conversation


def _archive_parts(result: DigestResult, chart_png: bytes | None) -> list[bytes]:
    figures = result.figures
    zone = ZoneInfo(figures["window"]["timezone"])
    hashtag = figures["hashtag"]
    groups: list[dict[str, Any]] = []
    summaries = {q["number"]: q for q in figures["questions"]}
    members, open_conversation = _groups(result)
    outside = result.outside_parents
    bodies: list[list[bytes]] = []
    if INTRO in members and members[INTRO]:
        bodies.append(_archive_posts(members[INTRO], zone, hashtag, outside))
        replies = len(result.assignment.intro_replies)
        groups.append(
            {
                "title": "Intro",
                "text": f"the welcome and {counted(replies, 'reply')} under it (no question above them)",
                "summary": None,
                "posts": Markup(f"{_MARKER}{len(groups)}-->"),
            }
        )
    for question in result.assignment.questions:
        posts = members[question.number]
        bodies.append(_archive_posts(posts, zone, hashtag, outside))
        groups.append(
            {
                "title": f"Q{question.number}",
                "text": question.text,
                "summary": summaries[question.number],
                "posts": Markup(f"{_MARKER}{len(groups)}-->"),
            }
        )
    if open_conversation:
        bodies.append(_archive_posts(open_conversation, zone, hashtag, outside))
        groups.append(
            {
                "title": "Open conversation",
                "text": "posts that answer no question",
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
    return out
