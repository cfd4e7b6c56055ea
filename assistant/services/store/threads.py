"""Conversation roots for stored replies that came without one, taken from their stored parents."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.services.store.rows import post_table

MAX_DEPTH = 500  # levels of replies filled in one call (a deeper thread is finished by the next call)


def fill_conversation_roots(connection: Connection) -> int:
    """Give each stored reply without a conversation root (rtweet and X v1.1 rows name only the parent; a
    Mastodon status whose thread was not read) its stored parent's root, a level of the thread at a time, so
    the store reads its untagged replies with the chat as it does a twarc2 archive's. Returns the replies given
    one; a reply whose parent is not stored keeps none."""
    parent = post_table.alias("parent")
    reply = post_table
    below = sa.and_(parent.c.platform == reply.c.platform, parent.c.id == reply.c.reply_to_post_id)
    statement = (
        reply.update()
        .where(
            reply.c.conversation_id.is_(None),
            reply.c.reply_to_post_id.is_not(None),
            sa.exists().where(below, parent.c.conversation_id.is_not(None)),
        )
        .values(conversation_id=sa.select(parent.c.conversation_id).where(below).scalar_subquery())
    )
    filled = 0
    for _ in range(MAX_DEPTH):
        level = connection.execute(statement).rowcount
        if not level:
            break
        filled += level
    return filled
