"""The features plugged into the Slack app, in order.

Each feature module owns its surfaces (commands, actions, views, shortcuts) so a feature stays in
one small module instead of being spread over per-surface files; its `register(app, services)` (a
listener module's function, or a `Routes` table's method for the features declared as data)
registers its listeners and returns its `/outreach` subcommand handlers by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from slack_bolt import App

from assistant.slack.context import Services
from assistant.slack.listeners import accounts as accounts_listeners
from assistant.slack.listeners import chats as chats_listeners
from assistant.slack.listeners import contacts as contacts_listeners
from assistant.slack.listeners import costs as costs_listeners
from assistant.slack.listeners import digests as digests_listeners
from assistant.slack.listeners import mapping as mapping_listeners
from assistant.slack.listeners import settings as settings_listeners
from assistant.slack.listeners import watches as watches_listeners
from assistant.slack.listeners.commands import Handler


class Feature(Protocol):
    def register(self, app: App, services: Services) -> Mapping[str, Handler] | None: ...


# Add a feature: import its listener module here and append it (or its ROUTES table) to FEATURES.
FEATURES: tuple[Feature, ...] = (
    accounts_listeners,
    settings_listeners,
    watches_listeners,
    chats_listeners.ROUTES,
    contacts_listeners.ROUTES,
    mapping_listeners.ROUTES,
    digests_listeners,
    costs_listeners,
)
