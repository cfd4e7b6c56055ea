"""Button values and outbox keys: each decodes what it encodes, writes the shape Slack and the outbox already hold,
and refuses what no encoder wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.models.codecs import (
    AccountRef,
    BadValue,
    ChatItem,
    ChatPostRef,
    DownloadRef,
    FoundDetailRef,
    MergeRef,
    ScheduleChatRef,
    SheetRef,
    account_refresh_key,
    account_snapshot_key,
    account_token_key,
    chat_cancel_key,
    chat_crosspost_key,
    chat_post_key,
    chat_prompt_key,
    chat_reminder_key,
    digest_crosspost_key,
    digest_step_key,
    digest_step_of,
    shoutout_reply_key,
    watch_batch_key,
    watch_poll_key,
    weekly_crosspost_key,
    weekly_key,
)
from assistant.models.platforms import Platform


def test_chat_items_keep_the_stored_names() -> None:
    assert ChatItem.question(3).encode() == "question:3"
    assert ChatItem.decode("question:12") == ChatItem("question", 12)
    assert ChatItem.decode("intro").encode() == "intro"
    assert ChatItem.decode("question:3").short == "Q3"
    assert ChatItem.decode("closing").short == "closing"


@pytest.mark.parametrize("raw", ["", "question:", "question:x", "outro", "question:-1"])
def test_a_chat_item_no_sheet_writes_is_refused(raw: str) -> None:
    with pytest.raises(BadValue):
        ChatItem.decode(raw)


def test_a_chat_post_button_carries_occurrence_item_and_network() -> None:
    ref = ChatPostRef(41, "question:2", Platform.mastodon)
    assert ref.encode() == "41|question:2|mastodon"
    assert ChatPostRef.decode("41|question:2|mastodon") == ref
    assert ChatPostRef.decode("41|intro") == ChatPostRef(41, "intro", Platform.x)  # buttons sent before networks


@pytest.mark.parametrize("raw", ["", "x|intro|x", "41|outro|x", "41|intro|myspace"])
def test_a_chat_post_button_no_job_wrote_is_refused(raw: str) -> None:
    with pytest.raises(BadValue):
        ChatPostRef.decode(raw)


def test_the_small_button_values_keep_their_wire_shape() -> None:
    assert SheetRef(7, "ab12").encode() == "7:ab12" and SheetRef.decode("7:ab12") == SheetRef(7, "ab12")
    assert MergeRef(5, 9).encode() == "5:9" and MergeRef.decode("5:9") == MergeRef(5, 9)
    assert DownloadRef("csv", 3).encode() == "csv:3" and DownloadRef.decode("json:3") == DownloadRef("json", 3)
    assert AccountRef.decode("bluesky:did:plc:abc") == AccountRef(Platform.bluesky, "did:plc:abc")
    assert AccountRef(Platform.x, "12").encode() == "x:12"
    found = FoundDetailRef("email", "a@b.org", "C1/123.4")
    assert found.encode() == '{"f":"email","v":"a@b.org","r":"C1/123.4"}'
    assert FoundDetailRef.decode(found.encode()) == found
    assert ScheduleChatRef(4, "ukfechat").encode() == '{"request": 4, "hashtag": "ukfechat"}'


@pytest.mark.parametrize(
    ("decode", "raw"),
    [
        (SheetRef.decode, ":ab"),
        (MergeRef.decode, "5"),
        (MergeRef.decode, "5:x"),
        (DownloadRef.decode, "pdf:3"),
        (DownloadRef.decode, "csv:"),
        (AccountRef.decode, "myspace:1"),
        (AccountRef.decode, "x:"),
        (FoundDetailRef.decode, "{not json"),
        (FoundDetailRef.decode, '{"v": "a@b.org"}'),
    ],
)
def test_button_values_no_builder_wrote_are_refused(decode: object, raw: str) -> None:
    with pytest.raises(BadValue):
        decode(raw)  # type: ignore[operator]


def test_outbox_keys_keep_the_shapes_already_stored() -> None:
    assert chat_post_key(8, "question:1") == "chat:8:question:1"
    assert chat_post_key(8, "intro", Platform.bluesky) == "chat:8:intro:bluesky"
    assert chat_cancel_key(8, Platform.mastodon) == "chat:8:cancelled:mastodon"
    assert chat_crosspost_key(8) == "chat:8:yammer-crosspost"
    assert chat_reminder_key(8, 15, "U0LEAD0001") == "chat:8:reminder:15m:U0LEAD0001"
    assert digest_step_key(3, "collect") == "digest:3:collect"
    assert digest_step_of(digest_step_key(3, "files")) == "files"
    assert digest_crosspost_key(11) == "digest:11:yammer-crosspost"


def test_the_other_jobs_keys_keep_their_stored_shapes() -> None:
    at = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    assert chat_prompt_key("chat:8:intro", "unapproved", "U1") == "chat:8:intro:unapproved:U1"
    assert chat_prompt_key("chat:8:question:2:mastodon", "missed") == "chat:8:question:2:mastodon:missed"
    assert account_snapshot_key("x", "12", date(2026, 12, 3)) == "snapshot:x:12:2026-12-03"
    assert account_refresh_key(4, at) == "account:4:refresh:2026-12-03T21:00:00+00:00"
    assert account_token_key(4, "expired", at) == "account:4:token:expired:2026-12-03T21:00:00+00:00"
    assert shoutout_reply_key(2, "998") == "yammer:shoutout:2:reply:998"
    assert watch_poll_key(6, at) == "watch:6:poll:2026-12-03T21:00:00+00:00"
    assert watch_batch_key(6, 3) == "watch:6:batch:3"
    assert weekly_crosspost_key(weekly_key(1, 2026, 9)) == "weekly:1:2026-W09:yammer"
