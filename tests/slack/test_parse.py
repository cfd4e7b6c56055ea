"""Command parsing: quotes (straight and typographic), hashtags, handles, Slack's escaped links, options."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.slack.parse import Arg, ParseError, parse_command, parse_date, parse_id, parse_id_pair


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


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "“²” is not a request number"),  # str.isdigit() says yes; int() and the database say no
        ("٣", "“٣” is not a request number"),  # Arabic-Indic three
        ("99999999999999999999999", "there is no request number 99999999999999999999999"),
        ("2147483648", "there is no request number 2147483648"),  # one past the integer column
        ("0", "there is no request number 0"),
        ("", "“” is not a request number"),
        ("<!channel>", "“&lt;!channel&gt;” is not a request number"),
    ],
)
def test_ids_beyond_ascii_digits_and_the_column_are_refused(value: str, message: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_id(value, "request")
    assert str(refused.value) == message


def test_ids_read_with_or_without_a_hash() -> None:
    assert parse_id("#12") == parse_id(" 12 ") == parse_id(12) == 12
    assert parse_id("2147483647") == 2**31 - 1
    assert parse_id_pair("3:4", "contact") == (3, 4)
    with pytest.raises(ParseError, match="not a pair of contact numbers"):
        parse_id_pair("abc", "contact")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-99-99", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("9999-12-31", "between 1900 and 2999"),
        ("0001-01-01", "between 1900 and 2999"),
        ("20261119", "is not a date"),
    ],
)
def test_impossible_and_edge_dates_are_refused(value: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_date(value, "deadline")


def test_dates_inside_the_years_are_read() -> None:
    assert parse_date("2026-11-19") == date(2026, 11, 19)
    assert parse_date("2999-12-31") == date(2999, 12, 31)
