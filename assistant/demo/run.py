"""`outreach demo`: the product offline on its defaults, with a local Slack stand-in, shown as text."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from assistant import migrate
from assistant.config import Settings
from assistant.db import create_db_engine
from assistant.demo.chats import step_chat
from assistant.demo.contacts import step_contacts
from assistant.demo.context import DEMO_BOT_TOKEN, DEMO_SIGNING_SECRET, DemoContext, Step
from assistant.demo.digests import step_digest
from assistant.demo.mapping import step_mapping
from assistant.demo.weekly import step_weekly
from assistant.slack.app import create_app
from assistant.slack.context import Services
from assistant.standins import slack_requests as requests
from assistant.standins.slack import SlackStandIn


def step_help(ctx: DemoContext) -> None:
    answer = ctx.command("help")
    ctx.show("/outreach help  (ephemeral reply)", answer.get("blocks"), answer.get("text", ""))
    typo = ctx.command("mpa")
    ctx.show("/outreach mpa  (a typo)", text=typo.get("text", ""))


def step_home(ctx: DemoContext) -> None:
    ctx.event(requests.app_home_opened("U0COMMS001"))
    published = ctx.slack.wait_for("views.publish")[-1]
    view = published.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    ctx.show("App Home of Dev Patel (comms)", view["blocks"])


STEPS: list[Step] = [
    step_help,
    step_home,
    step_contacts,
    step_mapping,
    step_digest,
    step_chat,
    step_weekly,
]  # step_weekly stays last (the demo ends with the weekly digest)


def run_demo(*, database: Path, output: Path, console: Console) -> DemoContext:
    """Create a fresh SQLite database, migrate it, start the Slack stand-in and run every demo step."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    output.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    console.print(f"[bold]Outreach Assistant demo[/] — database {database} (migrated to {migrate.head_revision(url)})")
    with SlackStandIn() as slack:
        settings = Settings(
            database_url=url,
            slack_bot_token=SecretStr(DEMO_BOT_TOKEN),
            slack_signing_secret=SecretStr(DEMO_SIGNING_SECRET),
            slack_api_url=slack.base_url,
            slack_comms_usergroup="S0COMMS001",
            slack_app_token=None,
            slack_client_id=None,
        )
        engine = create_db_engine(url)
        bolt = create_app(settings, Services.build(settings, engine))
        console.print(f"Slack stand-in at {slack.base_url}: bot token verified with auth.test")
        ctx = DemoContext(console, settings, engine, slack, bolt, output)
        try:
            for step in STEPS:
                step(ctx)
        finally:
            engine.dispose()
        console.print(
            f"[green]Demo finished[/]: {len(slack.calls)} Slack API calls made to the stand-in; files in {output}/"
        )
    return ctx
