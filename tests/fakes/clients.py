"""Clients for tests: the app's outside HTTP answered by a fake (a handler or a transport), never the internet."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from assistant.clients import Clients, new_http
from assistant.config import Settings

Handler = Callable[[httpx.Request], httpx.Response]


def clients_over(fake: Handler | httpx.BaseTransport, settings: Settings | None = None) -> Clients:
    """Clients whose every HTTP call goes to `fake`; a CLI command puts its own settings in their place."""
    transport = fake if isinstance(fake, httpx.BaseTransport) else httpx.MockTransport(fake)
    return Clients(settings=settings or Settings(_env_file=None), http=lambda: new_http(transport))  # type: ignore[call-arg]
