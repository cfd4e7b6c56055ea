"""Digest analysis parts: answer forms, thread answers, words, links, network, host impact, comparison, empty chat."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.analysis.digest import ChatContext, build_digest
from assistant.analysis.digest.answers import assign
from assistant.analysis.digest.build import in_time_order
from assistant.analysis.digest.compare import comparable, compare
from assistant.analysis.digest.impact import host_impact
from assistant.analysis.digest.links import link_counts, links
from assistant.analysis.digest.moderators import given
from assistant.analysis.digest.network import central
from assistant.analysis.digest.select import outside_parent_keys, outside_parents, select_chat
from assistant.analysis.digest.text import answer_number, tokens
from assistant.analysis.digest.tops import hashtag_counts, ranked
from assistant.analysis.digest.volume import utc_minutes
from assistant.analysis.digest.words import coded_tokens, words
from integrations.normalized import Metrics, NormalizedPost
from tests.conftest import shared_path

T0 = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)


def post(
    pid: str, text: str, *, author: str = "1", handle: str = "amy", minute: int = 1, **kw: object
) -> NormalizedPost:
    return NormalizedPost(
        platform=str(kw.pop("platform", "x")),
        id=pid,
        author_id=author,
        author_handle=handle,
        created_at=T0 + timedelta(minutes=minute),
        text=text,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("A1 yes", 1),
        ("A1: yes", 1),
        ("A1. yes", 1),
        ("A1) yes", 1),
        ("A1a yes", 1),
        ("a1 yes", 1),
        ("@host A2 yes", 2),
        ("@host @co a3: yes", 3),
        ("A12 - twelve", 12),
        ("A1", 1),
        ("Any ideas?", None),
        ("@AishaGarcia2 Love this", None),
        ("@sam_a1 great", None),
        (".@host A4 yes", 4),
        ("A1B2 grid", None),
        ("AA1 no", None),
        ("I said A1 earlier", None),
        ("A yes", None),
    ],
)
def test_answer_forms(text: str, number: int | None) -> None:
    assert answer_number(text) == number


def test_thread_replies_answer_the_question_and_tags_win() -> None:
    q1 = post("q1", "Q1: What works? #chat", author="h", handle="host", conversation_id="q1")
    q2 = post("q2", "Q2: And then? #chat", author="h", handle="host", minute=9, conversation_id="q2")
    in_thread = post("r1", "@host reading aloud", kind="reply", reply_to_post_id="q1", reply_to_user_id="h")
    tagged_elsewhere = post("r2", "A2 peer review", kind="reply", reply_to_post_id="q1", conversation_id="q1")
    repost = post("rt", "RT @host: A1 nope", kind="repost")
    chatter = post("c", "hello all #chat")
    result = assign([q1, q2, in_thread, tagged_elsewhere, repost, chatter], moderators=given("host"))
    by_number = {q.number: [p.id for p in q.answers] for q in result.questions}
    assert by_number == {1: ["r1"], 2: ["r2"]}
    assert result.questions[0].thread_replies == 1
    assert [p.id for p in result.open_conversation] == ["c"]  # reposts are counted as reposts only


def test_scheduled_questions_appear_without_their_post() -> None:
    result = assign([post("a", "A3 something")], scheduled=[(3, T0, "Q3: planned")])
    assert result.questions[0].text == "Q3: planned" and [p.id for p in result.questions[0].answers] == ["a"]


def test_words_drop_stop_words_per_language_links_mentions_and_tags() -> None:
    posts = [
        post("1", "A1 The reading groups are great https://t.co/x #chat @bob", lang="en"),
        post("2", "A1: reading groups and the library", lang="en"),
        post("3", "Los grupos de lectura son para todos", lang="es"),
        post("4", "Mae'r grwpiau darllen yn wych ac yn hwyl", lang="cy"),
        post("5", "RT @x: reading reading reading", kind="repost", lang="en"),
    ]
    found = words(posts, 10)
    counts = {w["word"]: w["count"] for w in found["words"]}
    assert counts["reading"] == 2 and counts["groups"] == 2
    for stop in ("the", "are", "and", "los", "de", "son", "para", "yn", "ac", "chat", "bob", "a1", "https"):
        assert stop not in counts
    assert found["word_pairs"] == [{"pair": "reading groups", "count": 2}]


def test_a_word_repeated_for_emphasis_is_no_pair() -> None:
    texts = ["modelling, modelling, modelling", "modelling modelling works", "modelling works"]
    found = words([post(str(i), text, lang="en") for i, text in enumerate(texts)], 10)
    assert {w["word"]: w["count"] for w in found["words"]}["modelling"] == 6
    assert found["word_pairs"] == [{"pair": "modelling works", "count": 2}]  # never "modelling modelling"


def test_word_pairs_never_span_two_posts_even_if_a_post_holds_the_separator() -> None:
    texts = ["kappa zeta", "omega lambda", "kappa zeta", "omega lambda"]  # "zeta omega" twice, across posts
    found = words([post(str(i), text, lang="en") for i, text in enumerate(texts)], 10)
    assert found["word_pairs"] == [{"pair": "kappa zeta", "count": 2}, {"pair": "omega lambda", "count": 2}]
    # a post with an odd blank, or with the one-letter word posts are joined by: the same words as alone
    odd = words([post("1", "kappa\x1ezeta", lang="en"), post("2", "kappa zeta x", lang="en")], 10)
    assert odd["word_pairs"] == [{"pair": "kappa zeta", "count": 2}]


ODD_TEXTS = [
    "A1: İstanbul’s schools don’t close, see https://t.co/x?a=1&b=2).",
    "@amy,@bob A2a) Reading—writing… #EdChat #Ed_Chat2 q3 ba1",
    "",
    "x x",
    "tab\tseparated\x1erecord 🎉🎉 naïve ΣΊΣΥΦΟΣ",
    "email@school.org HTTPS://EXAMPLE.ORG/Path a1b2 ñandú İzmir",
]


def _expected_tokens(texts: list[str]) -> list[str]:
    # each text on its own, with the word "x" between two texts (the joiner the pairs rely on)
    out: list[str] = []
    for i, text in enumerate(texts):
        out.extend((["x"] if i else []) + tokens(text))
    return out


def test_coded_tokens_are_each_texts_own_tokens_in_order() -> None:
    path = shared_path("fixtures", "datasets", "tt_tweets.jsonl")
    real = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    for texts in (ODD_TEXTS, real, ODD_TEXTS * 3 + real[:50]):
        vocabulary, codes = coded_tokens(texts)
        assert [vocabulary[c] for c in codes.tolist()] == _expected_tokens(texts)
        assert len(vocabulary) == len(set(vocabulary))
    assert coded_tokens([])[1].tolist() == []
    odd = coded_tokens(ODD_TEXTS)[0]
    assert "zmir" in odd and "i̇zmir" not in odd  # "İ" lower-cases to "i" and a combining dot, no letter
    assert "don't" in odd and "https" not in odd and "amy" not in odd


def test_links_group_by_url_and_domain_once_per_post() -> None:
    posts = [
        post("1", "x", urls=["https://www.gov.uk/a/", "https://www.gov.uk/a", "https://twitter.com/u/status/1"]),
        post("2", "y", urls=["https://GOV.uk/b", "https://www.gov.uk/a"]),
        post("3", "z", urls=["https://t.co/short"]),
    ]
    found = links(posts, 10)
    assert found["urls"] == [
        {"url": "https://www.gov.uk/a", "posts": 2, "expanded": True},
        {"url": "https://gov.uk/b", "posts": 1, "expanded": True},
        {"url": "https://t.co/short", "posts": 1, "expanded": False},  # where it leads is unknown: said so
    ]
    assert found["domains"] == [{"domain": "gov.uk", "posts": 2}]  # a shortener is never a site


def test_hashtag_counts_in_the_spellings_posts_carry() -> None:
    posts = [
        post("1", "a", hashtags=["edchat"]),  # the chat's tag alone, as the store keeps it
        post("2", "b", hashtags=["EdChat", "PLN"]),  # as a source spelt them
        post("3", "c", hashtags=["#edchat"]),  # with its sign
        post("4", "d"),  # came in through its thread: no tag
        post("5", "e", hashtags=["pln"]),  # another tag, not the chat's
        post("6", "f", hashtags=["edchat", "pln", "Pln", "#"]),  # one tag three times, and a bare sign
        post("7", "g", kind="repost", hashtags=["edchat", "pln"]),  # repeats its original: not counted
    ]
    others, without = hashtag_counts(posts, "#EdChat")
    assert others == Counter({"pln": 3})  # posts 2, 5 and 6, once each
    assert without == 2  # posts 4 and 5


def test_link_counts_by_spelling_host_and_shortener() -> None:
    posts = [
        # one post: two spellings of one link, a link to a post on X (with the blanks a paste leaves), a shortener
        post(
            "1",
            "a",
            urls=["https://T.CO/abc/", " https://x.com/u/status/9 ", "HTTPS://www.Gov.UK/a#top", "https://t.co/abc"],
        ),
        post("2", "b", urls=["https://bit.ly/x?utm=1", "https://gov.uk/a/"]),  # gov.uk/a without www: another URL
        post("3", "c", kind="repost", urls=["https://bit.ly/other"]),  # a repost repeats its original: not counted
        post("4", "d", urls=["https://mobile.twitter.com/u/status/1", "not a link"]),  # nothing shared
    ]
    found = link_counts(posts)
    assert found.by_url == Counter(
        {"https://t.co/abc": 1, "https://www.gov.uk/a": 1, "https://bit.ly/x?utm=1": 1, "https://gov.uk/a": 1}
    )
    assert found.by_domain == Counter({"gov.uk": 2})  # once per post; shorteners are no site
    assert found.unexpanded == 2  # t.co/abc and bit.ly/x: distinct URLs whose destination is unknown


def test_central_participants_rank_the_hub_first() -> None:
    posts = [post(str(i), f"@hub hi {i}", author=str(i), handle=f"p{i}", mentions=["hub"]) for i in range(5)]
    posts.append(post("h", "thanks", author="9", handle="Hub", kind="reply", reply_to_user_id="0"))
    ranked = central(posts, 3)
    assert ranked[0]["handle"] == "hub" and ranked[1]["handle"] == "p0"
    assert central([post("x", "alone")], 3) == []


def test_host_impact_against_baselines() -> None:
    day = date(2026, 3, 5)
    followers = {day - timedelta(days=i): 1000 - 10 * i for i in range(0, 29)}  # +10 a day
    followers[day + timedelta(days=1)] = 1030  # +30 on the chat day
    result = host_impact(
        handle="sec",
        day=day,
        mentions_in_chat=40,
        mentions_on_day=90,
        daily_mentions=[10] * 90,
        followers_by_day=followers,
    )
    assert result["mentions_ratio"] == 9.0 and result["share_of_baseline_period"] == 0.1
    assert result["followers_gained"] == 30 and result["baseline_daily_gain"] == 10.0
    assert result["followers_ratio"] == 3.0
    unknown = host_impact(
        handle="sec", day=day, mentions_in_chat=1, mentions_on_day=None, daily_mentions=None, followers_by_day={}
    )
    assert unknown["mentions_ratio"] is None and unknown["followers_gained"] is None


def test_compare_with_previous_and_average() -> None:
    result = compare({"posts": 30.0}, [{"posts": 20.0}, {"posts": 10.0}])
    assert result["posts"] == {"value": 30.0, "previous": 20.0, "average": 15.0, "occurrences": 2}
    assert compare({"posts": 3.0}, [])["posts"]["previous"] is None


def test_every_figure_is_comparable_and_missing_ones_have_no_previous() -> None:
    def document(posts: int, questions: list[tuple[int, int]], host: dict[str, int | None] | None) -> dict:
        return {
            "volume": {"posts": posts, "originals": posts, "peak_minute": {"at": "x", "posts": 2} if posts else None},
            "questions": [{"number": n, "answers": a, "answerers": a, "thread_replies": 0} for n, a in questions],
            "open_conversation": 1,
            "host": host,
        }

    now = comparable(document(10, [(1, 4), (3, 2)], {"mentions_in_chat": 3, "mentions_on_day": None}))
    before = comparable(document(6, [(1, 2), (2, 1)], None))
    older = comparable(document(0, [], {"mentions_in_chat": 1, "mentions_on_day": 7}))
    assert now["answers"] == 6 and now["peak_minute_posts"] == 2 and older["peak_minute_posts"] == 0
    assert "host_mentions_on_day" not in now and "host_followers_gained" not in now  # no value: no comparison
    result = compare(now, [before, older])
    assert result["posts"] == {"value": 10, "previous": 6, "average": 3, "occurrences": 2}
    assert result["q1.answers"] == {"value": 4, "previous": 2, "average": 2, "occurrences": 1}
    assert result["q3.answers"]["previous"] is None and "q2.answers" not in result  # asked this time only
    assert result["host_mentions_in_chat"] == {"value": 3, "previous": 1, "average": 1, "occurrences": 1}
    sized = comparable(
        {**document(1, [], None), "distinct": {"links": 3, "domains": 2, "co_hashtags": 0, "mentioned": 5}}
    )
    assert compare(sized, [before])["distinct_links"] == {
        "value": 3,
        "previous": None,
        "average": None,
        "occurrences": 0,
    }
    assert "distinct_links" not in before  # a document made before the sizes were added: nothing to compare


def test_empty_chat_has_a_digest_that_says_no_posts() -> None:
    figures = build_digest(
        [], ChatContext(hashtag="quiet", start=T0, end=T0 + timedelta(hours=1), host_handle="host")
    ).figures
    assert figures["volume"]["posts"] == 0 and figures["volume"]["peak_minute"] is None
    assert figures["top"]["contributors"] == [] and figures["questions"] == []
    assert figures["host"]["mentions_in_chat"] == 0


def test_select_chat_follows_reply_parents_in_the_window() -> None:
    root = post("1", "Q1 #Chat", conversation_id="1", hashtags=["Chat"])
    reply = post("2", "answer without tag", kind="reply", conversation_id="1", reply_to_post_id="1")
    below = post("5", "and a reply to it", kind="reply", conversation_id="1", reply_to_post_id="2")
    sibling = post("6", "same conversation, not below a tagged post", kind="reply", conversation_id="1")
    stranger = post("3", "unrelated", conversation_id="3")
    late = post("4", "late reply", kind="reply", conversation_id="1", reply_to_post_id="1", minute=120)
    posts = [root, reply, below, sibling, stranger, late]
    chosen = select_chat(posts, hashtag="#chat", start=T0, end=T0 + timedelta(hours=1))
    assert [p.id for p in chosen] == ["1", "2", "5"]


def test_select_chat_keeps_posts_as_read_when_all_belong_and_each_copy_of_a_post_read_twice() -> None:
    root = post("1", "Q1 #chat", conversation_id="1", hashtags=["chat"])
    reply = post("2", "answer without tag", kind="reply", conversation_id="1", reply_to_post_id="1")
    again = post("1", "Q1 #chat, read again", conversation_id="1", hashtags=["chat"])
    stranger = post("3", "unrelated", conversation_id="3")
    end = T0 + timedelta(hours=1)
    assert select_chat([root, reply], hashtag="chat", start=T0, end=end) == [root, reply]
    # four posts read, two keys chosen: both copies kept (in_time_order keeps the last), the stranger left out
    assert select_chat([root, again, stranger, reply], hashtag="chat", start=T0, end=end) == [root, again, reply]


def test_posts_count_in_the_utc_minute_of_their_whole_seconds() -> None:
    nine = int(datetime(2026, 3, 5, 21, 0, tzinfo=UTC).timestamp()) // 60
    times = [
        datetime(2026, 3, 5, 21, 0, 59, 999_999, tzinfo=UTC),  # 21:00
        datetime(2026, 3, 5, 21, 1, tzinfo=UTC),  # 21:01
        datetime(2026, 3, 5, 22, 1, 30, tzinfo=ZoneInfo("Europe/Paris")),  # 21:01:30 UTC
        datetime(1969, 12, 31, 23, 58, 59, 500_000, tzinfo=UTC),  # -60.5 s: whole seconds -60, so minute -1
    ]
    assert utc_minutes(times) == {nine: 1, nine + 1: 2, -1: 1}
    assert utc_minutes([]) == {}


def test_outside_parents_are_the_posts_chat_replies_answer_that_are_not_in_the_chat() -> None:
    outside = post("7", "an outside post")
    tagged = post("8", "A1 #chat", kind="reply", reply_to_post_id="7", hashtags=["chat"])
    below = post("9", "agreed", kind="reply", reply_to_post_id="8")
    repost = post("10", "RT", kind="repost", reply_to_post_id="11", hashtags=["chat"])  # a repost answers nothing
    # the same id on another network: a Mastodon reply to its own status "7", which is outside too
    toot = post("12", "A1 #chat", kind="reply", reply_to_post_id="7", hashtags=["chat"], platform="mastodon")
    assert outside_parent_keys([tagged, below, repost]) == {("x", "7")}
    assert outside_parent_keys([tagged, below, toot]) == {("x", "7"), ("mastodon", "7")}
    assert outside_parent_keys([outside, tagged, below]) == set()  # in the chat: not outside
    assert outside_parents([tagged, below], [outside, tagged, below, post("13", "another")]) == {("x", "7"): outside}


def test_contributors_rank_by_posts_in_the_chat_not_lifetime() -> None:
    posts = [
        post("1", "a", author="busy", handle="busy"),
        post("2", "b", author="busy", handle="busy"),
        post("3", "c", author="famous", handle="famous", metrics=Metrics(likes=1000)),
    ]
    figures = build_digest(posts, ChatContext(hashtag="c", start=T0, end=T0 + timedelta(hours=1))).figures
    assert [c["handle"] for c in figures["top"]["contributors"]] == ["busy", "famous"]
    assert figures["top"]["engaged_posts"][0]["id"] == "3"


def test_posts_out_of_order_or_read_twice_are_counted_once_in_time_order() -> None:
    first = post("1", "a", minute=3)
    second = post("2", "b", minute=1)
    again = post("1", "a again", minute=3)  # the same post read twice: the last one read counts
    result = build_digest([first, second, again], ChatContext(hashtag="c", start=T0, end=T0 + timedelta(hours=1)))
    assert [p.text for p in result.posts] == ["b", "a again"]
    assert result.figures["volume"]["posts"] == 2


def test_posts_at_the_same_time_are_put_in_platform_and_id_order() -> None:
    same = [post("9", "x9", minute=2), post("10", "x10", minute=2), post("5", "m5", minute=2, platform="mastodon")]
    chat = in_time_order([post("1", "first", minute=1), *same, post("2", "last", minute=3)])
    assert [(p.platform, p.id) for p in chat] == [("x", "1"), ("mastodon", "5"), ("x", "10"), ("x", "9"), ("x", "2")]
    assert in_time_order(chat) == chat  # already in order: kept
    twins = [post("7", "on x", minute=1), post("7", "on mastodon", minute=2, platform="mastodon")]
    assert [p.text for p in in_time_order(twins)] == ["on x", "on mastodon"]  # one id on two platforms: two posts


def test_top_lists_rank_ties_in_key_order_at_the_cut() -> None:
    counts = Counter({"e": 1, "d": 2, "a": 3, "c": 2, "b": 2})
    assert ranked(counts, 3) == [("a", 3), ("b", 2), ("c", 2)]
    assert ranked(counts, 0) == [] and ranked(counts, 9) == [("a", 3), ("b", 2), ("c", 2), ("d", 2), ("e", 1)]
