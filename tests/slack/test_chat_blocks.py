"""Chat Block Kit builders stay within Slack's limits and parse with slack_sdk, even for a full run sheet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from assistant.services.chats.cancelling import Cancelled
from assistant.services.chats.form import ChatInputError
from assistant.services.chats.signoff import APPROVED, CHANGES_REQUESTED, RunSheet
from assistant.slack.blocks import chat_messages
from assistant.slack.blocks import chats as blocks
from assistant.slack.blocks.common import MAX_BLOCKS_MESSAGE, MAX_SECTION_TEXT
from tests.slack import builder_data as data


def _sheet(questions: int = 20) -> RunSheet:
    return data.run_sheet(questions, title="<!channel> & friends")


def _mrkdwn(built: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in built:
        for node in [block.get("text") or {}, *block.get("elements", [])]:
            if node.get("type") == "mrkdwn":
                texts.append(node["text"])
    return texts


def test_a_full_run_sheet_fits_a_message_and_escapes_outside_text() -> None:
    built = chat_messages.run_sheet_blocks(_sheet(), warnings=["Clash: <#C1> at 21:00"])
    assert len(built) <= MAX_BLOCKS_MESSAGE
    for block in built:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= MAX_SECTION_TEXT
    dumped = str(built)
    mrkdwn = " ".join(_mrkdwn(built))
    assert "<@U0STAFF001>" not in mrkdwn and "&lt;@U0STAFF001&gt;" in mrkdwn
    assert "<#C1>" not in mrkdwn and "&lt;#C1&gt;" in mrkdwn
    assert built[0]["text"]["type"] == "plain_text"  # the title shows as typed: plain text pings nobody
    assert dumped.count("not approved: will not be posted") == 10
    assert "*21:40* Q20" in dumped


def test_approval_and_hand_over_messages_parse_and_carry_their_values() -> None:
    sheet = _sheet(3)
    approval = chat_messages.approval_blocks(sheet, "abc123", "U0STAFF001")
    for block in approval:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert [e["value"] for e in approval[-1]["elements"]] == ["7:abc123", "7:abc123"]
    item = sheet.items[1]
    for built in (
        chat_messages.handover_blocks(
            item, datetime(2026, 12, 3, 21, 2, tzinfo=UTC), "Europe/London", "3|question:1|x", "x"
        ),
        chat_messages.missed_blocks(item, datetime(2026, 12, 3, 21, 2, tzinfo=UTC), "Europe/London", "3|question:1|x"),
    ):
        for block in built:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
        assert built[-1]["elements"][0]["value"] == "3|question:1|x"


def test_modals_validate() -> None:
    modal = blocks.chat_modal(
        hosts=[("4", "X @council")],
        timezone="Europe/London",
        channel_id="C0GENERAL1",
        values={"hashtag": "ukfechat", "options": ["approval"], "count": 6, "moderators": ["U1"]},
        series_id=7,
    )
    View(**modal).validate_json()
    assert modal["private_metadata"] == "7" and len(modal["blocks"]) <= 100
    View(**blocks.posted_modal("3|question:1|x", "Q1 <hi>")).validate_json()


def test_a_cancellation_tells_the_moderators_what_to_send_each_guest_and_the_channel_only_the_news() -> None:
    series = _sheet(2).series
    series.guests = ["@ada_fe"]
    sitting = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    notes = chat_messages.cancellation(Cancelled(series, [sitting], False, ["U1"], under_way=False), "U0COMMS001")
    news = "<@U0COMMS001> cancelled #ukfechat “&lt;!channel&gt; &amp; friends” on Thu 03 Dec 21:00."  # GMT
    assert notes.channel == news
    assert notes.moderators.startswith(news + "\nThe guests (@ada_fe) are not told by the app. Send each")
    assert notes.reply == f"Cancelled. Everyone involved is told: {notes.moderators}"
    series.guests = []
    whole = chat_messages.cancellation(Cancelled(series, [sitting], True, ["U1"], under_way=False), "U0COMMS001")
    assert (
        whole.moderators
        == whole.channel
        == "<@U0COMMS001> cancelled the chat series #ukfechat “&lt;!channel&gt; &amp; friends”."
    )


def test_a_sign_off_decision_replaces_the_message_within_slacks_limit() -> None:
    sheet = _sheet(60)
    built = chat_messages.decided_blocks(sheet, APPROVED, "U0COMMS001")
    assert (
        len(built) <= MAX_BLOCKS_MESSAGE
        and built[-1]["elements"][0]["text"] == "<@U0COMMS001> approved this run sheet."
    )
    assert chat_messages.decided_text(sheet, CHANGES_REQUESTED, "U0COMMS001") == (
        "<@U0COMMS001> asked for changes to the run sheet of #ukfechat"
    )
    assert chat_messages.decided_note(sheet.series, APPROVED, "U0COMMS001") == (
        "<@U0COMMS001> approved the questions of #ukfechat (chat 7)."
    )


def test_form_errors_go_under_their_blocks_and_mention_an_outside_co_moderator() -> None:
    error = ChatInputError(
        {"moderators": "U0OUTSIDE9 is not in this workspace; co-moderators must be members.", "odd": "Unknown."},
        outsider="U0OUTSIDE9",
    )
    assert blocks.form_errors(error) == {
        "chat_moderators": "<@U0OUTSIDE9> is not in this workspace; co-moderators must be members.",
        "chat_hashtag": "Unknown.",
    }
