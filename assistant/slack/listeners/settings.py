"""`/outreach settings` (admins): the team's channels, weekly digest slot, posting targets and Yammer cross-posting."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from assistant.models.base import require_id, utcnow
from assistant.services.team import settings as team_settings
from assistant.slack.blocks import settings as blocks
from assistant.slack.context import Services, Viewer
from assistant.slack.listeners.commands import CommandContext, Handler


def register(app: App, services: Services) -> dict[str, Handler]:
    """Register the settings form; return the `settings` subcommand."""
    app.view(blocks.SETTINGS_VIEW)(on_submit)
    return {"settings": settings_command}


def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The settings form: admins only, checked again on submission; each change validated and audited."""
    viewer: Viewer = context["viewer"]
    services: Services = context["services"]
    if not viewer.is_admin:
        ack(response_action="errors", errors={"timezone": "Only admins can change the team's settings."})
        return
    values = blocks.read_values(view["state"])
    with context["session"]() as session:
        try:
            changed = team_settings.update(
                session,
                workspace_id=require_id(context["workspace"]),
                changes=values,
                actor=viewer.user_id,
                now=utcnow(),
            )
        except team_settings.SettingsError as exc:
            ack(response_action="errors", errors={exc.field: str(exc)})
            return
    ack()
    services.roles.forget(team_id=viewer.team_id)
    services.workspaces.forget(viewer.team_id)  # the next request reads the new settings
    client.chat_postMessage(channel=viewer.user_id, text=blocks.saved_text(changed))


def settings_command(ctx: CommandContext) -> None:
    """`/outreach settings`: the form, filled from the stored settings (admins only)."""
    if not ctx.viewer.is_admin:
        ctx.error("Only admins can change the team's settings. Ask a workspace admin.")
        return
    ctx.ack()
    with ctx.services.session() as session:
        form = team_settings.current(session, require_id(ctx.workspace))
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.settings_modal(blocks.SettingsForm(**form)))
