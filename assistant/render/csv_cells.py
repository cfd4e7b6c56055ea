"""CSV cells that are safe to open in a spreadsheet: outside text never runs as a formula (OWASP CSV injection)."""

from __future__ import annotations

from integrations.normalized import NormalizedPost

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """Undo safe_cell when reading a file this app wrote."""
    return text[1:] if text[:2] in {"'" + start for start in FORMULA_STARTS} else text


def thread_and_count_cells(post: NormalizedPost) -> list[str | int]:
    """The cells of models.posts.THREAD_AND_COUNT_COLUMNS for one post, in that order."""
    m = post.metrics
    return [
        post.conversation_id or "",
        post.quoted_post_id or "",
        post.reposted_post_id or "",
        " ".join(post.hashtags),
        " ".join(post.mentions),
        " ".join(post.urls),
        m.likes,
        m.reposts,
        m.replies,
        m.quotes,
    ]
