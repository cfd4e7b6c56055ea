"""Every Web API method the code calls has its scope requested (manifest and SLACK_SCOPES), and no scope is unused."""

from __future__ import annotations

import inspect
import json
import re
from functools import cache
from pathlib import Path

import yaml
from slack_sdk import WebClient

from assistant.config import DEFAULT_SLACK_SCOPES
from tests.conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
# The spec predates granular bot scopes: its classic names map to the ones a bot token is granted.
CLASSIC = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}
# Methods newer than the spec, with the scope their reference page names.
NOT_IN_SPEC = {
    "files.getUploadURLExternal": {"files:write"},  # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    "files.completeUploadExternal": {"files:write"},  # https://docs.slack.dev/reference/methods/files.completeUploadExternal
}
# Scopes a feature needs beyond a method's own, each with what in the code needs it.
FEATURE_SCOPES = {
    # the /outreach slash command (manifest features.slash_commands)
    "commands": re.compile(r"COMMAND = \"/outreach\""),
    # users.info gives profile.email only with it: https://docs.slack.dev/reference/methods/users.info
    "users:read.email": re.compile(r"profile\.get\(\"email\"\)"),
    # posting in a public channel the bot was never invited to: https://docs.slack.dev/reference/scopes/chat.write.public
    "chat:write.public": re.compile(r"chat_postMessage\("),
}


def _code() -> str:
    return "\n".join(path.read_text() for path in sorted((ROOT / "assistant").rglob("*.py")))


def _methods_of(name: str) -> set[str]:
    """The Web API methods one WebClient helper calls (files_upload_v2 calls two others)."""
    source = inspect.getsource(getattr(WebClient, name))
    found = set(re.findall(r'api_call\(\s*"([^"]+)"', source))
    for helper in re.findall(r"self\.([a-z]+_[A-Za-z0-9_]+)\(", source):
        if helper != name and hasattr(WebClient, helper):
            found |= _methods_of(helper)
    return found


@cache
def called_methods() -> frozenset[str]:
    helpers = {name for name in dir(WebClient) if not name.startswith("_")}
    used = {name for name in re.findall(r"\.([a-z]+_[A-Za-z0-9_]+)\(", _code()) if name in helpers}
    return frozenset(method for name in used for method in _methods_of(name))


def _scopes_for(method: str) -> set[str]:
    """The scopes any one of which lets a bot call `method` ("none" when it needs none)."""
    if method in NOT_IN_SPEC:
        return NOT_IN_SPEC[method]
    spec = json.loads(shared_path("specs", "slack", "slack_web_openapi_v2.json").read_text())
    operation = next(iter(spec["paths"][f"/{method}"].values()))
    return {CLASSIC.get(scope, scope) for rule in operation.get("security", []) for scope in rule.get("slackAuth", [])}


def _requested() -> dict[str, set[str]]:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    app = json.loads((ROOT / "app.json").read_text())
    return {
        "manifest.yml": set(manifest["oauth_config"]["scopes"]["bot"]),
        "SLACK_SCOPES default": set(DEFAULT_SLACK_SCOPES.split(",")),
        "app.json": set(app["env"]["SLACK_SCOPES"]["value"].split(",")),
    }


def test_the_code_calls_the_methods_this_test_knows() -> None:
    assert {"chat.postMessage", "views.open", "users.info", "files.getUploadURLExternal"} <= called_methods()


def test_every_called_method_has_a_requested_scope() -> None:
    for where, scopes in _requested().items():
        for method in sorted(called_methods()):
            needed = _scopes_for(method)
            assert "none" in needed or needed & scopes, f"{where} lacks a scope for {method}: one of {sorted(needed)}"


def test_every_requested_scope_is_used() -> None:
    code = _code()
    used = set().union(*(_scopes_for(method) for method in called_methods()))
    used |= {scope for scope, pattern in FEATURE_SCOPES.items() if pattern.search(code)}
    for where, scopes in _requested().items():
        assert scopes - used == set(), f"{where} requests scopes nothing uses"


def test_the_email_save_as_contact_promises_is_requested() -> None:
    assert FEATURE_SCOPES["users:read.email"].search(_code())
    for where, scopes in _requested().items():
        assert "users:read.email" in scopes, where
