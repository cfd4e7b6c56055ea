"""Worker source: each team's weekly digest at its local weekday and hour, posted once through the outbox."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.models.base import require_id
from assistant.models.codecs import weekly_crosspost_key
from assistant.models.workspaces import Workspace
from assistant.render.blocks_text import blocks_to_text
from assistant.render.followers_chart import followers_chart_png
from assistant.services.team.settings import yammer_crosspost, yammer_group_id
from assistant.services.weekly.digest import outbox_key, slot_instant, weekly_data
from assistant.services.yammer.crosspost import team_token
from assistant.slack.blocks.weekly import weekly_blocks, weekly_text
from assistant.worker import DueJob

log = logging.getLogger(__name__)

LATE_LIMIT = timedelta(hours=12)  # after a long outage, a digest more than 12 hours late is skipped


class WeeklyDigests:
    """Due source: a job per team whose slot has come this ISO week (key weekly:{id}:{year}-W{week})."""

    def __init__(self, deps: Clients) -> None:
        self._deps = deps

    def __call__(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        with Session(engine) as session:
            workspaces = session.exec(select(Workspace)).all()
        for workspace in workspaces:
            channel = workspace.digest_channel_id or workspace.comms_channel_id
            if not channel:
                continue
            slot = slot_instant(workspace, now)
            if not slot <= now < slot + LATE_LIMIT:
                continue
            key = outbox_key(workspace, slot)
            yield DueJob(key=key, action=self._post(engine, require_id(workspace), channel, now))
            group = yammer_group_id(workspace)
            if yammer_crosspost(workspace) and group:
                yield DueJob(
                    key=weekly_crosspost_key(key), action=self._crosspost(engine, require_id(workspace), group, now)
                )

    def _crosspost(self, engine: Engine, workspace_id: int, group_id: str, now: datetime) -> Any:
        """The same digest as plain text in the team's Yammer group, with the team's connected Yammer token."""

        def action() -> dict[str, Any]:
            deps = self._deps
            with Session(engine) as session:
                workspace = session.get(Workspace, workspace_id)
                assert workspace is not None
                token = team_token(session, deps.settings, workspace_id)
                if token is None:
                    return {"skipped": "no Yammer account connected"}
                text = blocks_to_text(weekly_blocks(weekly_data(session, workspace, now)))
            with deps.http() as http:
                message = deps.yammer(http, token=token).post_message(text, group_id=group_id)
            return {"yammer_message": str(message.id)}

        return action

    def _post(self, engine: Engine, workspace_id: int, channel: str, now: datetime) -> Any:
        def action() -> dict[str, Any]:
            deps = self._deps
            with Session(engine) as session:
                workspace = session.get(Workspace, workspace_id)
                assert workspace is not None
                data = weekly_data(session, workspace, now, archive_url=deps.settings.archive_url)
                client = deps.slack_for(workspace.slack_team_id)
            response = client.chat_postMessage(channel=channel, text=weekly_text(data), blocks=weekly_blocks(data))
            result: dict[str, Any] = {"channel": channel, "ts": response.get("ts")}
            chart = followers_chart_png([(week.handle, week.weekly_followers) for week in data.accounts or []])
            if chart is not None:
                try:
                    client.files_upload_v2(
                        channel=channel,
                        content=chart,
                        filename="followers-8-weeks.png",
                        title="Followers, last 8 weeks",
                        thread_ts=response.get("ts"),
                    )
                    result["chart"] = True
                except Exception:  # the digest itself is posted; the chart is a nicety
                    log.exception("weekly digest chart upload failed for workspace %s", workspace_id)
            return result

        return action
