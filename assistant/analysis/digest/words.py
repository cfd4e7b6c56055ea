"""Top words and word pairs, stop words removed in the post's language (several languages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assistant.analysis.digest.text import stop_words, tokens, tokens_of_many
from assistant.analysis.digest.tops import ranked
from integrations.normalized import NormalizedPost


def words(posts: Sequence[NormalizedPost], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Most used words and adjacent word pairs (both words kept), reposts excluded."""
    all_words: list[str] = []  # counted once at the end: one Counter.update per post costs 3x
    all_pairs: list[tuple[str | None, str | None]] = []  # tuples, not "a b" strings: 100k posts make 500k pairs
    by_lang: dict[str | None, list[str]] = {}
    for post in posts:
        if post.kind != "repost":
            by_lang.setdefault(post.lang, []).append(post.text)
    for lang, texts in by_lang.items():
        stops = stop_words(lang)
        # The posts of one language tokenised together; the separator between two posts is one character,
        # so it is dropped like a one-letter word, and a pair is never made across two posts.
        together = tokens_of_many(texts)
        for found in [together] if together is not None else [tokens(text) for text in texts]:
            kept = [w if len(w) > 1 and w not in stops else None for w in found]
            all_words.extend(filter(None, kept))
            all_pairs.extend(zip(kept, kept[1:], strict=False))
    single = Counter(all_words)
    # A pair with a dropped word is no pair. Ranking tuples matches ranking "a b" strings: words hold no
    # character below the space, so a word that is a prefix of another sorts first either way.
    pairs: Counter[tuple[str, str]] = Counter(
        {(a, b): c for (a, b), c in Counter(all_pairs).items() if a is not None and b is not None and c > 1}
    )
    return {
        "words": [{"word": w, "count": c} for w, c in ranked(single, limit)],
        "word_pairs": [{"pair": f"{a} {b}", "count": c} for (a, b), c in ranked(pairs, limit)],
    }
