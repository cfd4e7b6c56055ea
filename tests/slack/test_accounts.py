"""Connected accounts from Slack: X through OAuth PKCE (fake token endpoint checks the verifier), handover, disconnect."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.models import AuditEntry, Credential
from assistant.models.accounts import AccountHandover, ConnectedAccount, HandoverState, OAuthPending
from assistant.slack.blocks import accounts as blocks
from assistant.standins import slack_requests as requests
from assistant.x_callback import x_callback_routes
from tests.fakes.slack import SlackHarness, ack_json, harness
from tests.integrations.x.test_oauth import CLIENT_ID, CLIENT_SECRET, FakeTokenEndpoint

ENCRYPTION_KEY = "test-encryption-key-for-accounts-0123456789abcdef"


class FakeX:
    """X's token, revoke and users/me endpoints; the token endpoint is the PKCE-checking fake."""

    def __init__(self) -> None:
        self.tokens = FakeTokenEndpoint()
        self.revoked: list[dict[str, str]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/2/oauth2/token":
            return self.tokens(request)
        if request.url.path == "/2/oauth2/revoke":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            assert request.headers["authorization"] == f"Basic {expected}"
            self.revoked.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
            return httpx.Response(200, json={"revoked": True})
        if request.url.path == "/2/users/me":
            assert request.headers["authorization"].startswith("Bearer access-SECRET-")
            return httpx.Response(200, json={"data": {"id": "783214", "name": "Council", "username": "DemoCouncil"}})
        if request.url.path == "/api/v1/accounts/verify_credentials":
            if request.headers.get("authorization") != "Bearer masto-SECRET":
                return httpx.Response(401, json={"error": "The access token is invalid"})
            return httpx.Response(200, json={"id": "1091", "username": "council", "acct": "council"})
        return httpx.Response(404, json={"error": "not found"})


@pytest.fixture
def fake_x(app: SlackHarness) -> FakeX:
    fake = FakeX()
    app.use_networks(fake)
    return fake


@pytest.fixture
def app(engine: Engine, sqlite_url: str) -> Iterator[SlackHarness]:
    with harness(
        engine,
        sqlite_url,
        encryption_key=ENCRYPTION_KEY,
        x_client_id=CLIENT_ID,
        x_client_secret=CLIENT_SECRET,
        public_url="https://outreach.example.org",
    ) as h:
        yield h


def _authorize_url(app: SlackHarness, user_id: str) -> str:
    app.action(
        requests.block_actions(
            {"action_id": blocks.CONNECT_X, "value": "x"},
            user_id=user_id,
            response_url=app.slack.response_url("connect"),
        )
    )
    reply = app.slack.wait_for("response/connect")[-1].args
    return str(reply["blocks"][0]["accessory"]["url"])


def _callback(app: SlackHarness, fake: FakeX, query: str) -> httpx.Response:
    routes = x_callback_routes(app.services.engine, app.use_networks(fake))
    wsgi = routes["/x/oauth/callback"]
    with httpx.Client(transport=httpx.WSGITransport(app=wsgi), base_url="https://outreach.example.org") as http:
        return http.get("/x/oauth/callback?" + query)


def test_connect_x_with_pkce_saves_encrypted_tokens_and_the_owner(
    app: SlackHarness, fake_x: FakeX, engine: Engine
) -> None:
    url = _authorize_url(app, "U0COMMS001")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["redirect_uri"] == "https://outreach.example.org/x/oauth/callback"
    with Session(engine) as session:
        pending = session.get(OAuthPending, query["state"])
        assert pending is not None and pending.user_id == "U0COMMS001"
        assert "code_verifier" not in url  # the verifier stays on the server
    code = fake_x.tokens.grant_code(url)
    response = _callback(app, fake_x, f"state={query['state']}&code={code}")
    assert response.status_code == 200, response.text
    assert "@DemoCouncil" in response.text and "SECRET" not in response.text
    with Session(engine) as session:
        account = session.exec(select(ConnectedAccount)).one()
        assert (account.platform, account.account_id, account.owner_user_id) == ("x", "783214", "U0COMMS001")
        credential = session.get(Credential, account.credential_id)
        assert credential is not None and "SECRET" not in credential.access_token_encrypted
        assert session.get(OAuthPending, query["state"]) is None
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "account.connected")).one()
    # the same state cannot be replayed
    again = _callback(app, fake_x, f"state={query['state']}&code={code}")
    assert again.status_code == 400


