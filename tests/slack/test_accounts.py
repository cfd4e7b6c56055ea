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
from assistant.slack.listeners import accounts as listener
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
def fake_x(monkeypatch: pytest.MonkeyPatch) -> FakeX:
    fake = FakeX()
    monkeypatch.setattr(listener, "http_client", lambda: httpx.Client(transport=httpx.MockTransport(fake)))
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
    routes = x_callback_routes(
        app.services.engine, app.settings, http_client=lambda: httpx.Client(transport=httpx.MockTransport(fake))
    )
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
