"""Deploy files agree with the code: manifest vs registered listeners, app.json vs Settings, Procfile."""

from __future__ import annotations

import ast
import importlib
import json
from collections.abc import Callable
from pathlib import Path

import yaml

from assistant.config import DEFAULT_SLACK_SCOPES, Settings
from assistant.slack.blocks import ids
from assistant.slack.listeners.routes import Routes

ROOT = Path(__file__).resolve().parents[1]
LISTENERS = ROOT / "assistant" / "slack" / "listeners"


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def _resolver(module: ast.Module, module_name: str) -> Callable[[ast.expr], object]:
    """Resolve `NAME` and `alias.ATTR` in a listener module to their values, through its imports."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = (alias.name, None)
    own = importlib.import_module(module_name)

    def lookup(name: str) -> object:
        if hasattr(own, name):
            return getattr(own, name)
        source, attr = names[name]
        if attr is None:
            return importlib.import_module(source)
        try:
            return importlib.import_module(f"{source}.{attr}")
        except ModuleNotFoundError:
            return getattr(importlib.import_module(source), attr)

    def resolve(expr: ast.expr) -> object:
        if isinstance(expr, ast.Constant):
            return expr.value
        if isinstance(expr, ast.Name):
            return lookup(expr.id)
        if isinstance(expr, ast.Attribute):
            return getattr(resolve(expr.value), expr.attr)
        raise ValueError(ast.dump(expr))

    return resolve


ROUTE_KINDS = {
    "action": "actions",
    "view": "views",
    "options": "options",
    "message_shortcut": "message_shortcuts",
    "global_shortcut": "global_shortcuts",
}


def _registered() -> dict[str, set[str]]:
    """Every `@app.<kind>(ID)` in the listener modules, with ids resolved through the modules' imports."""
    found: dict[str, set[str]] = {}
    for path in sorted(LISTENERS.rglob("*.py")):
        module = ast.parse(path.read_text())
        parts = path.relative_to(LISTENERS).with_suffix("").parts
        module_name = ".".join(("assistant.slack.listeners", *(p for p in parts if p != "__init__")))
        resolve = _resolver(module, module_name)
        for node in ast.walk(module):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "app") or not node.args:
                continue
            if node.func.attr in ("middleware", "use", "error"):
                continue
            value = resolve(node.args[0])
            if isinstance(value, str):
                found.setdefault(node.func.attr, set()).add(value)
            elif isinstance(value, dict):  # e.g. app.shortcut({"callback_id": ..., "type": "message_action"})
                kind = "message_shortcut" if value.get("type") == "message_action" else "global_shortcut"
                found.setdefault(kind, set()).add(str(value["callback_id"]))
        routes = getattr(importlib.import_module(module_name), "ROUTES", None)  # listeners declared as data
        if isinstance(routes, Routes):
            for kind, field_name in ROUTE_KINDS.items():
                found.setdefault(kind, set()).update(getattr(i, "pattern", i) for i in getattr(routes, field_name))
    return found


def test_manifest_declares_exactly_the_command_the_code_handles() -> None:
    declared = {command["command"] for command in _manifest()["features"]["slash_commands"]}
    assert declared == _registered()["command"] == {ids.COMMAND}


def test_manifest_declares_exactly_the_events_the_code_handles() -> None:
    declared = set(_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert declared == _registered()["event"] == set(ids.EVENTS)


def test_manifest_shortcuts_match_the_code() -> None:
    shortcuts = _manifest()["features"].get("shortcuts") or []
    declared = {(s["type"], s["callback_id"]) for s in shortcuts}
    registered = _registered()
    code = {("global", cid) for cid in registered.get("global_shortcut", set()) | registered.get("shortcut", set())} | {
        ("message", cid) for cid in registered.get("message_shortcut", set())
    }
    assert declared == code


def test_core_action_ids_are_handled() -> None:
    assert set(ids.ACTIONS) <= _registered()["action"]


def test_manifest_has_interactivity_and_the_home_tab_on() -> None:
    manifest = _manifest()
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True  # we parse <@U…> and <#C…>


def test_manifest_scopes_are_the_ones_the_install_flow_requests() -> None:
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == set(DEFAULT_SLACK_SCOPES.split(","))


def test_app_json_declares_every_setting_and_nothing_else() -> None:
    app_json = json.loads((ROOT / "app.json").read_text())
    declared = set(app_json["env"])
    assert declared == {name.upper() for name in Settings.model_fields}
    for name, entry in app_json["env"].items():
        assert entry.get("description"), name
    assert app_json["env"]["ENCRYPTION_KEY"]["generator"] == "secret"
    assert {"plan": "heroku-postgresql", "as": "DATABASE"} in app_json["addons"]
    assert set(app_json["formation"]) == {"web", "worker"}


def test_procfile_runs_migrations_in_the_release_phase() -> None:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines["release"] == "outreach migrate"
    assert lines["web"].startswith("outreach serve")
    assert lines["worker"] == "outreach worker"


def test_readme_documents_every_setting_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, name
    blocks = readme.split("```sh\n")
    assert blocks[1].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e . && outreach demo")
    test_command = blocks[2].split("\n")[0]
    assert test_command.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[dev]"' in ci and "\npython -m pytest\n" in ci
