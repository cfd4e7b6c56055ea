"""Top words and word pairs, stop words removed in the post's language (several languages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assistant.analysis.digest.text import stop_words, tokens
from assistant.analysis.digest.tops import ranked
from integrations.normalized import NormalizedPost


def words(posts: Sequence[NormalizedPost], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Most used words and adjacent word pairs (both words kept), reposts excluded."""
    all_words: list[str] = []  # counted once at the end: one Counter.update per post costs 3x
    all_pairs: list[str] = []
    for post in posts:
        if post.kind == "repost":
            continue
        stops = stop_words(post.lang)
        kept = [w if len(w) > 1 and w not in stops else None for w in tokens(post.text)]
        all_words.extend(w for w in kept if w)
        all_pairs.extend(f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False) if a and b)
    single, pairs = Counter(all_words), Counter(all_pairs)
    return {
        "words": [{"word": w, "count": c} for w, c in ranked(single, limit)],
        "word_pairs": [{"pair": p, "count": c} for p, c in ranked(pairs, limit) if c > 1],
    }
