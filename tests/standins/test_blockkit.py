"""The Block Kit checker: each of Slack's limits accepts a payload just within it and refuses one just over."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.standins.blockkit import ack_problems, check_blocks, check_view, message_refusal, view_refusal
from assistant.standins.slack import SlackStandIn


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(text: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **extra}


def options(count: int, *, text: str = "o", value_size: int = 1) -> list[dict[str, Any]]:
    return [
        {"text": plain(f"{text}{i}"[:75] if len(text) < 70 else text), "value": f"{i:0{value_size}d}"}
        for i in range(count)
    ]


def modal(blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": plain("Title"), "blocks": blocks or [section()], **extra}


def text_input(**element: Any) -> dict[str, Any]:
    return {"type": "input", "label": plain("Label"), "element": {"type": "plain_text_input", **element}}


# One case per limit: (name, payload just within, payload just over). Blocks are message blocks, views are views.
BLOCK_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    ("50 blocks in a message", [section()] * 50, [section()] * 51),
    ("section text 3000", [section("x" * 3000)], [section("x" * 3001)]),
    (
        "section fields 10",
        [{"type": "section", "fields": [mrkdwn("f")] * 10}],
        [{"type": "section", "fields": [mrkdwn("f")] * 11}],
    ),
    (
        "section field 2000",
        [{"type": "section", "fields": [mrkdwn("x" * 2000)]}],
        [{"type": "section", "fields": [mrkdwn("x" * 2001)]}],
    ),
    ("header 150", [{"type": "header", "text": plain("h" * 150)}], [{"type": "header", "text": plain("h" * 151)}]),
    (
        "context 10 elements",
        [{"type": "context", "elements": [mrkdwn("c")] * 10}],
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
    ),
    (
        "actions 25 elements",
        [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(25)]}],
        [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
    ),
    ("button text 75", [section(accessory=button("b" * 75))], [section(accessory=button("b" * 76))]),
    (
        "button value 2000",
        [section(accessory=button(value="v" * 2000))],
        [section(accessory=button(value="v" * 2001))],
    ),
    (
        "action_id 255",
        [section(accessory=button(action_id="a" * 255))],
        [section(accessory=button(action_id="a" * 256))],
    ),
    (
        "action_id unique within its block",
        [{"type": "actions", "elements": [button(action_id="a"), button(action_id="b")]}],
        [{"type": "actions", "elements": [button(action_id="a"), button(action_id="a")]}],
    ),
    ("block_id 255", [section(block_id="b" * 255)], [section(block_id="b" * 256)]),
    (
        "block_id unique within the message",
        [section(block_id="one"), section(block_id="two")],
        [section(block_id="one"), section(block_id="one")],
    ),
    (
        "select options 100",
        [section(accessory={"type": "static_select", "action_id": "s", "options": options(100)})],
        [section(accessory={"type": "static_select", "action_id": "s", "options": options(101)})],
    ),
    (
        "option text 75",
        [section(accessory={"type": "static_select", "options": [{"text": plain("t" * 75), "value": "1"}]})],
        [section(accessory={"type": "static_select", "options": [{"text": plain("t" * 76), "value": "1"}]})],
    ),
    (
        "option value 150",
        [section(accessory={"type": "static_select", "options": [{"text": plain("t"), "value": "v" * 150}]})],
        [section(accessory={"type": "static_select", "options": [{"text": plain("t"), "value": "v" * 151}]})],
    ),
    (
        "section needs text or fields",
        [{"type": "section", "text": mrkdwn("x")}],
        [{"type": "section"}],
    ),
    ("text is not empty", [section("x")], [section("")]),
    ("button needs text", [section(accessory=button())], [section(accessory={"type": "button", "action_id": "b"})]),
    (
        "number input holds a plain number",
        [text_input() | {"element": {"type": "number_input", "is_decimal_allowed": True, "initial_value": "1000000"}}],
        [text_input() | {"element": {"type": "number_input", "is_decimal_allowed": True, "initial_value": "1e+06"}}],
    ),
    (
        "confirm text is plain_text",
        [section(accessory=button(confirm={k: plain("x") for k in ("title", "text", "confirm", "deny")}))],
        [
            section(
                accessory=button(
                    confirm={"title": plain("x"), "text": mrkdwn("x"), "confirm": plain("x"), "deny": plain("x")}
                )
            )
        ],
    ),
]

VIEW_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("100 blocks in a modal", modal([section()] * 100), modal([section()] * 101)),
    (
        "100 blocks in a Home tab",
        {"type": "home", "blocks": [section()] * 100},
        {"type": "home", "blocks": [section()] * 101},
    ),
    ("modal title 24", modal(title=plain("t" * 24)), modal(title=plain("t" * 25))),
    ("modal submit 24", modal(submit=plain("s" * 24)), modal(submit=plain("s" * 25))),
    ("modal close 24", modal(close=plain("c" * 24)), modal(close=plain("c" * 25))),
    ("private_metadata 3000", modal(private_metadata="m" * 3000), modal(private_metadata="m" * 3001)),
    ("callback_id 255", modal(callback_id="c" * 255), modal(callback_id="c" * 256)),
    (
        "input label 2000",
        modal([{**text_input(), "label": plain("l" * 2000)}], submit=plain("Save")),
        modal([{**text_input(), "label": plain("l" * 2001)}], submit=plain("Save")),
    ),
    (
        "initial_value within max_length",
        modal([text_input(max_length=10, initial_value="x" * 10)], submit=plain("Save")),
        modal([text_input(max_length=10, initial_value="x" * 11)], submit=plain("Save")),
    ),
    (
        "initial_value within 3000 when max_length is unset",
        modal([text_input(initial_value="x" * 3000)], submit=plain("Save")),
        modal([text_input(initial_value="x" * 3001)], submit=plain("Save")),
    ),
    (
        "max_length 3000",
        modal([text_input(max_length=3000)], submit=plain("Save")),
        modal([text_input(max_length=3001)], submit=plain("Save")),
    ),
    ("modal needs a title", modal(), {"type": "modal", "blocks": [section()]}),
    ("an input needs submit", modal([text_input()], submit=plain("Save")), modal([text_input()])),
]


@pytest.mark.parametrize(("name", "within", "over"), BLOCK_CASES, ids=[case[0] for case in BLOCK_CASES])
def test_message_block_limits(name: str, within: list[dict[str, Any]], over: list[dict[str, Any]]) -> None:
    assert check_blocks(within) == []
    problems = check_blocks(over)
    assert problems, name
    assert message_refusal({"channel": "C1", "blocks": over})["error"] == "invalid_blocks"  # type: ignore[index]


@pytest.mark.parametrize(("name", "within", "over"), VIEW_CASES, ids=[case[0] for case in VIEW_CASES])
def test_view_limits(name: str, within: dict[str, Any], over: dict[str, Any]) -> None:
    assert check_view(within) == []
    assert check_view(over), name
    assert view_refusal({"view": over})["error"] == "invalid_arguments"  # type: ignore[index]


def test_problems_name_the_place_in_slacks_words() -> None:
    refusal = message_refusal({"blocks": [section(), section("x" * 3001)]})
    assert refusal == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": ["must be less than 3001 characters [json-pointer:/blocks/1/text/text]"],
        "response_metadata": {
            "messages": ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"]
        },
    }
    assert view_refusal({"view": modal([section()] * 101)}) == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"]},
    }


def test_message_text_limit() -> None:
    assert message_refusal({"text": "x" * 40_000}) is None
    assert message_refusal({"text": "x" * 40_001}) == {"ok": False, "error": "msg_too_long"}
    assert message_refusal({"blocks": "[not json"}) == {"ok": False, "error": "invalid_blocks_format"}


def test_the_stand_in_refuses_as_slack_does_and_says_so_on_exit() -> None:
    with pytest.raises(AssertionError, match="Slack would refuse"), SlackStandIn() as slack:
        client = WebClient(token="xoxb-t", base_url=slack.base_url)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0GENERAL1", text="t", blocks=[section("x" * 3001)])
        assert refused.value.response["error"] == "invalid_blocks"
        with pytest.raises(SlackApiError) as view:
            client.views_publish(user_id="U0STAFF001", view={"type": "home", "blocks": [section()] * 101})
        assert view.value.response["error"] == "invalid_arguments"
        assert [call.method for call, _answer in slack.refused] == ["chat.postMessage", "views.publish"]
        assert slack.messages == {} and slack.views == {}


def test_a_response_url_post_is_refused_like_a_webhook() -> None:
    import httpx

    with SlackStandIn() as slack:
        answer = httpx.post(
            slack.response_url(), json={"text": "t", "blocks": [{"type": "header", "text": plain("h" * 151)}]}
        )
        assert (answer.status_code, answer.text) == (400, "invalid_blocks")
        ok = httpx.post(slack.response_url(), json={"text": "t", "blocks": [section()]})
        assert (ok.status_code, ok.json()) == (200, {"ok": True})
        slack.refused.clear()


def test_acks_are_checked_like_messages_and_views() -> None:
    assert ack_problems({"text": "ok", "blocks": [section()]}) == []
    assert ack_problems({"text": "ok", "blocks": [section("x" * 3001)]})
    assert ack_problems({"response_action": "errors", "errors": {"name": "a name is required"}}) == []
    assert ack_problems({"response_action": "update", "view": modal()}) == []
    assert ack_problems({"response_action": "push", "view": modal(title=plain("t" * 25))})
