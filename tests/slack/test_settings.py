"""`/outreach settings`: admins only, values validated, every change audited, weekly slot read back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import AuditEntry, Workspace
from assistant.services.team.settings import post_langs, weekly_slot
from assistant.slack.blocks import settings as blocks
from assistant.standins import slack_requests as requests
from tests.fakes.slack import SIGNING_SECRET, SlackHarness, ack_json, view_arg


def _values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "comms_usergroup_id": {"value": {"type": "plain_text_input", "value": "S0COMMS001"}},
        "comms_channel_id": {"value": {"type": "conversations_select", "selected_conversation": "C0COMMS001"}},
        "digest_channel_id": {"value": {"type": "conversations_select", "selected_conversation": "C0GENERAL1"}},
        "weekly_weekday": {"value": {"type": "static_select", "selected_option": {"value": "4"}}},
        "weekly_hour": {"value": {"type": "static_select", "selected_option": {"value": "16"}}},
        "timezone": {"value": {"type": "plain_text_input", "value": "Europe/London"}},
        "yammer_crosspost": {"value": {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
    }
    values.update(overrides)
    return values


def _submit(app: SlackHarness, user_id: str, values: dict[str, Any]) -> dict[str, Any]:
    payload = requests.view_submission(blocks.SETTINGS_VIEW, values, user_id=user_id)
    return ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))


def test_staff_cannot_open_or_submit_settings(app: SlackHarness, engine: Engine) -> None:
    assert "Only admins" in ack_json(app.command("settings", user_id="U0COMMS001"))["text"]
    refused = _submit(app, "U0STAFF001", _values())
    assert refused["response_action"] == "errors"
    with Session(engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "settings.changed")).first() is None


def test_admin_changes_are_saved_and_each_audited(app: SlackHarness, engine: Engine) -> None:
    app.command("settings", user_id="U0ADMIN001")
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.SETTINGS_VIEW
    weekday = next(b for b in modal["blocks"] if b["block_id"] == "weekly_weekday")
    assert weekday["element"]["initial_option"]["value"] == "0"  # default Monday
    assert _submit(app, "U0ADMIN001", _values()) == {"text": ""}
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        assert weekly_slot(workspace).describe() == "Fridays at 16:00 (Europe/London)"
        assert workspace.digest_channel_id == "C0GENERAL1" and workspace.settings["yammer_crosspost"] is True
        changed = {
            e.detail["setting"] for e in session.exec(select(AuditEntry).where(AuditEntry.action == "settings.changed"))
        }
        assert changed == {
            "comms_usergroup_id",
            "comms_channel_id",
            "digest_channel_id",
            "weekly_weekday",
            "weekly_hour",
            "yammer_crosspost",
        }
    assert "changed" in app.slack.wait_for("chat.postMessage")[-1].args["text"]


def test_a_bad_time_zone_is_refused_on_its_field(app: SlackHarness) -> None:
    answer = _submit(
        app, "U0ADMIN001", _values(timezone={"value": {"type": "plain_text_input", "value": "Mars/Olympus"}})
    )
    assert answer["response_action"] == "errors" and "timezone" in answer["errors"]


def _langs(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def test_the_bluesky_post_languages_are_shown_saved_and_audited(app: SlackHarness, engine: Engine) -> None:
    app.command("settings", user_id="U0ADMIN001")
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    shown = next(b for b in modal["blocks"] if b["block_id"] == "post_langs")
    assert shown["element"]["initial_value"] == "en"  # the default
    assert _submit(app, "U0ADMIN001", _values(post_langs=_langs("cy, en  pt-BR"))) == {"text": ""}
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        assert post_langs(workspace) == ("cy", "en", "pt-BR")
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "settings.changed").order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
        ).first()
        assert entry is not None and entry.detail["setting"] == "post_langs"
        assert entry.detail["after"] == ["cy", "en", "pt-BR"]
    app.command("settings", user_id="U0ADMIN001")
    modal = view_arg(app.slack.wait_for("views.open", count=2)[-1].args)
    shown = next(b for b in modal["blocks"] if b["block_id"] == "post_langs")
    assert shown["element"]["initial_value"] == "cy, en, pt-BR"


@pytest.mark.parametrize(
    ("typed", "says"),
    [("english!", "'english!' is not a language tag"), ("en, cy, fr, de", "at most 3 languages")],
)
def test_bad_post_languages_are_refused_on_their_field_and_nothing_is_saved(
    app: SlackHarness, engine: Engine, typed: str, says: str
) -> None:
    answer = _submit(app, "U0ADMIN001", _values(post_langs=_langs(typed)))
    assert answer["response_action"] == "errors" and says in answer["errors"]["post_langs"]
    with Session(engine) as session:
        workspace = session.exec(select(Workspace)).one()
        assert post_langs(workspace) == ("en",) and workspace.digest_channel_id is None


def test_the_form_listener_can_be_called_directly(app: SlackHarness, engine: Engine) -> None:
    from slack_bolt import BoltContext

    from assistant.models import Role
    from assistant.slack.context import Viewer, load_workspace
    from assistant.slack.listeners.settings import on_submit
    from assistant.standins.slack import TEAM_ID

    workspace = load_workspace(app.services, TEAM_ID)
    viewer = Viewer("U0STAFF001", TEAM_ID, "Europe/London", app.services.roles, app.bolt.client, _role=Role.staff)
    context = BoltContext(workspace=workspace, viewer=viewer, session=app.services.session, services=app.services)
    answers: list[dict[str, Any]] = []
    view = {"state": {"values": _values()}}
    on_submit(lambda **kw: answers.append(kw), {}, view, app.bolt.client, context)  # type: ignore[arg-type]
    assert answers == [
        {"response_action": "errors", "errors": {"timezone": "Only admins can change the team's settings."}}
    ]
    with Session(engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "settings.changed")).first() is None


def test_the_next_request_after_a_save_reads_the_new_settings(app: SlackHarness) -> None:
    before = ack_json(app.command("digest weekly", user_id="U0ADMIN001"))  # the team's row is now kept a while
    assert "Posted Mondays at 09:00 (Europe/London)" in str(before["blocks"])
    changed = _values(timezone={"value": {"type": "plain_text_input", "value": "America/New_York"}})
    assert _submit(app, "U0ADMIN001", changed) == {"text": ""}
    after = ack_json(app.command("digest weekly", user_id="U0ADMIN001"))
    assert "Posted Fridays at 16:00 (America/New_York)" in str(after["blocks"])


def test_a_teams_row_is_kept_for_its_seconds_and_forgotten_on_demand() -> None:
    from assistant.models import Workspace
    from assistant.slack.context import WorkspaceCache

    now = [100.0]
    cache = WorkspaceCache(seconds=10.0, clock=lambda: now[0])
    row = Workspace(id=1, slack_team_id="T1")
    cache.put("T1", row)
    now[0] = 109.9
    assert cache.get("T1") is row and cache.get("T2") is None
    now[0] = 110.0
    assert cache.get("T1") is None  # a change made by another process is read within the seconds
    cache.put("T1", row)
    cache.forget("T1")
    assert cache.get("T1") is None
