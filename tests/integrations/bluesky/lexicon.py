"""A small checker for the official Bluesky lexicons in ../shared/specs/bluesky (params and required fields)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tests.conftest import SHARED, shared_path


@cache
def lexicon(nsid: str) -> dict[str, Any]:
    return json.loads(shared_path("specs", "bluesky", f"{nsid}.json").read_text())


def _available(nsid: str) -> bool:
    return (SHARED / "specs" / "bluesky" / f"{nsid}.json").exists()


def resolve(ref: str, context: str) -> tuple[str, dict[str, Any]] | None:
    """The definition a lexicon ref points at ("#name", "nsid#name" or "nsid"), None if that file is absent."""
    nsid, _, name = ref.partition("#")
    nsid = nsid or context
    if not _available(nsid):
        return None
    return nsid, lexicon(nsid)["defs"][name or "main"]


def query_parameters(nsid: str) -> dict[str, Any]:
    return lexicon(nsid)["defs"]["main"]["parameters"]


def check_params(nsid: str, params: dict[str, list[str]]) -> None:
    """Every sent parameter exists in the query's lexicon, required ones are sent, values fit the limits."""
    spec = query_parameters(nsid)
    unknown = set(params) - set(spec["properties"])
    assert not unknown, f"{nsid} has no parameters {sorted(unknown)}"
    missing = set(spec.get("required", [])) - set(params)
    assert not missing, f"{nsid} needs {sorted(missing)}"
    for name, values in params.items():
        prop = spec["properties"][name]
        if prop["type"] != "array":
            assert len(values) == 1, f"{name} is not an array in {nsid}"
        if prop["type"] == "integer":
            value = int(values[0])
            assert prop.get("minimum", value) <= value <= prop.get("maximum", value), f"{name}={value} out of range"
        if "knownValues" in prop:
            assert values[0] in prop["knownValues"], f"{name}={values[0]} not one of {prop['knownValues']}"


def check_output(nsid: str, body: Any) -> int:
    """Check `body` against the query's output schema; return how many objects were checked."""
    schema = lexicon(nsid)["defs"]["main"]["output"]["schema"]
    return conform(body, schema, nsid, f"{nsid} output")


def _full_ref(ref: str, context: str) -> str:
    if ref.startswith("#"):
        return context + ref
    return ref if "#" in ref else ref + "#main"


def conform(value: Any, schema: dict[str, Any], context: str, where: str) -> int:
    kind = schema.get("type")
    if kind == "ref":
        target = resolve(schema["ref"], context)
        if target is None:
            return 0
        return conform(value, target[1], target[0], where)
    if kind == "union":
        assert isinstance(value, dict) and "$type" in value, f"{where}: union member without $type"
        refs = {_full_ref(ref, context) for ref in schema["refs"]}
        assert _full_ref(value["$type"], context) in refs, f"{where}: $type {value['$type']} not in {refs}"
        target = resolve(value["$type"], context)
        return 0 if target is None else conform(value, target[1], target[0], where)
    if kind == "object":
        assert isinstance(value, dict), f"{where}: expected an object"
        for name in schema.get("required", []):
            assert name in value, f"{where}: required field {name!r} missing"
        count = 1
        for name, prop in schema.get("properties", {}).items():
            if name in value:
                count += conform(value[name], prop, context, f"{where}.{name}")
        return count
    if kind == "array":
        assert isinstance(value, list), f"{where}: expected an array"
        return sum(conform(item, schema["items"], context, f"{where}[]") for item in value)
    if kind == "string":
        assert isinstance(value, str), f"{where}: expected a string"
    elif kind == "integer":
        assert isinstance(value, int), f"{where}: expected an integer"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: expected a boolean"
    return 0
