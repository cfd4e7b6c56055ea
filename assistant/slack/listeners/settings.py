"""`/outreach settings` (admins): the team's channels, weekly digest slot, posting targets and Yammer cross-posting."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from assistant.models.base import require_id, utcnow
from assistant.services.team import settings as team_settings
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import settings as blocks
from assistant.slack.context import Services
from assistant.slack.listeners.commands import CommandContext, Handler


def register(app: App, services: Services) -> dict[str, Handler]:
    @app.view(blocks.SETTINGS_VIEW)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not services.roles.is_admin(client, team_id=team_id, user_id=user_id):
            ack(response_action="errors", errors={"timezone": "Only admins can change the team's settings."})
            return
        values = blocks.read_values(view["state"])
        with Session(services.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=team_id)
            try:
                changed = team_settings.update_settings(
                    session, workspace=workspace, changes=values, actor=user_id, now=utcnow()
                )
            except team_settings.SettingsError as exc:
                ack(response_action="errors", errors={exc.field: str(exc)})
                return
        ack()
        services.roles.forget(team_id=team_id)
        client.chat_postMessage(channel=user_id, text=blocks.saved_text(changed))

    return {"settings": lambda ctx: settings_command(services, ctx)}


def settings_command(services: Services, ctx: CommandContext) -> None:
    if not services.roles.is_admin(ctx.client, team_id=ctx.team_id, user_id=ctx.user_id):
        ctx.error("Only admins can change the team's settings. Ask a workspace admin.")
        return
    ctx.ack()
    with Session(services.engine) as session:
        workspace = ensure_workspace(session, slack_team_id=ctx.team_id)
        session.commit()
        slot = team_settings.weekly_slot(workspace)
        form = blocks.SettingsForm(
            comms_usergroup_id=workspace.comms_usergroup_id,
            comms_channel_id=workspace.comms_channel_id,
            digest_channel_id=workspace.digest_channel_id,
            weekday=slot.weekday,
            hour=slot.hour,
            timezone=slot.timezone,
            yammer_crosspost=team_settings.yammer_crosspost(workspace),
            yammer_group_id=team_settings.yammer_group_id(workspace),
            post_langs=team_settings.post_langs(workspace),
            x_monthly_budget=team_settings.x_monthly_budget(workspace),
            targets=[
                (require_id(a), a.handle, a.daily_post_target)
                for a in team_settings.accounts_for_targets(session, require_id(workspace))
            ],
        )
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=blocks.settings_modal(form))
