"""Yammer REST v1 client against the local fake answering with the recorded fixtures."""

from __future__ import annotations

import httpx
import pytest

from integrations.errors import AuthError, NotFound, RateLimited
from integrations.yammer.client import YammerClient
from tests.fakes.yammer import BASE_URL, FEED_GROUP_ID, FORBIDDEN_GROUP_ID, GROUP_ID, TOKEN, FakeYammer


def client_for(fake: FakeYammer, token: str = TOKEN) -> YammerClient:
    return YammerClient(fake.client(), token=token, base_url=BASE_URL)


def test_posts_to_a_group_and_replies_in_the_thread() -> None:
    fake = FakeYammer()
    client = client_for(fake)
    started = client.post_message("Who knows FE maths leads?", group_id=GROUP_ID)
    assert started.group_id == GROUP_ID and started.thread_id == started.id
    reply = client.post_message("Try Jo", replied_to_id=started.id)
    assert reply.thread_id == started.id and reply.replied_to_id == started.id
    sent = fake.requests[0]
    assert sent.method == "POST" and sent.url.path == "/api/v1/messages.json"
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert dict(httpx.QueryParams(sent.content.decode())) == {"body": "Who knows FE maths leads?", "group_id": GROUP_ID}


def test_group_feed_pages_with_older_than() -> None:
    fake = FakeYammer(page_size=2)
    pages = list(client_for(fake).iter_group(FEED_GROUP_ID))
    ids = [m.id for page in pages for m in page.messages]
    assert ids == ["78654647", "78654634", "78654623", "78648632", "43460838"]
    assert [r.url.params.get("older_than") for r in fake.requests] == [None, "78654634", "78648632"]
    assert pages[0].users["4022984"].full_name == "Mikeal Rogers"
    assert pages[0].messages[0].body == "Here's a message with a Topic Application."


def test_thread_messages_from_the_recording() -> None:
    page = client_for(FakeYammer()).thread_messages("10928508")
    assert [(m.id, m.replied_to_id, m.thread_id) for m in page.messages] == [("10930136", "10930053", "10928508")]
    assert "queries that pulls the thread_id" in page.messages[0].body


def test_users_and_groups() -> None:
    client = client_for(FakeYammer())
    user = client.user("2")
    assert (user.full_name, user.emails, user.phones) == ("John Smith", ["jsmith@yammer-inc.com"], ["6616007618"])
    group = client.group(GROUP_ID)
    assert (group.name, group.full_name, group.privacy) == ("railsteam", "RAILS TEAM", "public")
    with pytest.raises(NotFound):
        client.group("1")


def test_errors_map_to_the_shared_family() -> None:
    fake = FakeYammer(rate_limited=1)
    client = client_for(fake)
    with pytest.raises(RateLimited) as limited:
        client.group(GROUP_ID)
    assert limited.value.service == "Yammer"
    with pytest.raises(AuthError, match="403"):
        client.post_message("hi", group_id=FORBIDDEN_GROUP_ID)
    with pytest.raises(AuthError, match="401"):
        client_for(fake, token="wrong").current_user()
