"""The networks `outreach fetch` searches (X, Mastodon, Bluesky), what each needs, and fetching into the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy.engine import Engine

from assistant.clients import Clients
from assistant.config import Settings
from assistant.services.costs.ledger import x_meter
from assistant.services.digests.collect import mastodon_chat
from assistant.services.ingest.writer import Tally, Writer
from integrations.errors import IntegrationError
from integrations.normalized import Batch


@dataclass(frozen=True, slots=True)
class Search:
    """One search: the query (a hashtag on Mastodon), the time window, the most posts wanted."""

    query: str
    start: datetime | None = None
    end: datetime | None = None
    limit: int | None = None


Tell = Callable[[str], None]
"""Told a line for the person running the fetch (what it cost, whose view of the network it was)."""


@dataclass(frozen=True, slots=True)
class FetchSource:
    """A searchable network: the settings it is missing (None when ready) and its pages as batches (its client built
    by `Clients` over the given httpx client)."""

    name: str
    missing: Callable[[Settings], str | None]
    pages: Callable[[Search, Clients, httpx.Client, Engine, Tell], Iterator[Batch]]


def _x_missing(settings: Settings) -> str | None:
    if settings.x_bearer_token is None:
        return "X_BEARER_TOKEN is not set; X search needs the app's bearer token"
    return None


def _x_pages(search: Search, clients: Clients, http: httpx.Client, engine: Engine, tell: Tell) -> Iterator[Batch]:
    meter = x_meter(engine, clients.settings.x_prices(), workspace_id=None, job_kind="cli", job_id="fetch")
    client = clients.x(http, meter=meter)
    page_size = max(10, min(100, search.limit or 100))
    try:
        for page in client.search_recent(
            search.query, max_results=page_size, start_time=search.start, end_time=search.end
        ):
            yield page.batch()
    finally:
        tell(f"X cost of this fetch: ${client.meter.cost:,.2f} ({client.meter.calls} calls)")


def _mastodon_pages(
    search: Search, clients: Clients, http: httpx.Client, engine: Engine, tell: Tell
) -> Iterator[Batch]:
    """The hashtag's timeline and the threads it started, as the digest collection reads a chat (`mastodon_chat`)."""
    mastodon = clients.mastodon(http)
    for gathered in mastodon_chat(mastodon, search.query, start=search.start, end=search.end):
        yield gathered.batch


def _bluesky_missing(settings: Settings) -> str | None:
    if not settings.bluesky_handle or settings.bluesky_app_password is None:
        missing = "BLUESKY_HANDLE" if not settings.bluesky_handle else "BLUESKY_APP_PASSWORD"
        return f"{missing} is not set; Bluesky search needs a handle and an app password"
    return None


def _bluesky_pages(search: Search, clients: Clients, http: httpx.Client, engine: Engine, tell: Tell) -> Iterator[Batch]:
    bluesky = clients.bluesky(http)
    limit = min(100, search.limit or 100)
    for search_page in bluesky.search_posts(search.query, since=search.start, until=search.end, limit=limit):
        yield search_page.batch


SOURCES: dict[str, FetchSource] = {
    source.name: source
    for source in (
        FetchSource("x", _x_missing, _x_pages),
        FetchSource("mastodon", lambda _settings: None, _mastodon_pages),
        FetchSource("bluesky", _bluesky_missing, _bluesky_pages),
    )
}


@dataclass
class Fetched:
    """What a fetch stored, and why it stopped early (empty when it did not)."""

    tally: Tally
    stopped: str = ""


def fetch_into(
    engine: Engine,
    source: FetchSource,
    search: Search,
    clients: Clients,
    http: httpx.Client,
    *,
    keep_raw: bool = False,
    tell: Tell = lambda _line: None,
    progress: Callable[[int], None] = lambda _posts: None,
) -> Fetched:
    """Search `source` (its client from `clients`, over `http`) and store its pages up to the limit; a network error
    stops it, keeping what came before."""
    tally = Tally()
    writer = Writer(engine, tally, keep_raw=keep_raw, captured_at=datetime.now(UTC))
    fetched = Fetched(tally)
    limit = search.limit
    try:
        count = 0
        try:
            for batch in source.pages(search, clients, http, engine, tell):
                if limit is not None and count + len(batch.posts) > limit:
                    batch.posts = batch.posts[: limit - count]
                count += len(batch.posts)
                for problem in batch.problems:
                    tally.note(source.name, problem)
                writer.add(batch)
                progress(count)
                if limit is not None and count >= limit:
                    break
        except IntegrationError as exc:
            fetched.stopped = str(exc)
        except ValueError as exc:
            fetched.stopped = f"the request was refused before sending: {exc}"
    except BaseException:
        writer.close(commit=False)
        raise
    writer.close()
    return fetched
