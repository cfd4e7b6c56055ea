"""The demo's chat step: schedule a chat through the modal, print its run sheet, run it against a local fake X."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_bolt import BoltRequest
from slack_sdk import WebClient
from sqlmodel import Session, col, select

from assistant.clients import new_http
from assistant.crypto import TokenCipher
from assistant.demo.chat_digest import PEOPLE, DemoClock, digest_own_chat
from assistant.jobs.chats.runner import ChatRunner
from assistant.models.base import require_id, utcnow
from assistant.models.chats import ChatSeries
from assistant.render.ics import chat_calendar
from assistant.services.accounts.credentials import save_credential
from assistant.services.chats.repo import occurrences_of
from assistant.services.chats.signoff import run_sheet
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import chats as blocks
from assistant.standins import slack_requests as requests
from assistant.standins.slack import TEAM_ID
from assistant.standins.x import XStandIn, XUser
from assistant.worker import Worker
from integrations.x.oauth import TokenSet

if TYPE_CHECKING:
    from assistant.demo.context import DemoContext

TITLE = "FE after the review, with our policy team"
QUESTIONS = (
    "What changed for your learners this term?\n"
    "Which support helped you most, and why?\n"
    "What should policy makers ask FE teachers next?\n"
    "Read our summary https://example.org/fe-review first: what is missing?"
)


def _field(kind: str, value: Any) -> dict[str, Any]:
    if kind == "selected_option":
        return {kind: {"value": value, "text": {"type": "plain_text", "text": str(value)}}}
    return {kind: value}


def step_chat(ctx: DemoContext) -> None:
    from assistant.demo.context import DEMO_SIGNING_SECRET

    clock = DemoClock(utcnow())
    users = [XUser("1500000000000000001", "demo_council", "Demo Council", "x-user-token-demo"), *PEOPLE]
    with XStandIn(users=users, clock=clock.now) as x, new_http() as http:
        settings = ctx.settings.model_copy(
            update={"x_api_url": x.base_url, "encryption_key": SecretStr(Fernet.generate_key().decode())}
        )
        host = x.users[0]
        with Session(ctx.engine) as session:
            workspace = ensure_workspace(session, slack_team_id=TEAM_ID)
            session.commit()
            credential = save_credential(
                session,
                TokenCipher.from_settings(settings),
                platform="x",
                account_id=host.id,
                tokens=TokenSet(access_token=host.token),
                now=utcnow(),
                workspace_id=workspace.id,
                handle=host.username,
            )
            credential_id = credential.id
        tz = ZoneInfo("Europe/London")
        day = (utcnow().astimezone(tz) + timedelta(days=2)).date()
        fields = {
            "hashtag": _field("value", "#ukfechat"),
            "title": _field("value", TITLE),
            "start_date": _field("selected_date", day.isoformat()),
            "start_time": _field("selected_time", "21:00"),
            "timezone": _field("value", "Europe/London"),
            "duration": _field("value", "60"),
            "recurrence": _field("selected_option", "none"),
            "host": _field("selected_option", str(credential_id)),
            "moderators": _field("selected_users", ["U0COMMS001"]),
            "moderator_handles": _field("value", "@fe_cohost"),
            "channel": _field("selected_conversation", "C0COMMS001"),
            "questions": _field("value", QUESTIONS),
            "template": _field("value", "Q{n} {text} #{hashtag}"),
        }
        values = {blocks.FIELD_BLOCKS[name]: {blocks.VALUE: element} for name, element in fields.items()}
        payload = requests.view_submission(blocks.CHAT_MODAL, values, user_id="U0STAFF001")
        signed = requests.signed_payload(payload, DEMO_SIGNING_SECRET)
        before = len(ctx.slack.calls_to("chat.postMessage"))
        ctx.bolt.dispatch(BoltRequest(body=signed.body, headers=signed.headers))
        confirmation = ctx.slack.wait_for("chat.postMessage", before + 1)[before]
        with Session(ctx.engine) as session:
            series = session.exec(
                select(ChatSeries).where(ChatSeries.title == TITLE).order_by(col(ChatSeries.id).desc())
            ).first()
            assert series is not None, "the chat modal did not store the chat"
            (occurrence,) = occurrences_of(session, require_id(series))
            sheet = run_sheet(session, series, occurrence=occurrence)
            ics = chat_calendar(series, [occurrence], sheet.items, organizer_name="#ukfechat moderators")
        ctx.console.print(f"Scheduled via the modal: {confirmation.args['text']}")
        answer = ctx.command(f"chat show {series.id}")
        ctx.show(
            f"/outreach chat show {series.id}  (run sheet with X cost)", answer.get("blocks"), answer.get("text", "")
        )
        path = ctx.output / f"chat-{series.id}.ics"
        path.write_bytes(ics)
        ctx.notes.append(f"chat calendar: {path}")
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        runner = ChatRunner(settings, WebClient(token=token, base_url=settings.slack_api_url), http)
        start = occurrence.start_at
        moments = [start - timedelta(hours=24), start - timedelta(minutes=15)]
        moments += [start + timedelta(minutes=item.minute) for item in sheet.items] + [
            occurrence.end_at + timedelta(minutes=15)
        ]
        for moment in moments:
            clock.at = moment
            _run(ctx, runner, moment)
        reminders = [
            c for c in ctx.slack.calls_to("chat.postMessage") if str(c.args.get("text", "")).startswith("Reminder")
        ]
        ctx.console.print(f"Reminders sent (T-24h and T-15min, moderators by DM and #C0COMMS001): {len(reminders)}")
        lines = []
        for post in x.created():
            reply = (post.get("referenced_tweets") or [{}])[0].get("id")
            lines.append(f"{post['id']}{'  ↳ reply to ' + reply if reply else ''}\n  {post['text']}")
        ctx.show(
            f"Posted on the local fake X as @{host.username} ({len(lines)} posts, one thread)", text="\n".join(lines)
        )
        ctx.console.print(f"Digest requested at end + 15 min; calendar file written to {path}")
        digest_own_chat(ctx, x, http, clock, require_id(occurrence))


def _run(ctx: DemoContext, runner: ChatRunner, moment: datetime) -> None:
    outcomes = Worker(ctx.engine, [runner], now=lambda: moment).tick()
    done = [key for key, outcome in outcomes if outcome.status == "performed"]
    local = moment.astimezone(ZoneInfo("Europe/London"))
    if done:
        ctx.console.print(f"  worker at {local:%a %H:%M} {local.tzname()}: " + ", ".join(sorted(set(done))))
