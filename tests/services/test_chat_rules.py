"""Chat text rules: hashtags, the X weighted length (twitter-text), Mastodon and Bluesky limits, question timing."""

from __future__ import annotations

import pytest

from assistant.services.chats.rules import (
    RuleError,
    check_questions,
    classic_warnings,
    clean_hashtag,
    graphemes,
    length_on,
    parse_questions,
    spread_minutes,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Give the chat's hashtag"),
        ("  ", "Give the chat's hashtag"),
        ("#uk fe chat", "no spaces"),
        ("#ukfe-chat!", "remove '-!'"),
        ("#2026", "only digits"),
        ("#" + "a" * 101, "101 characters"),
    ],
)
def test_bad_hashtags_get_a_specific_message(raw: str, expected: str) -> None:
    with pytest.raises(RuleError) as caught:
        clean_hashtag(raw)
    assert caught.value.field == "hashtag"
    assert expected in caught.value.message


def test_good_hashtags_lose_their_hash_and_keep_their_case() -> None:
    assert clean_hashtag("#UKFEchat") == "UKFEchat"
    assert clean_hashtag("édu_2026") == "édu_2026"
    assert clean_hashtag("a" * 100) == "a" * 100


def test_x_length_follows_twitter_text_weighting() -> None:
    assert length_on("x", "a" * 280) == 280
    assert length_on("x", "日本" * 70) == 280  # CJK counts double
    assert length_on("x", "😀" * 140) == 280  # emoji count double
    assert length_on("x", "see https://example.com/" + "a" * 200) == 4 + 23  # any URL counts 23


def test_graphemes_count_what_people_see() -> None:
    assert graphemes("e\u0301") == 1
    assert graphemes("👩‍👩‍👧") == 1  # a ZWJ family
    assert graphemes("👍🏽") == 1  # a skin tone modifier
    assert graphemes("🇬🇧🇫🇷") == 2  # two flags
    assert graphemes("abc") == 3
    assert length_on("bluesky", "😀" * 300) == 300
    assert length_on("mastodon", "https://example.com/" + "a" * 600) == 23


def test_over_length_question_says_the_count_and_how_much_to_cut() -> None:
    drafts = parse_questions("x" * 270)
    with pytest.raises(RuleError) as caught:
        check_questions(drafts, hashtag="ukfechat", template="Q{n} {text} #{hashtag}", duration=60, platforms=["x"])
    # "Q1 " + 270 + " #ukfechat" = 3 + 270 + 10 = 283
    assert caught.value.message == "Q1 is 283 weighted characters on X (limit 280); cut 3 characters."


def test_bluesky_limit_applies_when_cross_posting() -> None:
    long_link = "https://example.com/" + "a" * 280  # X counts any link as 23; Bluesky counts what it shows
    checked = check_questions(parse_questions(long_link), hashtag="t", template="{text}", duration=60, platforms=["x"])
    assert checked[0].lengths[0].length == 23
    check_questions(parse_questions(long_link), hashtag="t", template="{text}", duration=60, platforms=["x", "bluesky"])
    with pytest.raises(RuleError, match=r"Q1 is 301 characters on Bluesky \(limit 300\); cut 1 character\.$"):
        check_questions(
            parse_questions(long_link + "b"), hashtag="t", template="{text}", duration=60, platforms=["x", "bluesky"]
        )


def test_more_than_twenty_questions_is_refused() -> None:
    drafts = parse_questions("\n".join(f"question {i}" for i in range(21)))
    with pytest.raises(RuleError, match="21 questions: a chat has at most 20"):
        check_questions(drafts, hashtag="t", template="{text}", duration=120, platforms=["x"])


def test_two_questions_at_the_same_minute_are_refused() -> None:
    drafts = parse_questions("10 | first\n10 | second")
    with pytest.raises(RuleError, match="Q1 and Q2 are both at minute 10"):
        check_questions(drafts, hashtag="t", template="{text}", duration=60, platforms=["x"])


def test_questions_are_spread_after_five_minutes_of_introductions() -> None:
    assert spread_minutes(5, 60) == [5, 15, 25, 35, 45]
    checked = check_questions(
        parse_questions("Q1: one\ntwo\n30 | three"),
        hashtag="edchat",
        template="Q{n} {text} #{hashtag}",
        duration=60,
        platforms=["x"],
    )
    assert [(q.number, q.minute, q.posted) for q in checked] == [
        (1, 5, "Q1 one #edchat"),
        (2, 21, "Q2 two #edchat"),
        (3, 30, "Q3 three #edchat"),
    ]


def test_classic_style_warns_above_140() -> None:
    assert classic_warnings([("Q1", "a" * 141), ("Q2", "b" * 140)]) == [
        "Q1 is 141 characters on X, above the classic 140."
    ]
