"""Helpers for the actor table and fuzz tests: every registered action and view, an app that finishes before it answers."""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from assistant.slack.app import create_app
from assistant.slack.context import Services
from assistant.slack.listeners.routes import Routes
from assistant.standins.slack import SlackStandIn
from assistant.web import create_wsgi_app
from tests.fakes.slack import SlackHarness, make_settings

LISTENERS = Path(__file__).resolve().parents[2] / "assistant" / "slack" / "listeners"


@dataclass(frozen=True, slots=True)
class Registered:
    module: str
    kind: str  # "action" or "view"
    ident: str


def registered() -> list[Registered]:
    """Every `app.action(...)` and `app.view(...)` id the listener modules register, and every action and view in
    a `Routes(...)` table, read from their source."""
    found: list[Registered] = []
    for path in sorted(LISTENERS.rglob("*.py")):
        module = importlib.import_module(listener_module(path))
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("action", "view")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and node.args
            ):
                found.append(Registered(module.__name__, node.func.attr, _ident(node.args[0], module)))
        routes = getattr(module, "ROUTES", None)  # listeners declared as data (slack/listeners/routes.Routes)
        if isinstance(routes, Routes):
            for kind, table in (("action", routes.actions), ("view", routes.views)):
                found.extend(Registered(module.__name__, kind, _id_of(ident)) for ident in table)
    return found


def _ident(expr: ast.expr, module: Any) -> str:
    return _id_of(eval(ast.unparse(expr), vars(module)))  # noqa: S307 - an id constant of our own module


def _id_of(ident: object) -> str:
    if isinstance(ident, re.Pattern):  # `^contact_merge(:.*)?$`: the id a button of that family sends
        ident = ident.pattern.lstrip("^").split("(", 1)[0].rstrip("$")
    return str(ident)


def listener_module(path: Path) -> str:
    """The dotted name of a listener module (a package's `__init__.py` is the package)."""
    parts = path.relative_to(LISTENERS).with_suffix("").parts
    return ".".join(("assistant", "slack", "listeners", *(p for p in parts if p != "__init__")))


@contextmanager
def finishing_harness(engine: Engine, database_url: str, **overrides: Any) -> Iterator[SlackHarness]:
    """The app with process_before_response: each listener has finished when its HTTP answer arrives."""
    with SlackStandIn() as slack:
        settings = make_settings(database_url, slack, **overrides)
        services = Services.build(settings, engine)
        bolt = create_app(settings, services, process_before_response=True)
        with httpx.Client(transport=httpx.WSGITransport(app=create_wsgi_app(bolt, engine)), base_url="http://t") as h:
            yield SlackHarness(slack, settings, services, bolt, h)


# Link buttons: Slack opens the URL, the app only acknowledges. What counts as answering the user:
LINKS = frozenset({"accounts_x_link", "digest_open_archive", "watch_open"})
ANSWERS = ("response/", "chat.postEphemeral", "chat.postMessage", "views.open", "views.publish", "views.push")
UNSTORED = {"workspace", "slack_event_receipt"}  # made on first contact with a team, and by any delivery


def stored_rows(engine: Engine) -> str:
    """A digest of every stored row (but a workspace's first-contact row and its audit entry)."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in UNSTORED:
                continue
            query = sa.select(table)
            if table.name == "audit_log":
                query = query.where(table.c.action != "workspace.created")
            rows = connection.execute(query).all()
            digest.update(table.name.encode())
            digest.update(json.dumps(sorted(map(repr, rows))).encode())
    return digest.hexdigest()
