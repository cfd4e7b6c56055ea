"""What a digest knows of a chat beyond its posts: its co-moderators, and the question posts the app recorded.

For a chat this app ran, the outbox recorded each post it made (`chat:{occurrence}:question:{n}`, with
`:mastodon` / `:bluesky` for the other networks) with the post's id: those ids are the questions, exactly,
with no text matching. Posts a moderator made by hand and linked are in `chat_post`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from assistant.models.chats import ChatPost
from assistant.models.digests import DigestJob
from assistant.models.outbox import OutboxItem, OutboxState

Key = tuple[str, str]  # (platform, post id)
NETWORKS = ("mastodon", "bluesky")


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """The moderators besides the host (and where they come from), and the recorded question and intro posts
    (None: the app did not post the chat; find the questions by their Q<n> text)."""

    co_moderators: Sequence[str] = ()
    source: str = "given"  # "given" (the command's options) or "plan" (the chat's own)
    recorded_questions: Mapping[int, Collection[Key]] | None = None
    recorded_intro: Collection[Key] = field(default_factory=tuple)


def _item_of(key: str, occurrence_id: int) -> tuple[str, str] | None:
    """(item, platform) of an outbox key of the occurrence's posts: ("question:2", "x"), ("intro", "mastodon")."""
    prefix = f"chat:{occurrence_id}:"
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix) :].split(":")
    if parts[0] == "intro" and len(parts) in (1, 2):
        return "intro", parts[1] if len(parts) == 2 else "x"
    if parts[0] == "question" and len(parts) in (2, 3) and parts[1].isdigit():
        platform = parts[2] if len(parts) == 3 else "x"
        return f"question:{parts[1]}", platform
    return None


def recorded_posts(session: Session, occurrence_id: int) -> dict[str, set[Key]]:
    """item ("intro", "question:N") -> the (platform, post id) of each post the app recorded making for it."""
    found: dict[str, set[Key]] = {}
    rows = session.exec(
        select(OutboxItem).where(
            col(OutboxItem.key).startswith(f"chat:{occurrence_id}:"), OutboxItem.state == OutboxState.done
        )
    )
    for row in rows:
        item = _item_of(row.key, occurrence_id)
        post_id = (row.result or {}).get("post_id")
        if item is not None and post_id:
            found.setdefault(item[0], set()).add((item[1] if item[1] in NETWORKS else "x", str(post_id)))
    for post in session.exec(select(ChatPost).where(ChatPost.occurrence_id == occurrence_id)):
        if post.post_id and (post.item == "intro" or post.item.startswith("question:")):
            found.setdefault(post.item, set()).add((post.platform, post.post_id))
    return found


def plan_for_job(session: Session, job: DigestJob) -> ChatPlan:
    """The plan a digest job reads: its co-moderators, and for a chat the app posted, its recorded posts."""
    if job.chat_occurrence_id is None:
        return ChatPlan(co_moderators=tuple(job.moderators or ()), source="given")
    posted = recorded_posts(session, job.chat_occurrence_id)
    questions = {int(item.split(":")[1]): keys for item, keys in posted.items() if item.startswith("question:")}
    return ChatPlan(
        co_moderators=tuple(job.moderators or ()),
        source="plan",
        recorded_questions=questions or None,
        recorded_intro=tuple(posted.get("intro", ())),
    )
