"""App Home: the team's accounts with their week, the comms queue, and quick buttons that open the features' modals."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.models import Role
from assistant.models.base import utcnow
from assistant.samples.weekly import seed_weekly
from assistant.services.home.dashboard import dashboard
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks.home import home_sections, quick_actions
from assistant.slack.blocks.ids import HOME_ADD_CONTACT, HOME_REQUEST_MAPPING, HOME_SCHEDULE_CHAT
from assistant.standins import slack_requests as requests
from tests.fakes.slack import SlackHarness, view_arg


def test_dashboard_shows_the_accounts_week_and_comms_queue(engine: Engine) -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        seed_weekly(session, workspace, now)
        comms = dashboard(session, workspace=workspace, user_id="U0COMMS001", user_name="Dev", role=Role.comms, now=now)
        staff = dashboard(
            session, workspace=workspace, user_id="U0STAFF001", user_name="Siân", role=Role.staff, now=now
        )
    comms_sections, staff_sections = home_sections(comms), home_sections(staff)
    titles = [section.title for section in comms_sections]
    assert "Request queue" in titles and "Request queue" not in [s.title for s in staff_sections]
    accounts = next(s for s in comms_sections if s.title == "Team accounts this week")
    assert "@DemoCouncil" in accounts.lines[0] and "+84" in accounts.lines[0]
    chats = next(s for s in comms_sections if s.title == "My chats coming up")
    assert any("#ukfechat" in line for line in chats.lines)  # Dev created the seeded series
    assert [a for _, a in quick_actions(comms)] == [HOME_REQUEST_MAPPING, HOME_ADD_CONTACT]
    queue = next(s for s in comms_sections if s.title == "Request queue")
    assert "3 d · *FE funding stakeholders* (claimed) from <@U0STAFF001>" in queue.lines[0]
    mine = next(s for s in staff_sections if s.title == "My mapping requests")
    assert mine.lines == ["• *FE funding stakeholders*: claimed"]


def test_home_is_published_on_open_and_quick_buttons_open_modals(app: SlackHarness, engine: Engine) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        seed_weekly(session, workspace, utcnow())
    app.event(requests.app_home_opened("U0COMMS001"))
    view = view_arg(app.slack.wait_for("views.publish")[-1].args)
    assert "@DemoCouncil" in str(view["blocks"])
    app.action(requests.block_actions({"action_id": HOME_REQUEST_MAPPING}, user_id="U0STAFF001"))
    assert view_arg(app.slack.wait_for("views.open")[-1].args)["callback_id"] == "mapping_request_modal"
    app.action(requests.block_actions({"action_id": HOME_ADD_CONTACT}, user_id="U0STAFF001"))
    assert view_arg(app.slack.wait_for("views.open", count=2)[-1].args)["callback_id"] == "contact_add"


def test_schedule_chat_quick_button_opens_the_chats_modal(app: SlackHarness, engine: Engine) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        workspace.comms_channel_id = "C0COMMS001"
        session.add(workspace)
        session.commit()
    app.event(requests.app_home_opened("U0STAFF001"))
    view = view_arg(app.slack.wait_for("views.publish")[-1].args)
    assert HOME_SCHEDULE_CHAT in str(view["blocks"])
    app.action(requests.block_actions({"action_id": HOME_SCHEDULE_CHAT}, user_id="U0STAFF001"))
    assert view_arg(app.slack.wait_for("views.open")[-1].args)["callback_id"] == "chat_modal"


def test_digest_weekly_previews_to_the_asker_only(app: SlackHarness, engine: Engine) -> None:
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        seed_weekly(session, workspace, utcnow())
    answer = app.command("digest weekly", user_id="U0STAFF001")
    from tests.fakes.slack import ack_json

    body = ack_json(answer)
    assert body.get("response_type", "ephemeral") == "ephemeral"
    text = str(body["blocks"])
    assert "@DemoCouncil" in text and "Preview, only you see it. Posted Mondays at 09:00 (Europe/London)" in text
    assert not app.slack.calls_to("chat.postMessage")
