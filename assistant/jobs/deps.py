"""What the worker's feature sources need (settings, HTTP to the networks, Slack), built lazily from the environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from slack_sdk import WebClient

from assistant.config import Settings, load_settings


@dataclass
class JobDeps:
    settings: Settings
    http: Callable[[], httpx.Client]
    slack: Callable[[], WebClient]

    @classmethod
    def from_settings(cls, settings: Settings) -> JobDeps:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        return cls(
            settings=settings,
            http=lambda: httpx.Client(timeout=20.0),
            slack=lambda: WebClient(token=token, base_url=settings.slack_api_url),
        )


class LazyDeps:
    """Resolves JobDeps on first use so importing the job modules reads nothing."""

    def __init__(self, deps: JobDeps | None = None, factory: Callable[[], JobDeps] | None = None) -> None:
        self._deps = deps
        self._factory = factory or (lambda: JobDeps.from_settings(load_settings()))

    def get(self) -> JobDeps:
        if self._deps is None:
            self._deps = self._factory()
        return self._deps
