"""X API v2 requests as they go on the wire, built without I/O so they can be inspected and checked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from integrations.x.cost import Resource
from integrations.x.dialect import Dialect

USERS_PER_LOOKUP = 100
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_ID = re.compile(r"^[0-9]{1,19}$")

Auth = Literal["app", "user"]
Granularity = Literal["minute", "hour", "day"]


@dataclass(frozen=True, slots=True)
class XRequest:
    """One call as it will go on the wire; built without I/O so it can be inspected and checked."""

    method: str
    path_template: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    auth: Auth = "app"
    resource: Resource = "none"
    page_param: str | None = None

    @property
    def endpoint(self) -> str:
        """The rate-limit and logging name, e.g. 'GET /2/users/{id}/following'."""
        return f"{self.method} {self.path_template}"

    def with_page(self, token: str) -> XRequest:
        if self.page_param is None:
            raise ValueError(f"{self.endpoint} is not paginated")
        return replace(self, params={**self.params, self.page_param: token})


def utc_now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(value: datetime | None, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (UTC)")
    return {name: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _since(since_id: str | None) -> dict[str, str]:
    return {} if since_id is None else {"since_id": _check_id(since_id, "post")}


def _check_range(value: int, low: int, high: int, name: str) -> str:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return str(value)


def _check_id(value: str, what: str) -> str:
    value = str(value).strip()
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an X {what} id")
    return value


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class XRequestBuilder:
    """The request builders of XClient: each returns an XRequest for the configured API dialect."""

    dialect: Dialect

    # Request builders (no I/O) -------------------------------------------------------------

    def search_request(
        self,
        query: str,
        *,
        archive: bool = False,
        max_results: int = 100,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        since_id: str | None = None,
    ) -> XRequest:
        """Recent (last 7 days) or full-archive search, with authors and referenced posts expanded.

        `since_id` returns only posts newer than that id: how a watch polls without reading twice.
        """
        if not query.strip():
            raise ValueError("the search query is empty")
        template = "/2/tweets/search/all" if archive else "/2/tweets/search/recent"
        params = {
            "query": query,
            "max_results": _check_range(max_results, 10, 100, "max_results"),
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
            **_since(since_id),
            **self.dialect.post_params(),
        }
        return XRequest("GET", template, template, params, resource="posts", page_param="next_token")

    def counts_request(
        self,
        query: str,
        *,
        archive: bool = False,
        granularity: Granularity = "hour",
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> XRequest:
        """How many posts match `query` per minute, hour or day."""
        if granularity not in ("minute", "hour", "day"):
            raise ValueError(f"granularity must be minute, hour or day, got {granularity!r}")
        template = "/2/tweets/counts/all" if archive else "/2/tweets/counts/recent"
        params = {
            "query": query,
            "granularity": granularity,
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
        }
        return XRequest("GET", template, template, params, resource="counts", page_param="next_token")

    def users_by_usernames_requests(self, usernames: Iterable[str]) -> list[XRequest]:
        """One request per 100 usernames (duplicates and leading @ removed)."""
        names: dict[str, None] = {}
        for raw in usernames:
            name = raw.strip().lstrip("@")
            if not _USERNAME.match(name):
                raise ValueError(f"{raw!r} is not an X username")
            names.setdefault(name, None)
        return [
            XRequest(
                "GET",
                "/2/users/by",
                "/2/users/by",
                {"usernames": ",".join(chunk), **self.dialect.user_params()},
                resource="users",
            )
            for chunk in _batches(list(names), USERS_PER_LOOKUP)
        ]

    def users_by_ids_requests(self, ids: Iterable[str]) -> list[XRequest]:
        """One request per 100 user ids."""
        unique = list(dict.fromkeys(_check_id(value, "user") for value in ids))
        fields = self.dialect.user_params()
        return [
            XRequest("GET", "/2/users", "/2/users", {"ids": ",".join(chunk), **fields}, resource="users")
            for chunk in _batches(unique, USERS_PER_LOOKUP)
        ]

    def follows_request(
        self, user_id: str, direction: Literal["following", "followers"], *, max_results: int = 1000
    ) -> XRequest:
        """Who `user_id` follows, or who follows them; every entry is billed as a user read."""
        if direction not in ("following", "followers"):
            raise ValueError(f"direction must be following or followers, got {direction!r}")
        user_id = _check_id(user_id, "user")
        params = {
            "max_results": _check_range(max_results, 1, 1000, "max_results"),
            **self.dialect.user_params(),
        }
        return _user_request(user_id, direction, params, resource="users")

    def timeline_request(
        self,
        user_id: str,
        kind: Literal["tweets", "mentions"],
        *,
        max_results: int = 100,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        since_id: str | None = None,
    ) -> XRequest:
        """A user's own posts (`tweets`) or the posts mentioning them (`mentions`)."""
        if kind not in ("tweets", "mentions"):
            raise ValueError(f"kind must be tweets or mentions, got {kind!r}")
        user_id = _check_id(user_id, "user")
        params = {
            "max_results": _check_range(max_results, 5, 100, "max_results"),
            **_rfc3339(start_time, "start_time"),
            **_rfc3339(end_time, "end_time"),
            **_since(since_id),
            **self.dialect.post_params(),
        }
        return _user_request(user_id, kind, params, resource="posts")

    def create_post_request(self, text: str, *, reply_to: str | None = None) -> XRequest:
        """Create a post (user token); `reply_to` makes it a reply, which is how threads are built."""
        if not text.strip():
            raise ValueError("the post text is empty")
        body: dict[str, Any] = {"text": text}
        if reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": _check_id(reply_to, "post")}
        return XRequest("POST", "/2/tweets", "/2/tweets", json=body, auth="user", resource="create")

    def delete_post_request(self, post_id: str) -> XRequest:
        post_id = _check_id(post_id, "post")
        return XRequest("DELETE", "/2/tweets/{id}", f"/2/tweets/{post_id}", auth="user", resource="none")


def _user_request(user_id: str, part: str, params: dict[str, str], *, resource: Resource) -> XRequest:
    """GET /2/users/:id/`part` (a user's follows or timeline), paged by pagination_token."""
    return XRequest(
        "GET",
        f"/2/users/{{id}}/{part}",
        f"/2/users/{user_id}/{part}",
        params,
        resource=resource,
        page_param="pagination_token",
    )
