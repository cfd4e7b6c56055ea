"""What the digest process imports as it starts: the console script's package and its own modules, not the commands,
the web app or the other jobs (each a fresh interpreter, as a 'spawn' child is)."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_after(statement: str, modules: list[str]) -> dict[str, bool]:
    """Which of `modules` a fresh interpreter has loaded after running `statement`."""
    probe = f"import json, sys\n{statement}\nprint(json.dumps({{m: m in sys.modules for m in {modules!r}}}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


COMMAND_MODULES = ["chats", "contacts", "cost", "data", "digests", "doctor", "mapping", "runtime"]
COMMANDS = [*(f"assistant.cli.{name}" for name in COMMAND_MODULES), "assistant.cli.commands", "typer"]
JOBS = [
    f"assistant.jobs.{name}"
    for name in ("accounts", "chats.runner", "contacts", "digests", "mapping", "watches", "weekly")
]
OTHER_JOBS = [*JOBS, "assistant.clients", "assistant.slack.app"]  # what the digest process does without


def test_the_console_script_import_registers_no_command() -> None:
    # `from assistant.cli import main` is what the outreach script runs, and what a spawned child runs again
    assert _loaded_after("from assistant.cli import main", COMMANDS) == dict.fromkeys(COMMANDS, False)


def test_the_digest_process_module_imports_no_other_job_nor_the_x_text_rules() -> None:
    modules = [*OTHER_JOBS, "twitter_text", "assistant.jobs.digest_steps"]
    loaded = _loaded_after("import assistant.jobs.digest_process", modules)
    assert loaded == {**dict.fromkeys(OTHER_JOBS, False), "twitter_text": False, "assistant.jobs.digest_steps": True}


def test_main_still_registers_every_command_before_it_parses() -> None:
    run = "sys.argv = ['outreach', '--version']\ntry:\n    main()\nexcept SystemExit:\n    pass"
    assert _loaded_after(f"from assistant.cli import main\n{run}", COMMANDS) == dict.fromkeys(COMMANDS, True)


def test_the_worker_sources_still_import_every_job() -> None:
    build = (
        "from assistant.jobs import sources\n"
        "from assistant.clients import Clients\n"
        "from assistant.config import Settings\n"
        "from assistant.db import create_db_engine\n"
        "sources(Clients.from_settings(Settings(), create_db_engine('sqlite://')))"
    )
    assert _loaded_after(build, JOBS) == dict.fromkeys(JOBS, True)
