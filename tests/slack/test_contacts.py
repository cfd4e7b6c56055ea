"""Contacts through signed Bolt requests against the Slack stand-in (and the fake Yammer for shout-outs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.clients import Clients
from assistant.jobs.contacts import ShoutoutReplies
from assistant.models import AuditEntry, Role
from assistant.models.base import require_id
from assistant.models.contacts import Contact, YammerShoutout
from assistant.models.digests import Digest
from assistant.models.mapping import MappingMember, MappingRequest
from assistant.services.contacts import book
from assistant.services.contacts.files import export_csv, export_vcards
from assistant.services.store.write import upsert_batch
from assistant.services.team.workspaces import ensure_workspace
from assistant.slack.blocks import contacts as blocks
from assistant.slack.listeners.contacts import cards, forms
from assistant.standins import slack_requests as requests
from assistant.worker import Worker
from integrations import normalized as n
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, SlackHarness, ack_json, harness, view_arg
from tests.fakes.yammer import BASE_URL, FORBIDDEN_GROUP_ID, GROUP_ID, TOKEN, FakeYammer
from tests.slack.direct import Calls, request_context


@pytest.fixture
def fake_yammer(app: SlackHarness) -> FakeYammer:
    fake = FakeYammer()
    app.use_networks(fake.handle)
    return fake


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(
        engine, sqlite_url, yammer_api_url=BASE_URL, yammer_access_token=TOKEN, slack_admin_users="U0ADMIN001"
    ) as h:
        yield h


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def submit_add(
    app: SlackHarness, user_id: str = "U0STAFF001", metadata: str = '{"channel": "C0GENERAL1"}', **fields: str
) -> dict[str, Any]:
    values = {name: _text(value) for name, value in fields.items() if name not in ("visibility", "consent_basis")}
    values["visibility"] = _select(fields.get("visibility", "team"))
    values["consent_basis"] = _select(fields.get("consent_basis", "unknown"))
    payload = requests.view_submission(blocks.ADD_VIEW, values, user_id=user_id, private_metadata=metadata)
    return ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))


def button(action_id: str, value: str, user_id: str, app: SlackHarness) -> dict[str, Any]:
    payload = requests.block_actions(
        {"action_id": action_id, "value": value, "type": "button"},
        user_id=user_id,
        response_url=app.slack.response_url("act"),
    )
    return ack_json(app.action(payload))


def contacts(engine: Engine) -> list[Contact]:
    with Session(engine) as session:
        return list(session.exec(select(Contact).order_by(Contact.id)))  # type: ignore[arg-type]


def responses(app: SlackHarness) -> list[dict[str, Any]]:
    return [call.args for call in app.slack.calls if call.method == "response/act"]


# Adding ----------------------------------------------------------------------------------------


def test_add_opens_the_modal_and_saves_a_valid_contact(app: SlackHarness, engine: Engine) -> None:
    app.command("contact add")
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.ADD_VIEW
    assert [b["block_id"] for b in modal["blocks"]][:4] == ["name", "organisation", "role", "email"]
    assert submit_add(app, name="Jo Smith", email="Jo@Example.org", x_handle="@jo_fe", tags="maths, FE") == {"text": ""}
    [saved] = contacts(engine)
    assert (saved.name, saved.email, saved.x_handle, saved.tags, saved.added_by) == (
        "Jo Smith",
        "jo@example.org",
        "jo_fe",
        ["maths", "fe"],
        "U0STAFF001",
    )
    card = app.slack.wait_for("chat.postEphemeral")[-1].args
    assert card["channel"] == "C0GENERAL1" and card["user"] == "U0STAFF001"
    assert "Jo Smith" in json.dumps(card["blocks"])


def test_bad_email_and_handle_are_refused_on_their_fields(app: SlackHarness, engine: Engine) -> None:
    answer = submit_add(app, name="Jo", email="jo@@example", x_handle="much_too_long_for_x")
    assert answer["response_action"] == "errors"
    assert "not a valid email" in answer["errors"]["email"]
    assert "1–15 letters" in answer["errors"]["x_handle"]
    assert contacts(engine) == []


def test_adding_an_existing_email_offers_to_merge(app: SlackHarness, engine: Engine) -> None:
    submit_add(app, user_id="U0COMMS001", name="Jo Smith", email="jo@example.org")
    app.slack.wait_for("chat.postEphemeral")  # the first card is sent after the ack: let it land before the second
    submit_add(app, user_id="U0COMMS001", name="Joanne Smith", email="JO@example.org", organisation="Bolton College")
    offer = app.slack.wait_for("chat.postEphemeral", 2)[-1].args
    merge_buttons = [
        e
        for b in offer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(blocks.MERGE)
    ]
    first, second = contacts(engine)
    assert [b["value"] for b in merge_buttons] == [f"{first.id}:{second.id}"]
    button(merge_buttons[0]["action_id"], merge_buttons[0]["value"], "U0COMMS001", app)
    assert "Merged" in json.dumps(app.slack.wait_for("response/act")[-1].args)
    [merged] = contacts(engine)
    assert merged.organisation == "Bolton College" and merged.alternates == {"name": ["Joanne Smith"]}


def test_save_as_contact_prefills_from_the_message_and_its_author(app: SlackHarness) -> None:
    message = {
        "type": "message",
        "user": "U0TEACH001",
        "ts": "1700000000.000100",
        "text": "Great session! Follow me at @li_teaches or @li@mastodon.social, email <mailto:li@school.example.org|li@school.example.org>",
    }
    payload = requests.shortcut(blocks.SAVE_AS_CONTACT, user_id="U0STAFF001", message=message)
    ack_json(app.action(payload))
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in modal["blocks"]
        if b["element"]["type"] == "plain_text_input"
    }
    assert initial["name"] == "Li Wei"
    assert initial["email"] == "li@school.example.org"
    assert initial["x_handle"] == "li_teaches"
    assert initial["mastodon_handle"] == "li@mastodon.social"
    assert json.loads(modal["private_metadata"])["source"] == "message"
    assert app.slack.calls_to("users.info")[-1].args["user"] == "U0TEACH001"


def test_without_users_read_email_slack_sends_no_address_and_the_message_gives_it(app: SlackHarness) -> None:
    app.slack.scopes = app.slack.scopes.replace(",users:read.email", "")
    message = {"type": "message", "user": "U0TEACH001", "ts": "1700000000.000300", "text": "Thanks all!"}
    _modal, initial = _opened_modal(app, message)
    assert (initial["name"], initial["email"]) == ("Li Wei", None)  # no address known: the field starts empty
    profile = app.slack.calls_to("users.info")[-1]
    assert profile.args["user"] == "U0TEACH001"
    app.slack.scopes += ",users:read.email"
    ack_json(app.action(requests.shortcut(blocks.SAVE_AS_CONTACT, user_id="U0STAFF001", message=message)))
    modal = view_arg(app.slack.wait_for("views.open", count=2)[-1].args)
    email = next(b for b in modal["blocks"] if b.get("block_id") == "email")
    assert email["element"]["initial_value"] == "li.wei@demo-council.example"


def _opened_modal(app: SlackHarness, message: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    payload = requests.shortcut(blocks.SAVE_AS_CONTACT, user_id="U0STAFF001", message=message)
    ack_json(app.action(payload))
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    initial = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"] if b.get("type") == "input"}
    return modal, initial


def test_save_as_contact_offers_mentioned_and_named_people_as_a_hint(app: SlackHarness) -> None:
    text = (
        "Thanks <@U0COMMS001>! For FE maths ask Jane Smith &lt;<mailto:jane.smith@college.example.org|"
        "jane.smith@college.example.org>&gt; or Sam O'Neill (@sam_oneill)."
    )
    message = {"type": "message", "user": "U0TEACH001", "ts": "1700000000.000200", "text": text}
    modal, initial = _opened_modal(app, message)
    assert initial["name"] == "Li Wei"
    assert initial["email"] == "li.wei@demo-council.example"  # Jane Smith's address is hers: the author's own (Slack)
    assert not initial["x_handle"]
    hint = modal["blocks"][0]
    assert hint["type"] == "context"
    assert hint["elements"][0]["text"] == (
        "Also in this message: Dev Patel (dev.patel@demo-council.example), Jane Smith (jane.smith@college.example.org), "
        "Sam O'Neill (@sam_oneill). "
        "Save them next: run *Save as contact* on it again."
    )
    assert [c.args["user"] for c in app.slack.calls_to("users.info")][-2:] == ["U0TEACH001", "U0COMMS001"]


def test_save_as_contact_without_an_author_prefills_the_first_named_person(app: SlackHarness) -> None:
    text = "Contacts: Jane Smith (jane.smith@college.example.org) and <@U0ADMIN001>"
    modal, initial = _opened_modal(app, {"type": "message", "bot_id": "B0BOT", "ts": "1.2", "text": text})
    assert initial["name"] == "Amara Okafor"  # mentions come before written names
    assert "Jane Smith (jane.smith@college.example.org)" in modal["blocks"][0]["elements"][0]["text"]


def test_a_message_naming_nobody_has_no_hint(app: SlackHarness) -> None:
    modal, initial = _opened_modal(
        app, {"type": "message", "user": "U0TEACH001", "ts": "1.3", "text": "See you Monday"}
    )
    assert initial["name"] == "Li Wei" and all(b["type"] == "input" for b in modal["blocks"])


# Finding ---------------------------------------------------------------------------------------


def test_search_respects_visibility_and_suggests_on_no_results(app: SlackHarness) -> None:
    submit_add(app, user_id="U0STAFF001", name="Priya Private", tags="maths", visibility="me")
    submit_add(
        app,
        user_id="U0STAFF001",
        name="Wendy Workspace",
        tags="maths",
        organisation="Bolton College",
        visibility="workspace",
    )
    mine = json.dumps(ack_json(app.command("contact maths", user_id="U0STAFF001")))
    assert "Priya Private" in mine and "Wendy Workspace" in mine
    theirs = ack_json(app.command("contact maths", user_id="U0TEACH001"))
    assert "Wendy Workspace" in json.dumps(theirs) and "Priya" not in json.dumps(theirs)
    buttons = [e["action_id"] for b in theirs["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [blocks.SHARE, blocks.EDIT, blocks.DELETE]
    none = ack_json(app.command("contact Boltn", user_id="U0TEACH001"))
    assert "No contacts match" in none["blocks"][0]["text"]["text"] and "Bolton" in none["blocks"][0]["text"]["text"]
    tagged = json.dumps(ack_json(app.command("contact tag maths", user_id="U0TEACH001")))
    assert "Wendy Workspace" in tagged and "Priya" not in tagged


def test_duplicates_lists_merge_buttons(app: SlackHarness) -> None:
    submit_add(app, user_id="U0COMMS001", name="Sam Patel", organisation="Leeds College")
    submit_add(app, user_id="U0COMMS001", name="Sam Patell", organisation="Leeds College")
    answer = ack_json(app.command("contact duplicates", user_id="U0COMMS001"))
    assert "similar names at Leeds College" in json.dumps(answer)
    assert sum(1 for b in answer["blocks"] if b["type"] == "actions") == 1


def test_export_uploads_csv_and_vcard_of_what_the_person_may_see(app: SlackHarness, engine: Engine) -> None:
    submit_add(app, user_id="U0STAFF001", name="Priya Private", visibility="me", tags="maths")
    submit_add(app, user_id="U0STAFF001", name="Wendy Workspace", visibility="workspace", tags="maths")
    answer = ack_json(app.command("contact export maths", user_id="U0TEACH001"))
    assert "direct message" in answer["text"]
    complete = app.slack.wait_for("files.completeUploadExternal")[-1].args
    assert complete["channel_id"] == "D0TEACH001"
    files = sorted(app.slack.files.values(), key=lambda f: f["filename"])
    assert [f["filename"] for f in files] == ["contacts-maths.csv", "contacts-maths.vcf"]
    with Session(engine) as session:
        ws = ensure_workspace(session, slack_team_id="T0DEMO0001").id or 0
        visible = book.list_visible(session, book.Viewer(ws, "U0TEACH001"), tag="maths")
    assert [c.name for c in visible] == ["Wendy Workspace"]
    assert int(files[0]["length"]) == len(export_csv(visible).encode())
    assert int(files[1]["length"]) == len(export_vcards(visible).encode())


# Sharing and erasing ---------------------------------------------------------------------------


def test_share_posts_a_card_and_erase_deletes_it(app: SlackHarness, engine: Engine) -> None:
    submit_add(app, user_id="U0STAFF001", name="Erin Share", email="erin@example.org", visibility="workspace")
    [contact] = contacts(engine)
    button(blocks.SHARE, str(contact.id), "U0STAFF001", app)
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.SHARE_VIEW
    values = {
        "channel": {"value": {"type": "conversations_select", "selected_conversation": "C0COMMS001"}},
        "person": {"value": {"type": "users_select", "selected_user": None}},
    }
    payload = requests.view_submission(
        blocks.SHARE_VIEW, values, user_id="U0STAFF001", private_metadata=modal["private_metadata"]
    )
    assert ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET))) == {"text": ""}
    posted = [c for c in app.slack.wait_for("chat.postMessage") if c.args.get("channel") == "C0COMMS001"]
    assert "Erin Share" in json.dumps(posted[-1].args["blocks"])
    button(blocks.DELETE, str(contact.id), "U0TEACH001", app)  # not the adder, not comms
    assert "Only the person who added" in app.slack.wait_for("response/act")[-1].args["text"]
    button(blocks.DELETE, str(contact.id), "U0STAFF001", app)
    assert "erased" in app.slack.wait_for("response/act", 2)[-1].args["text"]
    deleted = app.slack.wait_for("chat.delete")[-1].args
    assert deleted["channel"] == "C0COMMS001"
    assert contacts(engine) == []
    with Session(engine) as session:
        erased = session.exec(select(AuditEntry).where(AuditEntry.action == "contact.erased")).one()
        assert "erin" not in json.dumps(erased.detail).lower()


def test_a_private_contact_cannot_be_shared_to_a_channel(app: SlackHarness, engine: Engine) -> None:
    submit_add(app, user_id="U0STAFF001", name="Priya Private", visibility="me")
    [contact] = contacts(engine)
    values = {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0GENERAL1"}}}
    payload = requests.view_submission(
        blocks.SHARE_VIEW, values, user_id="U0STAFF001", private_metadata=str(contact.id)
    )
    answer = ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))
    assert answer["response_action"] == "errors" and "private" in answer["errors"]["channel"]
    payload = requests.view_submission(
        blocks.SHARE_VIEW, values, user_id="U0TEACH001", private_metadata=str(contact.id)
    )
    answer = ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))
    assert "not shared with you" in answer["errors"]["person"]


# Bulk saves ------------------------------------------------------------------------------------


def test_digest_participants_are_saved_from_stored_accounts(app: SlackHarness, engine: Engine) -> None:
    start = datetime(2026, 3, 5, 21, tzinfo=UTC)
    with Session(engine) as session:
        ws = ensure_workspace(session, slack_team_id="T0DEMO0001")
        upsert_batch(
            session,
            n.Batch(
                posts=[
                    n.NormalizedPost(
                        "x",
                        "p1",
                        author_id="1",
                        author_handle="fe_fran",
                        created_at=start + timedelta(minutes=5),
                        text="A1 #ukfechat",
                        hashtags=["ukfechat"],
                    )
                ],
                accounts=[n.NormalizedAccount("x", "1", "fe_fran", display_name="Fran FE", bio="FE maths lecturer")],
            ),
        )
        digest = Digest(
            workspace_id=ws.id, hashtag="ukfechat", start=start, end=start + timedelta(hours=1), token="t" * 20
        )
        session.add(digest)
        session.commit()
        digest_id = digest.id
    button(blocks.DIGEST_SAVE_PARTICIPANTS, str(digest_id), "U0COMMS001", app)
    assert "Saved 1 contact from the #ukfechat digest" in app.slack.wait_for("response/act")[-1].args["text"]
    [saved] = contacts(engine)
    assert (saved.name, saved.x_handle, saved.source, saved.source_ref, saved.tags) == (
        "Fran FE",
        "fe_fran",
        "digest",
        f"digest:{digest_id}",
        ["ukfechat"],
    )


# Yammer shout-outs -----------------------------------------------------------------------------


def test_shoutout_posts_to_yammer_and_brings_replies_back(
    app: SlackHarness, engine: Engine, fake_yammer: FakeYammer
) -> None:
    ack_json(
        app.command(
            f'contact ask "Who knows FE maths leads in the North West?" --yammer {GROUP_ID}', user_id="U0STAFF001"
        )
    )
    update = app.slack.wait_for("chat.update")[-1].args
    assert "Asked on Yammer" in update["text"]
    [posted] = fake_yammer.posted
    assert posted["body"]["plain"].startswith("Who knows FE maths leads in the North West?")
    request_ts = app.slack.calls_to("chat.postMessage")[0].args
    with Session(engine) as session:
        shoutout = session.exec(select(YammerShoutout)).one()
    assert shoutout.thread_id == str(posted["id"]) and shoutout.slack_ts == update["ts"]
    assert f"https://slack.com/archives/C0GENERAL1/p{update['ts'].replace('.', '')}" in posted["body"]["plain"]
    assert request_ts["channel"] == "C0GENERAL1"

    fake_yammer.add_reply(shoutout.thread_id, "Ask Jo at jo.lead@college.example.org or @jo_maths on X")
    deps = Clients(
        settings=app.settings,
        http=fake_yammer.client,
        slack=lambda: WebClient(token=BOT_TOKEN, base_url=app.slack.base_url),
    )
    source = ShoutoutReplies(deps)
    later = shoutout.next_poll_at + timedelta(seconds=1)
    outcomes = Worker(engine, [source], now=lambda: later).tick()
    assert [o.status for _key, o in outcomes] == ["performed"]
    again = Worker(engine, [source], now=lambda: later + timedelta(minutes=5)).tick()
    assert [o.status for _key, o in again] == ["already_done"]
    threaded = [c.args for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts") == shoutout.slack_ts]
    assert len(threaded) == 1 and "John Smith" in threaded[0]["text"]
    saves = (
        [e for b in json.loads(threaded[0]["blocks"]) if b["type"] == "actions" for e in b["elements"]]
        if isinstance(threaded[0]["blocks"], str)
        else [e for b in threaded[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    )
    assert [json.loads(e["value"])["v"] for e in saves] == ["jo.lead@college.example.org", "jo_maths"]
    assert [e["action_id"] for e in saves] == [f"{blocks.SAVE_FOUND}:0", f"{blocks.SAVE_FOUND}:1"]
    button(saves[0]["action_id"], saves[0]["value"], "U0COMMS001", app)
    assert "Saved" in json.dumps(app.slack.wait_for("response/act")[-1].args)
    [saved] = contacts(engine)
    assert (saved.email, saved.source, saved.visibility) == ("jo.lead@college.example.org", "yammer", "team")


def test_a_token_without_access_to_the_group_tells_the_admin(
    app: SlackHarness, engine: Engine, fake_yammer: FakeYammer
) -> None:
    app.command(f'contact ask "Anyone?" --yammer {FORBIDDEN_GROUP_ID}', user_id="U0STAFF001")
    told = app.slack.wait_for("response/r1")[-1].args
    assert f"may not post to group {FORBIDDEN_GROUP_ID}" in told["text"]
    dms = [c.args for c in app.slack.wait_for("chat.postMessage", 2) if c.args.get("channel") == "U0ADMIN001"]
    assert "outreach yammer login" in dms[-1]["text"]
    assert app.slack.calls_to("chat.delete")
    with Session(engine) as session:
        assert session.exec(select(YammerShoutout)).all() == []


def test_crosspost_is_for_admins_and_stored_in_workspace_settings(app: SlackHarness, engine: Engine) -> None:
    assert "Only admins" in ack_json(app.command(f"contact crosspost {GROUP_ID}", user_id="U0COMMS001"))["text"]
    answer = ack_json(app.command(f"contact crosspost {GROUP_ID} digests", user_id="U0ADMIN001"))
    assert answer["text"] == f"Cross-posting digests to Yammer group {GROUP_ID}."
    with Session(engine) as session:
        ws = ensure_workspace(session, slack_team_id="T0DEMO0001")
        assert (
            ws.settings["yammer_crosspost"] is True and ws.settings["yammer_group_id"] == GROUP_ID
        )  # the key /outreach settings and the workers use


def test_edit_opens_a_prefilled_modal_and_saves_changes(app: SlackHarness, engine: Engine) -> None:
    submit_add(app, user_id="U0STAFF001", name="Jo Smith", email="jo@example.org", visibility="workspace")
    [contact] = contacts(engine)
    button(blocks.EDIT, str(contact.id), "U0TEACH001", app)  # may see it, may not change it
    assert "Only the person who added" in app.slack.wait_for("response/act")[-1].args["text"]
    button(blocks.EDIT, str(contact.id), "U0COMMS001", app)
    modal = view_arg(app.slack.wait_for("views.open")[-1].args)
    assert modal["callback_id"] == blocks.EDIT_VIEW and modal["private_metadata"] == str(contact.id)
    email = next(b for b in modal["blocks"] if b["block_id"] == "email")
    assert email["element"]["initial_value"] == "jo@example.org"
    values = {"name": _text("Jo Smith"), "role": _text("Maths lead"), "email": _text("bad@@x")}
    payload = requests.view_submission(blocks.EDIT_VIEW, values, user_id="U0COMMS001", private_metadata=str(contact.id))
    answer = ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET)))
    assert answer["response_action"] == "errors" and "email" in answer["errors"]
    values["email"] = _text("jo@example.org")
    payload = requests.view_submission(blocks.EDIT_VIEW, values, user_id="U0COMMS001", private_metadata=str(contact.id))
    assert ack_json(app.post(requests.signed_payload(payload, SIGNING_SECRET))) == {"text": ""}
    [edited] = contacts(engine)
    assert edited.role == "Maths lead"


def test_mapping_accounts_are_saved_as_contacts(app: SlackHarness, engine: Engine) -> None:
    with Session(engine) as session:
        upsert_batch(
            session, n.Batch(accounts=[n.NormalizedAccount("x", "7", "policy_pat", display_name="Pat Policy")])
        )
        request = MappingRequest(
            workspace_id=require_id(ensure_workspace(session, slack_team_id="T0DEMO0001")),
            requester_id="U0STAFF001",
            title="FE funding",
        )
        session.add(request)
        session.flush()
        session.add(MappingMember(request_id=request.id or 0, kind="account", platform="x", item_id="7"))
        session.add(MappingMember(request_id=request.id or 0, kind="post", platform="x", item_id="p1"))
        session.commit()
        request_id = request.id
    button(blocks.MAPPING_SAVE_ACCOUNTS, str(request_id), "U0COMMS001", app)
    assert "Saved 1 contact from the mapping" in app.slack.wait_for("response/act")[-1].args["text"]
    [saved] = contacts(engine)
    assert (saved.name, saved.x_handle, saved.source, saved.source_ref) == (
        "Pat Policy",
        "policy_pat",
        "mapping",
        f"mapping:{request_id}",
    )


def test_contact_listeners_can_be_called_directly(app: SlackHarness) -> None:
    context = request_context(app, "U0STAFF001", Role.staff)
    ack = Calls()
    forms.on_share(ack, {"state": {"values": {}}, "private_metadata": "1"}, app.bolt.client, context)  # type: ignore[arg-type]
    assert ack == [{"response_action": "errors", "errors": {"person": "Choose a person or a channel (or both)."}}]
    ack, respond = Calls(), Calls()
    cards.on_digest_save(ack, {"value": "4242"}, respond, context)  # type: ignore[arg-type]
    assert ack == [{}] and respond == [{"text": "That digest no longer exists.", "replace_original": False}]
    with Session(app.services.engine) as session:
        assert session.exec(select(Contact)).first() is None