def test_a_wrong_verifier_is_refused_by_the_token_endpoint(app: SlackHarness, fake_x: FakeX, engine: Engine) -> None:
    url = _authorize_url(app, "U0ADMIN001")
    state = parse_qs(urlsplit(url).query)["state"][0]
    code = fake_x.tokens.grant_code(url)
    listener_cipher = __import__("assistant.crypto", fromlist=["TokenCipher"]).TokenCipher.from_settings(app.settings)
    with Session(engine) as session:
        pending = session.get(OAuthPending, state)
        assert pending is not None
        pending.verifier_encrypted = listener_cipher.encrypt("x" * 64)  # not the verifier behind the challenge
        session.add(pending)
        session.commit()
    response = _callback(app, fake_x, f"state={state}&code={code}")
    assert response.status_code == 502
    with Session(engine) as session:
        assert session.exec(select(ConnectedAccount)).first() is None


def test_staff_cannot_connect(app: SlackHarness, fake_x: FakeX) -> None:
    app.action(
        requests.block_actions(
            {"action_id": blocks.CONNECT_X, "value": "x"},
            user_id="U0STAFF001",
            response_url=app.slack.response_url("staff"),
        )
    )
    reply = app.slack.wait_for("response/staff")[-1].args
    assert "Only the comms team" in reply["text"]
    listing = ack_json(app.command("accounts", user_id="U0STAFF001"))
    assert blocks.CONNECT_X not in str(listing["blocks"])


def _connect_mastodon(app: SlackHarness, user_id: str = "U0COMMS001", token: str = "masto-SECRET") -> dict[str, Any]:
    values = {
        "instance": {"value": {"type": "plain_text_input", "value": "mastodon.example"}},
        "token": {"value": {"type": "plain_text_input", "value": token}},
        "client": {"value": {"type": "plain_text_input", "value": None}},
    }
    payload = requests.view_submission(blocks.CONNECT_VIEW, values, user_id=user_id, private_metadata="mastodon")
    return ack_json(app.post(requests.signed_payload(payload, "test-signing-secret-0123456789")))


def test_mastodon_token_is_verified_and_a_bad_one_refused(app: SlackHarness, fake_x: FakeX, engine: Engine) -> None:
    bad = _connect_mastodon(app, token="wrong")
    assert bad["response_action"] == "errors" and "refused" in bad["errors"]["token"]
    _connect_mastodon(app)
    with Session(engine) as session:
        account = session.exec(select(ConnectedAccount)).one()
        assert account.handle == "@council@mastodon.example"
        assert account.instance_url == "https://mastodon.example"


def test_handover_is_accepted_by_the_new_owner_and_audited(app: SlackHarness, fake_x: FakeX, engine: Engine) -> None:
    _connect_mastodon(app, user_id="U0COMMS001")
    refused = ack_json(app.command("accounts handover @council <@U0TEACH001>", user_id="U0STAFF001"))
    assert "Only the owner" in refused["text"]
    ok = ack_json(app.command("accounts handover @council <@U0TEACH001>", user_id="U0COMMS001"))
    assert "Asked <@U0TEACH001>" in ok["text"]
    dm = app.slack.wait_for("chat.postMessage", count=2)[-1]
    assert dm.args["channel"] == "U0TEACH001"
    accept = next(
        e
        for b in dm.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == blocks.HANDOVER_ACCEPT
    )
    # someone else cannot answer for the new owner
    app.action(
        requests.block_actions(
            {"action_id": blocks.HANDOVER_ACCEPT, "value": accept["value"]},
            user_id="U0STAFF001",
            response_url=app.slack.response_url("intruder"),
        )
    )
    assert "not you" in app.slack.wait_for("response/intruder")[-1].args["text"]
    app.action(
        requests.block_actions(
            {"action_id": blocks.HANDOVER_ACCEPT, "value": accept["value"]},
            user_id="U0TEACH001",
            response_url=app.slack.response_url("accept"),
        )
    )
    assert "now its owner" in app.slack.wait_for("response/accept")[-1].args["text"]
    with Session(engine) as session:
        account = session.exec(select(ConnectedAccount)).one()
        assert account.owner_user_id == "U0TEACH001" and "U0COMMS001" in account.co_owner_user_ids
        assert session.exec(select(AccountHandover)).one().state == HandoverState.accepted
        actions = [entry.action for entry in session.exec(select(AuditEntry))]
        assert "account.handover_requested" in actions and "account.handover_accepted" in actions


