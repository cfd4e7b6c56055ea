"""Contact Block Kit builders: valid for slack_sdk, within Slack's limits, and outside text cannot ping anyone."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from assistant.services.contacts.fields import find_details
from assistant.slack.blocks import contacts as blocks
from assistant.slack.blocks.common import MAX_BLOCKS_MESSAGE
from tests.slack import builder_data as data
from tests.slack.live import mrkdwn_texts

contact = data.contact


def _validate(built: list[dict]) -> None:
    for block in built:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def test_cards_parse_and_escape_outside_text() -> None:
    hostile = contact(name="<!channel> <@U0ADMIN001> & co", notes="<https://evil.example|click>")
    card = blocks.contact_card(hostile)
    _validate(card.blocks)
    text = "\n".join(mrkdwn_texts(card.blocks))
    assert "<!channel>" not in text and "<@U0ADMIN001>" not in text and "<https://evil.example|" not in text
    assert "&lt;!channel&gt;" in text


def test_search_results_stay_within_the_message_block_limit() -> None:
    card = blocks.search_results("maths", [contact(i) for i in range(1, 40)], [])
    assert len(card.blocks) <= MAX_BLOCKS_MESSAGE
    _validate(card.blocks)


def test_modals_parse() -> None:
    for view in (
        blocks.contact_modal({"name": "Jo", "tags": ["a", "b"]}),
        blocks.contact_modal(contact_id=3),
        blocks.share_modal(contact()),
    ):
        View(**view).validate_json()


def test_yammer_reply_offers_one_button_per_detail() -> None:
    found = find_details("Try jo@example.org, @jo_fe and @amy@fediscience.org")
    card = blocks.yammer_reply(
        shoutout_id=1,
        sender="<!here>",
        body="Try <!here>",
        web_url="https://yammer.example/1",
        found=found,
        message_id="9",
    )
    _validate(card.blocks)
    buttons = [e for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [json.loads(b["value"])["f"] for b in buttons] == ["email", "x_handle", "mastodon_handle"]
    assert "<!here>" not in json.dumps(card.blocks)
