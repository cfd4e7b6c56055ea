"""Words for the mapping report: an account's likely kind (organisation or person) and each community's distinctive words and hashtags."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from integrations.normalized import NormalizedPost

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]{2,}")


_TOKEN = re.compile(r"[a-z/']+")


_WE = re.compile(r"\b(we|our)\b")


_PERSON_NAME = re.compile(r"[A-Z][a-zà-ÿ'-]+ [A-Z][a-zà-ÿ'-]+")


HASHTAG = re.compile(r"#(\w+)")


_LINKS_AND_TAGS = re.compile(r"https?://\S+|[@#]\w+")


STOPWORDS = frozenset(
    """the and for are but not you all any can had her was one our out day get has him his how man new now old see
    two way who boy did its let put say she too use with this that from your have will they them then than been were
    what when where which while into just like more some such only over also very about after again their there these
    those would could should views own my me we us is it in on of to at by an or as be if so no rt amp https http tco
    i'm it's we're you're don't can't""".split()
)


_ORG_WORDS = frozenset(
    """official council university school college department ministry charity trust agency news institute association
    network foundation ltd limited group team service services nhs gov government office board society federation
    union centre center academy committee authority museum library partnership alliance campaign inc org""".split()
)


_PERSON_WORDS = frozenset(
    """views my own mum dad mother father wife husband she/her he/him they/them teacher lecturer researcher student
    fan lover writer i'm i am personal""".split()
)


def guess_kind(name: str, bio: str) -> str:
    """'organisation' or 'person' from the profile text: a guess, always shown as one."""
    if not name and not bio:
        return "person"
    text = f"{name} {bio}".lower()
    tokens = set(_TOKEN.findall(text))
    org = len(tokens & _ORG_WORDS) + (2 if _WE.search(text) else 0)
    person = len(tokens & _PERSON_WORDS) + (2 if "views my own" in text or "views are my own" in text else 0)
    if _PERSON_NAME.fullmatch(name.strip()):
        person += 1
    return "organisation" if org > person else "person"


def words_of(text: str) -> list[str]:
    text = _LINKS_AND_TAGS.sub(" ", text.lower())
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def hashtags_by_author(posts: Iterable[NormalizedPost]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for post in posts:
        out[post.author_id].update({t.lower() for t in post.hashtags})
    return out


def distinctive_words(inside: Counter[str], everywhere: Counter[str], size: int, total: int) -> list[str]:
    """Terms used by at least two members, ranked by how much more often the community uses them."""
    scored = []
    for term, count in inside.items():
        if count < 2:
            continue
        share_in = count / max(size, 1)
        share_all = (everywhere[term] + 1) / (total + 1)
        scored.append((share_in * math.log(share_in / share_all + 1), term))
    return [term for _, term in sorted(scored, reverse=True)]
