"""The watches' Slack wording of a refusal: someone else's watch names its starter as a mention."""

from __future__ import annotations

from assistant.services.watches.manage import NotWatchStarter, WatchError
from assistant.slack.blocks.watches import watch_error


def test_someone_elses_watch_is_said_with_the_starters_mention() -> None:
    refused = NotWatchStarter(watch_id=4, created_by="U0STAFF001", action="stop")
    assert watch_error(refused) == "Only <@U0STAFF001> (who started it) or the comms team can stop watch 4."


def test_other_refusals_are_their_message() -> None:
    assert watch_error(WatchError("There is no running watch 9.")) == "There is no running watch 9."