def test_handover_outside_the_workspace_is_refused(app: SlackHarness, fake_x: FakeX) -> None:
    _connect_mastodon(app)
    unknown = ack_json(app.command("accounts handover @council <@U0NOBODY99>", user_id="U0COMMS001"))
    assert "not in this workspace" in unknown["text"]
    app.slack.users["U0TEACH001"].deleted = True
    gone = ack_json(app.command("accounts handover @council <@U0TEACH001>", user_id="U0COMMS001"))
    assert "has left this workspace" in gone["text"]


def test_disconnect_revokes_the_x_token(app: SlackHarness, fake_x: FakeX, engine: Engine) -> None:
    url = _authorize_url(app, "U0COMMS001")
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert _callback(app, fake_x, f"state={state}&code={fake_x.tokens.grant_code(url)}").status_code == 200
    refused = ack_json(app.command("accounts disconnect @DemoCouncil", user_id="U0STAFF001"))
    assert "Only the owner" in refused["text"]
    ack_json(
        app.command(
            "accounts disconnect @DemoCouncil", user_id="U0COMMS001", response_url=app.slack.response_url("bye")
        )
    )
    assert "revoked its token" in app.slack.wait_for("response/bye")[-1].args["text"]
    assert fake_x.revoked and fake_x.revoked[0]["token"].startswith("refresh-SECRET-")
    with Session(engine) as session:
        assert session.exec(select(ConnectedAccount)).first() is None
        assert session.exec(select(Credential)).first() is None


