"""The Heroku build files agree: uv.lock pins what pyproject.toml asks for, .python-version is what the buildpack reads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from typer.testing import CliRunner

from assistant.cli.commands import app

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())

Key = tuple[str, frozenset[str], SpecifierSet, str]


def _declared() -> set[Key]:
    """pyproject.toml's requirements, each extra's carrying its `extra == '…'` marker as uv records it."""
    found: set[Key] = set()
    groups: list[tuple[str | None, list[str]]] = [(None, PROJECT["dependencies"])]
    groups += list(PROJECT.get("optional-dependencies", {}).items())
    for extra, lines in groups:
        for line in lines:
            requirement = Requirement(line)
            marker = f"extra == '{extra}'" if extra else ""
            if requirement.marker is not None:
                marker = f"({requirement.marker}) and {marker}" if marker else str(requirement.marker)
            found.add(
                (
                    canonicalize_name(requirement.name),
                    frozenset(requirement.extras),
                    requirement.specifier,
                    str(Marker(marker)) if marker else "",
                )
            )
    return found


def _project_entry() -> dict[str, Any]:
    name = canonicalize_name(PROJECT["name"])
    return next(package for package in LOCK["package"] if package["name"] == name)


def _locked() -> set[Key]:
    return {
        (
            canonicalize_name(entry["name"]),
            frozenset(entry.get("extras", ())),
            SpecifierSet(entry.get("specifier", "")),
            str(Marker(entry["marker"])) if entry.get("marker") else "",
        )
        for entry in _project_entry()["metadata"]["requires-dist"]
    }


def test_lock_records_exactly_the_requirements_of_pyproject() -> None:
    declared, locked = _declared(), _locked()
    assert declared - locked == set(), "in pyproject.toml, not in uv.lock: run `uv lock`"
    assert locked - declared == set(), "in uv.lock, no longer in pyproject.toml: run `uv lock`"


def test_lock_records_the_extras_python_range_and_version_of_pyproject() -> None:
    entry = _project_entry()
    assert set(entry["metadata"].get("provides-extras", ())) == set(PROJECT["optional-dependencies"])
    assert SpecifierSet(LOCK["requires-python"]) == SpecifierSet(PROJECT["requires-python"])
    assert entry["version"] == PROJECT["version"]
    assert entry["source"] == {"editable": "."}  # uv sync installs the project, so `outreach` is on Heroku's PATH


def test_every_locked_direct_dependency_satisfies_its_range() -> None:
    versions: dict[str, list[Version]] = {}
    for package in LOCK["package"]:
        versions.setdefault(package["name"], []).append(Version(package["version"]))
    project = canonicalize_name(PROJECT["name"])
    for name, _extras, specifier, _marker in _declared():
        if name == project:
            continue  # the project's own extras
        assert name in versions, f"{name} is not locked: run `uv lock`"
        assert any(specifier.contains(v, prereleases=True) for v in versions[name]), (name, str(specifier))


def test_the_root_has_one_lock_the_buildpack_reads() -> None:
    # The Python buildpack stops when it finds more than one package manager's file.
    present = {
        name for name in ("requirements.txt", "uv.lock", "poetry.lock", "Pipfile.lock") if (ROOT / name).exists()
    }
    assert present == {"uv.lock"}


def test_python_version_is_in_the_form_the_buildpack_reads() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    assert re.fullmatch(r"3\.\d+(\.\d+)?", version), version
    assert SpecifierSet(PROJECT["requires-python"]).contains(version + ".0" if version.count(".") == 1 else version)


def test_version_option_prints_the_release() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"outreach {PROJECT['version']}"
