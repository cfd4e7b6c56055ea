"""A moderator takes over a chat post: records one posted by hand, or posts a missed one now, or skips it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from assistant.models.base import require_id
from assistant.models.chats import PostStatus
from assistant.models.codecs import BadValue, ChatPostRef
from assistant.services.chats.handover import ItemTarget, choose_missed, find_item, item_text, record_link
from assistant.services.chats.repo import can_change
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import chats as blocks
from assistant.slack.context import Viewer
from assistant.slack.parse import parse_id

ONLY_MODERATORS = "Only this chat's moderators and comms members can do that."
GONE = "That chat no longer exists."


def item_target(session: Session, value: str, context: BoltContext) -> ItemTarget | None:
    """The post a button or modal names, in this workspace; None when it is gone or the value is stale."""
    parse_id(value.partition("|")[0], "chat")  # a crafted value gets a specific answer (slack/errors.py)
    try:
        ref = ChatPostRef.decode(value)
    except BadValue:
        return None
    return find_item(session, require_id(context["workspace"]), ref)


def may_change(session: Session, target: ItemTarget, viewer: Viewer) -> bool:
    return can_change(session, target.series, viewer.user_id, is_comms=viewer.is_comms)


def posted(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    """ "I posted it": the modal asking for the post's link, showing the text to post."""
    ack()
    value = str(body["actions"][0].get("value", ""))
    with context["session"]() as session:
        target = item_target(session, value, context)
        if target is None:
            respond(text=GONE, replace_original=False, response_type="ephemeral")
            return
        if not may_change(session, target, context["viewer"]):
            respond(text=ONLY_MODERATORS, replace_original=False, response_type="ephemeral")
            return
        text = item_text(session, target.series, target.item)
    client.views_open(trigger_id=body["trigger_id"], view=blocks.posted_modal(value, text))


def record_posted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """The link of a post made by hand, recorded against its item."""
    link = str(blocks.state_value(view["state"]["values"], "link") or "").strip()
    if not link.startswith(("https://", "http://")):
        ack(response_action="errors", errors={blocks.LINK_BLOCK: "Paste the post's link, starting with https://"})
        return
    viewer: Viewer = context["viewer"]
    with context["session"]() as session:
        target = item_target(session, view.get("private_metadata", ""), context)
        if target is None:
            ack(response_action="errors", errors={blocks.LINK_BLOCK: GONE})
            return
        if not may_change(session, target, viewer):
            ack(response_action="errors", errors={blocks.LINK_BLOCK: ONLY_MODERATORS})
            return
        ack()
        record_link(session, target, link=link, by=viewer.user_id)


def missed_choice(status: PostStatus, ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Post a missed item now, or skip it; a post already made or skipped stays as it is."""
    ack()
    viewer: Viewer = context["viewer"]
    with context["session"]() as session:
        target = item_target(session, str(body["actions"][0].get("value", "")), context)
        if target is None:
            respond(text=GONE, replace_original=False)
            return
        if not may_change(session, target, viewer):
            respond(text=ONLY_MODERATORS, replace_original=False)
            return
        already = choose_missed(session, target, status, by=viewer.user_id)
        if already is not None:
            respond(text=f"Already {already.replace('_', ' ')}.", replace_original=False)
            return
        text = chat_messages.missed_choice_text(
            target.item, post_now=status is PostStatus.post_now, actor=viewer.user_id
        )
        respond(replace_original=True, text=text)


def post_now(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    missed_choice(PostStatus.post_now, ack, body, respond, context)


def skip(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    missed_choice(PostStatus.skipped, ack, body, respond, context)