def _buttons(call_args: dict[str, Any], action_id: str) -> str:
    return str(
        next(
            e["value"]
            for b in call_args["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        )
    )


def _press(app: SlackHarness, action_id: str, value: str, user_id: str, name: str) -> str:
    app.action(
        requests.block_actions(
            {"action_id": action_id, "value": value}, user_id=user_id, response_url=app.slack.response_url(name)
        )
    )
    return str(app.slack.wait_for(f"response/{name}")[-1].args["text"])


def test_handover_to_a_team_is_accepted_by_any_member_who_then_acts_as_owner(
    app: SlackHarness, fake_x: FakeX, engine: Engine
) -> None:

    app.slack.usergroups["S0TEACH001"] = ["U0TEACH001", "U0STAFF001"]
    _connect_mastodon(app, user_id="U0COMMS001")
    missing = ack_json(app.command("accounts handover @council <!subteam^S0NOPE0001|@nope>", user_id="U0COMMS001"))
    assert "does not exist in this workspace" in missing["text"]
    ok = ack_json(app.command("accounts handover @council <!subteam^S0TEACH001|@teachers>", user_id="U0COMMS001"))
    assert "Asked the team <!subteam^S0TEACH001>" in ok["text"] and "2 member(s)" in ok["text"]
    dms = app.slack.wait_for("chat.postMessage", count=3)[-2:]
    assert sorted(dm.args["channel"] for dm in dms) == ["U0STAFF001", "U0TEACH001"]
    assert "your team @teachers" in str(dms[0].args["blocks"])
    value = _buttons(dms[0].args, blocks.HANDOVER_ACCEPT)
    # someone outside the group cannot accept for it
    assert "not you" in _press(app, blocks.HANDOVER_ACCEPT, value, "U0ADMIN001", "outsider")
    assert "now owns it" in _press(app, blocks.HANDOVER_ACCEPT, value, "U0STAFF001", "member")
    # a second member pressing too finds it decided
    assert "already accepted" in _press(app, blocks.HANDOVER_ACCEPT, value, "U0TEACH001", "late")
    with Session(engine) as session:
        account = session.exec(select(ConnectedAccount)).one()
        assert account.owner_group_id == "S0TEACH001" and account.owner_user_id == "U0STAFF001"
        assert "U0COMMS001" in account.co_owner_user_ids
        handover = session.exec(select(AccountHandover)).one()
        assert (handover.state, handover.to_group_id, handover.decided_by) == (
            HandoverState.accepted,
            "S0TEACH001",
            "U0STAFF001",
        )
        accepted = session.exec(select(AuditEntry).where(AuditEntry.action == "account.handover_accepted")).one()
        assert "S0TEACH001" in str(accepted.detail)
    listing = ack_json(app.command("accounts", user_id="U0COMMS001"))
    assert "the team <!subteam^S0TEACH001>" in str(listing["blocks"])
    # any member acts as owner: the other member may hand it on; the former owner (now co-owner) may not
    refused = ack_json(app.command("accounts handover @council <@U0ADMIN001>", user_id="U0COMMS001"))
    assert "Only the owner" in refused["text"] and "<!subteam^S0TEACH001>" in refused["text"]
    onward = ack_json(app.command("accounts handover @council <@U0ADMIN001>", user_id="U0TEACH001"))
    assert "Asked <@U0ADMIN001>" in onward["text"]
    # App Home shows the account to the team's members, not to others
    app.event(requests.app_home_opened("U0TEACH001"))
    app.event(requests.app_home_opened("U0ADMIN001"))
    published = {call.args["user_id"]: str(call.args["view"]) for call in app.slack.wait_for("views.publish", count=2)}
    member_home, other_home = published["U0TEACH001"], published["U0ADMIN001"]  # the events run in either order
    assert "Accounts I own" in member_home and "@council@mastodon.example" in member_home
    assert "Accounts I own" not in other_home


def test_token_problem_of_a_team_account_is_told_to_the_group_members(engine: Engine) -> None:
    from typing import cast

    from slack_sdk import WebClient

    from assistant.clients import Clients
    from assistant.config import Settings
    from assistant.crypto import TokenCipher
    from assistant.jobs.accounts import AccountSources
    from assistant.models.accounts import AccountStatus
    from assistant.models.base import utcnow
    from assistant.services.accounts.team_accounts import connect_account, mark_token_problem
    from assistant.services.team.workspaces import ensure_workspace
    from assistant.worker import Worker
    from integrations.x.oauth import TokenSet

    class Slack:
        messages: list[dict[str, Any]] = []

        def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - slack_sdk's name
            self.messages.append(kwargs)
            return {"ok": True}

        def usergroups_users_list(self, *, usergroup: str) -> dict[str, Any]:
            assert usergroup == "S0TEACH001"
            return {"ok": True, "users": ["U0TEACH001", "U0STAFF001"]}

    slack = Slack()
    settings = Settings(_env_file=None, encryption_key=ENCRYPTION_KEY)
    deps = Clients(settings=settings, http=lambda: httpx.Client(), slack=lambda: cast(WebClient, slack))
    with Session(engine) as session:
        workspace = ensure_workspace(session, slack_team_id="T0DEMO0001")
        session.commit()
        account = connect_account(
            session,
            TokenCipher.from_settings(settings),
            workspace_id=workspace.id or 0,
            platform="yammer",
            account_id="42",
            handle="Council",
            tokens=TokenSet(access_token="yam-SECRET"),
            actor="U0COMMS001",
            now=utcnow(),
        )
        account.owner_group_id, account.owner_user_id = "S0TEACH001", "U0STAFF001"
        account.co_owner_user_ids = ["U0COMMS001"]
        session.add(account)
        session.commit()
        mark_token_problem(session, account=account, status=AccountStatus.revoked, reason="refused", now=utcnow())
    worker = Worker(engine, [AccountSources(deps).token_problems])
    worker.tick()
    worker.tick()
    assert sorted(m["channel"] for m in slack.messages) == ["U0COMMS001", "U0STAFF001", "U0TEACH001"]


def _connect_by_form(app: SlackHarness, platform: str, values: dict[str, str]) -> dict[str, Any]:
    state = {key: {"value": {"type": "plain_text_input", "value": value}} for key, value in values.items()}
    payload = requests.view_submission(blocks.CONNECT_VIEW, state, user_id="U0COMMS001", private_metadata=platform)
    return ack_json(app.post(requests.signed_payload(payload, "test-signing-secret-0123456789")))


def test_disconnecting_bluesky_ends_the_session_and_says_to_revoke_the_app_password(
    app: SlackHarness, engine: Engine
) -> None:
    from tests.integrations.bluesky import fake as bsky

    service = bsky.FakeBluesky()
    deleted: list[str] = []

    def network(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("com.atproto.server.deleteSession"):
            deleted.append(request.headers["authorization"].removeprefix("Bearer "))
            assert request.content == b""  # a procedure without input, authenticated by the refresh JWT
            return httpx.Response(200)
        return service(request)

    app.use_networks(network)
    _connect_by_form(app, "bluesky", {"handle": bsky.HANDLE, "token": bsky.PASSWORD})
    refresh_jwt = service.refresh
    with Session(engine) as session:
        assert session.exec(select(ConnectedAccount)).one().account_id == bsky.DID
    ack_json(
        app.command(
            f"accounts disconnect @{bsky.HANDLE}", user_id="U0COMMS001", response_url=app.slack.response_url("bye")
        )
    )
    text = app.slack.wait_for("response/bye")[-1].args["text"]
    assert deleted == [refresh_jwt]
    assert "session with Bluesky is ended" in text and "App passwords" in text and bsky.PASSWORD not in text
    with Session(engine) as session:
        assert session.exec(select(ConnectedAccount)).first() is None
        assert session.exec(select(Credential)).first() is None
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "account.disconnected")).one()
        assert entry.detail["revoked_remotely"] is False


def test_connecting_bluesky_keeps_the_accounts_own_pds_from_its_did_document(app: SlackHarness, engine: Engine) -> None:
    from tests.integrations.bluesky import fake as bsky

    service = bsky.FakeBluesky(pds="https://morel.us-east.host.bsky.network")
    app.use_networks(service)
    _connect_by_form(app, "bluesky", {"handle": bsky.HANDLE, "token": bsky.PASSWORD})
    with Session(engine) as session:
        account = session.exec(select(ConnectedAccount)).one()
    assert account.instance_url == "https://morel.us-east.host.bsky.network/xrpc"
    assert service.requests[0].url.host == "bsky.social"  # the login itself goes to the configured entryway


def test_disconnecting_yammer_deletes_the_token_and_says_it_cannot_be_revoked(
    app: SlackHarness, engine: Engine
) -> None:
    calls: list[httpx.Request] = []

    def yammer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.url.path.endswith("/users/current.json")
        assert request.headers["authorization"] == "Bearer yam-SECRET"
        return httpx.Response(200, json={"id": 1488374, "full_name": "Council Comms"})

    app.use_networks(yammer)
    _connect_by_form(app, "yammer", {"token": "yam-SECRET"})
    with Session(engine) as session:
        assert session.exec(select(Credential)).one()
    ack_json(
        app.command(
            'accounts disconnect "Council Comms"', user_id="U0COMMS001", response_url=app.slack.response_url("bye")
        )
    )
    text = app.slack.wait_for("response/bye")[-1].args["text"]
    assert "stored token is deleted" in text and "no way for an app to revoke" in text
    assert len(calls) == 1  # no revocation call: Yammer has none for user tokens
    with Session(engine) as session:
        assert session.exec(select(ConnectedAccount)).first() is None
        assert session.exec(select(Credential)).first() is None


def test_handover_blocks_name_the_team_and_parse_as_block_kit() -> None:
    from slack_sdk.models.blocks import Block

    to_team = blocks.handover_request("@council&co", "mastodon", "U0COMMS001", "U0ADMIN001", 7, team="@teachers")
    to_person = blocks.handover_request("@council", "x", "U0COMMS001", "U0ADMIN001", 8)
    unnamed = blocks.handover_request("@council", "x", "U0COMMS001", "U0ADMIN001", 9, team="")
    assert "to your team @teachers. The first member to accept" in to_team[0]["text"]["text"]
    assert "@council&amp;co" in to_team[0]["text"]["text"]
    assert "to you. You would become its owner" in to_person[0]["text"]["text"]
    assert "to your team. The first member" in unnamed[0]["text"]["text"]
    listing = blocks.accounts_list(
        [blocks.AccountLine(1, "mastodon", "@council", "U0STAFF001", ["U0COMMS001"], "active", "S0TEACH001")],
        can_connect=False,
    )
    assert "the team <!subteam^S0TEACH001> (accepted by <@U0STAFF001>)" in str(listing)
    for block in [*to_team, *to_person, *listing]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
