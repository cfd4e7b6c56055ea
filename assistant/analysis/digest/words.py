"""Top words and word pairs, stop words removed in the post's language (several languages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.analysis.digest.text import JOINER, stop_words, tokens
from assistant.analysis.digest.tops import ranked
from integrations.normalized import NormalizedPost

# What is left of an HTML entity in text stored before X's text was unescaped on the way in: never a word
ENTITY_NAMES = frozenset({"amp", "lt", "gt", "quot", "apos", "nbsp"})


def _coded(tokens: list[str]) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The distinct tokens (first seen first), and every token as its index among them."""
    vocabulary = list(dict.fromkeys(tokens))
    index = {token: i for i, token in enumerate(vocabulary)}
    return vocabulary, np.fromiter(map(index.__getitem__, tokens), dtype=np.intp, count=len(tokens))


def coded_tokens(texts: Sequence[str]) -> tuple[list[str], npt.NDArray[np.intp]]:
    """`tokens` of every text one after the other, with the word "x" between two texts' tokens, coded as
    in `_coded`.

    No token spans a blank, so each distinct blank-separated piece is tokenised once and its tokens laid
    out wherever it occurs. A chat repeats its pieces: the 100k-post sample's English posts hold 525k
    tokens in 13k distinct pieces (half the time of regexes over all the text), 5k real #TidyTuesday posts
    122k in 29k (the same time), and the share of new pieces falls as a chat grows. A piece of letters
    only is its own one token, lower-cased: no pattern needs testing."""
    pieces, piece_codes = _coded(JOINER.join(texts).split())
    vocabulary: dict[str, int] = {}
    flat: list[int] = []  # the tokens of each distinct piece, one piece after the other
    lengths: list[int] = []
    for piece in pieces:
        low = piece.lower()
        found = [low] if low.isalpha() else tokens(piece)
        lengths.append(len(found))
        flat.extend([vocabulary.setdefault(token, len(vocabulary)) for token in found])
    length = np.array(lengths, dtype=np.intp)
    first = np.cumsum(length) - length  # where each distinct piece's tokens begin in `flat`
    per_place = length[piece_codes]  # tokens of the piece at each place in the text
    # each token found: its piece's first token in `flat`, plus its rank among the piece's tokens
    rank = np.arange(int(per_place.sum()), dtype=np.intp) - np.repeat(np.cumsum(per_place) - per_place, per_place)
    codes = np.asarray(flat, dtype=np.intp)[np.repeat(first[piece_codes], per_place) + rank]
    return list(vocabulary), codes


def words(posts: Sequence[NormalizedPost], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Most used words and adjacent word pairs (both words kept, two different words), reposts excluded."""
    by_lang: dict[str | None, list[str]] = {}
    for post in posts:
        if post.kind != "repost":
            by_lang.setdefault(post.lang, []).append(post.text)
    single: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()  # spelt "a b" only once ranked and cut
    for lang, texts in by_lang.items():
        # The posts of one language tokenised together, each token coded as a number and counted with numpy;
        # then the one-letter and stop words are dropped (a test per distinct token, not per token found),
        # and a pair with a dropped word is no pair: the word "x" the posts are joined by, so no pair spans
        # two posts.
        vocabulary, codes = coded_tokens(texts)
        stops = stop_words(lang) | ENTITY_NAMES
        kept = np.fromiter((len(w) > 1 and w not in stops for w in vocabulary), dtype=bool, count=len(vocabulary))
        counts = np.bincount(codes, minlength=len(vocabulary))
        single.update({vocabulary[i]: int(counts[i]) for i in np.flatnonzero(kept)})
        first, second = codes[:-1], codes[1:]
        both = kept[first] & kept[second] & (first != second)  # "modelling, modelling" is emphasis, not a pair
        size = len(vocabulary)
        found, times = np.unique(first[both] * size + second[both], return_counts=True)
        for code, count in zip(found.tolist(), times.tolist(), strict=True):
            a, b = divmod(code, size)
            pairs[vocabulary[a], vocabulary[b]] += count
    # Ranking tuples matches ranking "a b" strings: words hold no character below the space, so a word
    # that is a prefix of another sorts first either way.
    repeated = Counter({ab: c for ab, c in pairs.items() if c > 1})
    return {
        "words": [{"word": w, "count": c} for w, c in ranked(single, limit)],
        "word_pairs": [{"pair": f"{a} {b}", "count": c} for (a, b), c in ranked(repeated, limit)],
    }
