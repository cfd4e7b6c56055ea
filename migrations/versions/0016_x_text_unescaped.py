"""X post texts stored before the unescape-once change (0015's code) unescaped once, as published.

X (API v2 and v1.1) and rtweet deliver text with `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`, and nothing
else escaped; the app unescapes once when parsing since revision 0015. Rows stored earlier keep X's text.

Which rows: platform 'x' only, whose text holds at least one of the three entities and reads as X delivers
it: no bare `<` or `>`, and every `&` starts `&amp;`, `&lt;` or `&gt;`. A text X escaped always passes; a
text stored unescaped fails as soon as it holds a bare `&`, `<` or `>` (or another entity, such as
`&quot;`, that X would have escaped to `&amp;quot;`) and is left alone. The one text this cannot tell apart
is an unescaped one whose only specials are entities its author typed literally ("Fish &amp; chips" and
nothing else): it is unescaped too, a loss far rarer than the escaped texts this repairs. Mastodon's and
Bluesky's texts are never touched. Undone once, `&amp;` last, so "&amp;lt;" becomes "&lt;".

The downgrade leaves the texts as they are: they are the texts as published, which every revision reads.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:00:00.000000
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

post = sa.table(
    "post",
    sa.column("platform", sa.String()),
    sa.column("id", sa.String()),
    sa.column("text", sa.Text()),
)
CHUNK = 500
_BARE = re.compile(r"[<>]|&(?!amp;|lt;|gt;)")  # what X's escaped text never holds


def escaped_by_x(text: str) -> bool:
    """Whether `text` reads as X delivers it and holds an entity to undo (the rule of the module docstring)."""
    return ("&amp;" in text or "&lt;" in text or "&gt;" in text) and _BARE.search(text) is None


def unescape_once(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def upgrade() -> None:
    bind = op.get_bind()
    has_entity = sa.or_(*(post.c.text.contains(entity) for entity in ("&amp;", "&lt;", "&gt;")))
    rows = bind.execute(sa.select(post.c.id, post.c.text).where(post.c.platform == "x", has_entity)).all()
    changed = [{"post_id": pid, "new_text": unescape_once(text)} for pid, text in rows if escaped_by_x(text)]
    statement = (
        post.update()
        .where(post.c.platform == "x", post.c.id == sa.bindparam("post_id"))
        .values(text=sa.bindparam("new_text"))
    )
    for start in range(0, len(changed), CHUNK):
        bind.execute(statement, changed[start : start + CHUNK])


def downgrade() -> None:
    pass  # the texts as published are right at every revision
