"""The Slack stand-in's method answers: the shapes of Slack's published Web API spec, and its errors when refusing."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.standins.slack import SlackStandIn
from assistant.standins.slack_methods import HANDLERS
from tests.conftest import shared_path

TOKEN = "xoxb-spec-check"
# Methods newer than the published spec; their shapes follow the method documentation pages.
NOT_IN_SPEC = {"files.getUploadURLExternal", "files.completeUploadExternal"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(shared_path("specs", "slack", "slack_web_openapi_v2.json").read_text())


def _success_schema(spec: dict[str, Any], method: str) -> dict[str, Any]:
    operations = spec["paths"][f"/{method}"]
    operation = next(iter(operations.values()))
    schema = operation["responses"]["200"]["schema"]
    return {**schema, "definitions": spec["definitions"]}


def _exercise(slack: SlackStandIn) -> dict[str, dict[str, Any]]:
    client = WebClient(token=TOKEN, base_url=slack.base_url)
    posted = client.chat_postMessage(
        channel="C0GENERAL1", text="hello", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    )
    opened = client.views_open(
        trigger_id="1.2.t",
        view={"type": "modal", "callback_id": "x", "title": {"type": "plain_text", "text": "T"}, "blocks": []},
    )
    answers = {
        "auth.test": client.auth_test().data,
        "chat.postMessage": posted.data,
        "chat.postEphemeral": client.chat_postEphemeral(channel="C0GENERAL1", user="U0STAFF001", text="psst").data,
        "chat.update": client.chat_update(channel="C0GENERAL1", ts=posted["ts"], text="edited").data,
        "views.open": opened.data,
        "views.update": client.views_update(
            view_id=opened["view"]["id"],
            view={"type": "modal", "title": {"type": "plain_text", "text": "T2"}, "blocks": []},
        ).data,
        "views.publish": client.views_publish(user_id="U0STAFF001", view={"type": "home", "blocks": []}).data,
        "users.info": client.users_info(user="U0STAFF001").data,
        "usergroups.users.list": client.usergroups_users_list(usergroup="S0COMMS001").data,
        "conversations.members": client.conversations_members(channel="C0COMMS001").data,
        "conversations.open": client.conversations_open(users="U0STAFF001").data,
        "chat.delete": client.chat_delete(channel="C0GENERAL1", ts=posted["ts"]).data,
    }
    upload = client.files_getUploadURLExternal(filename="digest.html", length=5).data
    answers["files.getUploadURLExternal"] = upload
    answers["files.completeUploadExternal"] = client.files_completeUploadExternal(
        files=[{"id": upload["file_id"], "title": "Digest"}], channel_id="C0GENERAL1"
    ).data
    return {method: dict(data) for method, data in answers.items() if isinstance(data, dict)}


def test_every_answer_matches_the_published_schema(spec: dict[str, Any]) -> None:
    with SlackStandIn() as slack:
        answers = _exercise(slack)
    assert set(answers) == set(HANDLERS)
    for method, answer in answers.items():
        assert answer["ok"] is True, (method, answer)
        if method in NOT_IN_SPEC:
            continue
        jsonschema.Draft4Validator(_success_schema(spec, method)).validate(answer)  # Swagger 2.0 = draft 4


def test_methods_outside_the_spec_have_their_documented_fields() -> None:
    with SlackStandIn() as slack:
        answers = _exercise(slack)
    assert set(answers["files.getUploadURLExternal"]) == {"ok", "upload_url", "file_id"}
    assert answers["files.completeUploadExternal"]["files"][0].keys() == {"id", "title"}


def _error_enum(spec: dict[str, Any], method: str) -> list[str]:
    operation = next(iter(spec["paths"][f"/{method}"].values()))
    return list(operation["responses"]["default"]["schema"]["properties"]["error"]["enum"])


# Each refusal the app can meet, with the arguments that cause it; the error must be one the spec lists for the method.
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("chat.postMessage", {"channel": "C0GENERAL1"}, "no_text"),
    ("chat.postMessage", {"text": "hi"}, "channel_not_found"),
    ("chat.postEphemeral", {"channel": "C0GENERAL1", "text": "hi"}, "channel_not_found"),
    ("chat.update", {"channel": "C0GENERAL1", "ts": "1.000001", "text": "x"}, "message_not_found"),
    ("chat.delete", {"channel": "C0GENERAL1", "ts": "1.000001"}, "message_not_found"),
    ("users.info", {"user": "U0NOBODY99"}, "user_not_found"),
    ("conversations.members", {"channel": "C0NOWHERE1"}, "channel_not_found"),
    ("conversations.open", {}, "users_list_not_supplied"),
]


@pytest.mark.parametrize(("method", "args", "error"), REFUSALS, ids=[f"{m}:{e}" for m, _a, e in REFUSALS])
def test_a_refusal_answers_the_error_slack_documents_for_the_method(
    spec: dict[str, Any], method: str, args: dict[str, Any], error: str
) -> None:
    with SlackStandIn() as slack:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=TOKEN, base_url=slack.base_url).api_call(method, params=args)
    assert refused.value.response["ok"] is False
    assert refused.value.response["error"] == error
    assert error in _error_enum(spec, method)
