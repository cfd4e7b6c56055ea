"""Top words and word pairs, stop words removed in the post's language (several languages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.analysis.digest.text import stop_words, tokens_of_many
from assistant.analysis.digest.tops import ranked
from integrations.normalized import NormalizedPost


def _coded(tokens: list[str]) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The distinct tokens (first seen first), and every token as its index among them."""
    vocabulary = list(dict.fromkeys(tokens))
    index = {token: i for i, token in enumerate(vocabulary)}
    return vocabulary, np.fromiter(map(index.__getitem__, tokens), dtype=np.intp, count=len(tokens))


def words(posts: Sequence[NormalizedPost], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Most used words and adjacent word pairs (both words kept), reposts excluded."""
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
        vocabulary, codes = _coded(tokens_of_many(texts))
        stops = stop_words(lang)
        kept = np.fromiter((len(w) > 1 and w not in stops for w in vocabulary), dtype=bool, count=len(vocabulary))
        counts = np.bincount(codes, minlength=len(vocabulary))
        single.update({vocabulary[i]: int(counts[i]) for i in np.flatnonzero(kept)})
        first, second = codes[:-1], codes[1:]
        both = kept[first] & kept[second]
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
