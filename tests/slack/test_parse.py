"""Command parsing: quotes (straight and typographic), hashtags, handles, Slack's escaped links, options."""

from __future__ import annotations

import pytest

from assistant.slack.parse import Arg, ParseError, parse_command


def test_empty_text_is_help() -> None:
    assert parse_command("").subcommand == "help"
    assert parse_command("   ").subcommand == "help"


def test_subcommand_is_lower_cased() -> None:
    assert parse_command("CHAT list").subcommand == "chat"


def test_quoted_arguments_stay_whole() -> None:
    parsed = parse_command('contact ask "Who knows FE maths leads?" --yammer 123')
    assert parsed.args == [Arg("word", "ask"), Arg("text", "Who knows FE maths leads?")]
    assert parsed.options == {"yammer": "123"}


def test_typographic_quotes_from_slack_clients() -> None:
    parsed = parse_command("contact “Ada Lovelace” ‘FE lead’")
    assert parsed.args == [Arg("text", "Ada Lovelace"), Arg("text", "FE lead")]


def test_hashtags_and_handles() -> None:
    parsed = parse_command("watch #ukfechat @DfE @someone@mastodon.social")
    assert parsed.args == [
        Arg("hashtag", "ukfechat"),
        Arg("handle", "DfE"),
        Arg("handle", "someone@mastodon.social"),
    ]


def test_slack_user_channel_group_and_link_escapes() -> None:
    parsed = parse_command(
        "chat new <@U012AB3CD|ada> <#C024BE91L|comms> <!subteam^S0COMMS001|@comms> <https://example.org/a|example.org/a>"
    )
    assert parsed.args == [
        Arg("word", "new"),
        Arg("user", "U012AB3CD", "ada"),
        Arg("channel", "C024BE91L", "comms"),
        Arg("usergroup", "S0COMMS001", "@comms"),
        Arg("url", "https://example.org/a", "example.org/a"),
    ]


def test_user_mention_without_label() -> None:
    assert parse_command("accounts handover <@U0AAA>").args[-1] == Arg("user", "U0AAA")


def test_options_with_equals_flags_and_values() -> None:
    parsed = parse_command("digest #edchat --from 2026-11-19 --to=2026-11-20 --dry-run")
    assert parsed.options == {"from": "2026-11-19", "to": "2026-11-20", "dry-run": True}
    assert parsed.args == [Arg("hashtag", "edchat")]


def test_unclosed_quote_is_an_error() -> None:
    with pytest.raises(ParseError, match="unclosed quote"):
        parse_command('contact "Ada')


def test_hashtag_with_punctuation_is_not_a_hashtag() -> None:
    assert parse_command("watch #ed-chat").args == [Arg("word", "#ed-chat")]
