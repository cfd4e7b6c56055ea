"""Shared links: expanded URLs grouped by URL and by domain, each counted once per post.

Links are ranked by where they lead (X's `unwound_url` or `expanded_url`, read by the parsers). A link still on a
known shortener (its destination unknown) is ranked as a URL marked unexpanded, never as a site."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from assistant.analysis.digest.tops import ranked
from integrations.normalized import NormalizedPost

_SELF_DOMAINS = {"twitter.com", "x.com", "mobile.twitter.com"}
SHORTENERS = frozenset(
    {
        "t.co", "bit.ly", "ow.ly", "buff.ly", "tinyurl.com", "lnkd.in", "goo.gl", "is.gd", "dlvr.it", "ift.tt",
        "trib.al", "j.mp", "ht.ly", "tiny.cc", "rebrand.ly", "cutt.ly", "t.ly", "shorturl.at", "bl.ink", "rb.gy",
        "s.id", "wp.me", "fb.me", "amzn.to", "hubs.ly", "spr.ly", "po.st", "su.pr", "x.co", "shar.es", "dld.bz",
    }
)  # fmt: skip


def domain(url: str) -> str:
    """The host of a URL, lower-case, without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def normalize_url(url: str) -> str:
    """One spelling per link: lower-case scheme and host, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def is_shared_link(url: str) -> bool:
    """Links to other posts on X (quotes, photos) are not 'shared links'."""
    host = domain(url)
    return bool(host) and host not in _SELF_DOMAINS


def is_short(url: str) -> bool:
    """Whether a (normalized) link is on a known shortener: where it leads is unknown."""
    return domain(url) in SHORTENERS


def shared_link(url: str) -> str | None:
    """The one spelling of a shared link, None for a link that is not one (see `is_shared_link`)."""
    return normalize_url(url) if is_shared_link(url) else None


def link_counts(posts: Iterable[NormalizedPost]) -> tuple[Counter[str], Counter[str]]:
    """Posts sharing each URL and each domain, once per post (reposts excluded; shorteners are no domain)."""
    spelling, domain_of = cache(shared_link), cache(domain)  # each distinct URL parsed once, not per post
    all_urls: list[str] = []
    all_domains: list[str] = []
    for post in posts:
        if post.kind == "repost" or not post.urls:
            continue
        urls = {normal for u in post.urls if (normal := spelling(u)) is not None}
        all_urls.extend(urls)
        all_domains.extend({d for u in urls if (d := domain_of(u)) not in SHORTENERS})
    return Counter(all_urls), Counter(all_domains)


def links(
    posts: Sequence[NormalizedPost], limit: int, *, counts: tuple[Counter[str], Counter[str]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Top URLs and top domains among the chat's posts (`counts`: their `link_counts`, when already counted)."""
    by_url, by_domain = link_counts(posts) if counts is None else counts
    return {
        "urls": [{"url": u, "posts": c, "expanded": not is_short(u)} for u, c in ranked(by_url, limit)],
        "domains": [{"domain": d, "posts": c} for d, c in ranked(by_domain, limit)],
    }
