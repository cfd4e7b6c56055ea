"""`outreach` command line: `main()` runs the Typer app of assistant.cli.commands, where every command is registered.

The commands are imported by `main()`, not with this package: the console script's `from assistant.cli import main`
is also what a process started with 'spawn' (the digest process, jobs/digest_process.py) runs again as it starts,
and that process needs none of them (without them it is ready 0.4 s sooner).
"""

from __future__ import annotations


def main() -> None:
    from assistant.cli.commands import app

    app()
