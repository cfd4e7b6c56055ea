"""Every request the X client can build is checked against the official OpenAPI spec of its dialect."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import pytest

from integrations.x.client import XClient
from tests.conftest import shared_path
from tests.integrations.x.recorded import make_client

SPEC_FILES = {
    "classic": "x-api-v2-openapi_v2.112_classic.json",
    "posts": "x-api-v2-openapi_v2.167_latest.json",
}
START = datetime(2026, 11, 19, 21, 0, tzinfo=UTC)
END = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)


@cache
def spec(dialect: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(shared_path("specs", "x", SPEC_FILES[dialect]).read_text("utf-8"))
    return loaded


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/")]
        node = target
    return node


def match_template(document: dict[str, Any], path: str) -> str | None:
    """The spec path template matching a concrete path; literal segments win over {params}."""
    candidates = []
    for template in document["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            candidates.append((template.count("{"), template))
    return min(candidates)[1] if candidates else None


def problems(document: dict[str, Any], method: str, path: str, params: dict[str, str], body: Any) -> list[str]:
    """What in one request the spec does not allow (empty when it conforms)."""
    template = match_template(document, path)
    if template is None:
        return [f"{path}: no such path in the spec"]
    operation = document["paths"][template].get(method.lower())
    if operation is None:
        return [f"{method} {template}: no such operation in the spec"]
    where = f"{method} {template}"
    found: list[str] = []
    declared = {}
    for raw in operation.get("parameters", []):
        parameter = _resolve(document, raw)
        declared[(parameter["in"], parameter["name"])] = parameter
    for segment, value in zip(template.split("/"), path.split("/"), strict=True):
        if segment.startswith("{"):
            name = segment.strip("{}")
            if ("path", name) not in declared:
                found.append(f"{where}: path parameter {name} not declared")
                continue
            schema = _resolve(document, declared[("path", name)].get("schema", {}))
            found.extend(_value_problems(document, where, name, value, schema))
    for (location, name), parameter in declared.items():
        if location == "query" and parameter.get("required") and name not in params:
            found.append(f"{where}: required parameter {name} missing")
    for name, value in params.items():
        parameter = declared.get(("query", name))
        if parameter is None:
            found.append(f"{where}: unknown query parameter {name!r}")
            continue
        found.extend(_value_problems(document, where, name, value, _resolve(document, parameter.get("schema", {}))))
    if body is not None:
        request_body = _resolve(document, operation.get("requestBody", {}))
        schema = _resolve(document, request_body.get("content", {}).get("application/json", {}).get("schema", {}))
        found.extend(_body_problems(document, where, body, schema))
    elif "requestBody" in operation and _resolve(document, operation["requestBody"]).get("required"):
        found.append(f"{where}: request body required")
    return found


def _value_problems(document: dict[str, Any], where: str, name: str, value: str, schema: dict[str, Any]) -> list[str]:
    found = []
    if schema.get("type") == "array":
        items = _resolve(document, schema.get("items", {}))
        values = value.split(",")
        if schema.get("uniqueItems") and len(set(values)) != len(values):
            found.append(f"{where}: {name} repeats a value")
        allowed = items.get("enum")
        for item in values:
            if allowed is not None and item not in allowed:
                found.append(f"{where}: {name}={item!r} is not one of the spec's values")
            if "pattern" in items and not re.match(items["pattern"], item):
                found.append(f"{where}: {name} item {item!r} does not match {items['pattern']}")
        if "maxItems" in schema and len(values) > schema["maxItems"]:
            found.append(f"{where}: {name} has {len(values)} items, max {schema['maxItems']}")
        return found
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {name}={value!r} is not one of {schema['enum']}")
    if schema.get("type") == "integer":
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            found.append(f"{where}: {name}={number} below {schema['minimum']}")
        if "maximum" in schema and number > schema["maximum"]:
            found.append(f"{where}: {name}={number} above {schema['maximum']}")
    if schema.get("format") == "date-time" and not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", value):
        found.append(f"{where}: {name}={value!r} is not an RFC 3339 date-time")
    if "pattern" in schema and not re.match(schema["pattern"], value):
        found.append(f"{where}: {name}={value!r} does not match {schema['pattern']}")
    return found


def _body_problems(document: dict[str, Any], where: str, body: Any, schema: dict[str, Any]) -> list[str]:
    if not isinstance(body, dict):
        return []
    properties = schema.get("properties", {})
    found = [f"{where}: body field {key!r} missing" for key in schema.get("required", []) if key not in body]
    for key, value in body.items():
        if key not in properties:
            found.append(f"{where}: unknown body field {key!r}")
        else:
            found.extend(_body_problems(document, f"{where} {key}", value, _resolve(document, properties[key])))
    return found


def _reply(request: httpx.Request, _n: int) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(201, json={"data": {"id": "1", "text": "hi"}})
    if request.method == "DELETE":
        return httpx.Response(200, json={"data": {"deleted": True}})
    # Every page points to another, so the paging parameter is exercised too.
    return httpx.Response(200, json={"data": [], "meta": {"result_count": 0, "next_token": "NEXT0123"}})


def _walk(client: XClient) -> dict[str, Callable[[], object]]:
    """Drive every public call of the client with every option it has."""
    times = {"start_time": START, "end_time": END}
    return {
        "search_recent": lambda: list(
            client.search_recent("#ukfechat", max_pages=2, max_results=100, since_id="1578516068309794817", **times)
        ),
        "search_all": lambda: list(client.search_all("#ukfechat", max_pages=2, max_results=10, **times)),
        "counts": lambda: [
            list(client.counts("#ukfechat", max_pages=2, archive=archive, granularity=granularity, **times))
            for archive in (False, True)
            for granularity in ("minute", "hour", "day")
        ],
        "users_by_usernames": lambda: list(client.users_by_usernames([f"user_{i}" for i in range(150)] + ["@XDevs"])),
        "users_by_ids": lambda: list(client.users_by_ids([str(2244994945 + i) for i in range(101)])),
        "following": lambda: list(client.following("2244994945", max_pages=2)),
        "followers": lambda: list(client.followers("2244994945", max_pages=2, max_results=1)),
        "user_posts": lambda: list(client.user_posts("2244994945", max_pages=2, max_results=5, **times)),
        "mentions": lambda: list(
            client.mentions("2244994945", max_pages=2, max_results=100, since_id="1578516068309794817", **times)
        ),
        "create_post": lambda: [
            client.create_post("Q1 is up"),
            client.create_post("A2", reply_to="1578516068309794817"),
        ],
        "delete_post": lambda: client.delete_post("1578516068309794817"),
    }


def _calls_of(cls: type) -> set[str]:
    """Public methods that talk to X (builders, `send` and `pages` are exercised through them)."""
    names = set()
    for name, _member in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or name.endswith(("_request", "_requests")) or name in {"send", "pages"}:
            continue
        names.add(name)
    return names


@pytest.mark.parametrize("dialect", ["classic", "posts"])
def test_every_request_the_client_builds_conforms_to_its_spec(dialect: str) -> None:
    client, recorder = make_client(_reply, x_api_dialect=dialect)
    walk = _walk(client)
    assert set(walk) == _calls_of(XClient), "a public call of XClient is not walked by this test"
    for call in walk.values():
        call()

    document = spec(dialect)
    found: list[str] = []
    seen_templates = set()
    for request in recorder.requests:
        params = dict(request.url.params)
        assert len(params) == len(request.url.params.multi_items()), "a parameter is sent twice"
        body = json.loads(request.content) if request.content else None
        found.extend(problems(document, request.method, request.url.path, params, body))
        seen_templates.add((request.method, match_template(document, request.url.path)))
    assert found == []
    assert seen_templates == {
        ("GET", "/2/tweets/search/recent"),
        ("GET", "/2/tweets/search/all"),
        ("GET", "/2/tweets/counts/recent"),
        ("GET", "/2/tweets/counts/all"),
        ("GET", "/2/users/by"),
        ("GET", "/2/users"),
        ("GET", "/2/users/{id}/following"),
        ("GET", "/2/users/{id}/followers"),
        ("GET", "/2/users/{id}/tweets"),
        ("GET", "/2/users/{id}/mentions"),
        ("POST", "/2/tweets"),
        ("DELETE", "/2/tweets/{id}"),
    }
    # The paging parameter was sent, under the name each endpoint uses.
    paged = {
        (r.url.path, key)
        for r in recorder.requests
        for key in ("next_token", "pagination_token")
        if key in r.url.params
    }
    assert ("/2/tweets/search/recent", "next_token") in paged
    assert ("/2/users/2244994945/following", "pagination_token") in paged


@pytest.mark.parametrize("dialect", ["classic", "posts"])
def test_the_xrequest_templates_are_the_spec_templates(dialect: str) -> None:
    client, _ = make_client(_reply, x_api_dialect=dialect)
    document = spec(dialect)
    requests = [
        client.search_request("#a"),
        client.search_request("#a", archive=True),
        client.counts_request("#a"),
        client.counts_request("#a", archive=True),
        *client.users_by_usernames_requests(["a"]),
        *client.users_by_ids_requests(["1"]),
        client.follows_request("1", "following"),
        client.follows_request("1", "followers"),
        client.timeline_request("1", "tweets"),
        client.timeline_request("1", "mentions"),
        client.create_post_request("hi"),
        client.delete_post_request("1"),
    ]
    for request in requests:
        assert match_template(document, request.path) == request.path_template
        assert request.method.lower() in document["paths"][request.path_template]


def test_dialects_name_the_post_fields_as_their_spec_does() -> None:
    classic, _ = make_client(_reply, x_api_dialect="classic")
    posts, _ = make_client(_reply, x_api_dialect="posts")
    assert "tweet.fields" in classic.search_request("#a").params
    assert "referenced_tweets.id" in classic.search_request("#a").params["expansions"].split(",")
    assert "post.fields" in posts.search_request("#a").params
    assert "tweet.fields" not in posts.search_request("#a").params
    assert "referenced_posts" in posts.search_request("#a").params["expansions"].split(",")


def test_the_checker_rejects_what_the_spec_does_not_allow() -> None:
    """Guard against a vacuous checker: the classic names are wrong for the latest spec, and vice versa."""
    latest, classic = spec("posts"), spec("classic")
    assert problems(latest, "GET", "/2/tweets/search/recent", {"query": "a", "tweet.fields": "lang"}, None)
    assert problems(classic, "GET", "/2/tweets/search/recent", {"query": "a", "post.fields": "lang"}, None)
    assert problems(classic, "GET", "/2/tweets/search/recent", {"query": "a", "expansions": "referenced_posts"}, None)
    assert problems(classic, "GET", "/2/tweets/search/recent", {"query": "a", "max_results": "101"}, None)
    assert problems(classic, "GET", "/2/users/1/following", {"next_token": "x"}, None)
    assert problems(classic, "POST", "/2/tweets", {}, {"text": "a", "reply": {"in_reply_to_post_id": "1"}})
    assert problems(classic, "GET", "/2/posts/search/recent", {}, None)
    assert problems(classic, "GET", "/2/users/TwitterDev/following", {}, None)
    assert problems(classic, "GET", "/2/users/by", {"usernames": ",".join(["a"] * 101)}, None)
    assert not problems(classic, "GET", "/2/tweets/counts/recent", {"query": "a", "granularity": "day"}, None)
