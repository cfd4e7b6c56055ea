"""A feature's Bolt listeners as data (what each answers: an action, a view, an options load, a shortcut), registered
in one loop, with the `/outreach` subcommands the feature adds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

from assistant.slack.context import Services
from assistant.slack.listeners.commands import Handler

Matcher = str | re.Pattern[str]
Listener = Callable[..., Any]


@dataclass(frozen=True)
class Routes:
    """Listeners by the id they answer, in Bolt's order within each kind; `subcommands` by name."""

    actions: Mapping[Matcher, Listener] = field(default_factory=dict)
    views: Mapping[Matcher, Listener] = field(default_factory=dict)
    options: Mapping[Matcher, Listener] = field(default_factory=dict)
    message_shortcuts: Mapping[Matcher, Listener] = field(default_factory=dict)
    global_shortcuts: Mapping[Matcher, Listener] = field(default_factory=dict)
    subcommands: Mapping[str, Handler] = field(default_factory=dict)

    def register(self, app: App, services: Services | None = None) -> dict[str, Handler]:
        """Register every listener with `app`; return the subcommands (a feature's `register`: listeners read the
        services from the request context, so `services` is not needed here)."""
        kinds = (
            (app.global_shortcut, self.global_shortcuts),
            (app.message_shortcut, self.message_shortcuts),
            (app.view, self.views),
            (app.options, self.options),
            (app.action, self.actions),
        )
        for route, listeners in kinds:
            for matcher, listener in listeners.items():
                route(matcher)(listener)
        return dict(self.subcommands)
