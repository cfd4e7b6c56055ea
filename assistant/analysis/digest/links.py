"""Shared links: expanded URLs grouped by URL and by domain, each counted once per post.

Links are ranked by where they lead (X's `unwound_url` or `expanded_url`, read by the parsers). A link still on a
known shortener (its destination unknown) is ranked as a URL marked unexpanded, never as a site."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import SplitResult, urlsplit

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
    return _host(urlsplit(url))


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _spelling(parts: SplitResult) -> str:
    """One spelling per link: lower-case scheme and host, no fragment, no trailing slash."""
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def is_short(url: str) -> bool:
    """Whether a (normalized) link is on a known shortener: where it leads is unknown."""
    return domain(url) in SHORTENERS


def _shared(url: str) -> tuple[str, str] | None:
    """(spelling, host) of a shared link from one parse of it; None for a link that is not one: links to other
    posts on X (quotes, photos) are not shared links."""
    parts = urlsplit(url.strip())
    host = _host(parts)
    return (_spelling(parts), host) if host and host not in _SELF_DOMAINS else None


@dataclass(slots=True)
class LinkCounts:
    """Posts sharing each URL and each domain (shorteners are no domain), and the URLs still on a shortener."""

    by_url: Counter[str]
    by_domain: Counter[str]
    unexpanded: int


def link_counts(posts: Iterable[NormalizedPost]) -> LinkCounts:
    """Posts sharing each URL and each domain, once per post (reposts excluded; shorteners are no domain).

    Each distinct link is parsed once, for its spelling and its host together (it was parsed four times: 0.05
    against 0.07 s for the 100k-post sample's 4.9k distinct links)."""
    shared = cache(_shared)
    host_of: dict[str, str] = {}  # spelling -> host
    all_urls: list[str] = []
    all_domains: list[str] = []
    for post in posts:
        if post.kind == "repost" or not post.urls:
            continue
        found = {link for u in post.urls if (link := shared(u)) is not None}
        host_of.update(found)
        all_urls.extend({spelling for spelling, _ in found})
        all_domains.extend({host for _, host in found if host not in SHORTENERS})
    unexpanded = sum(1 for host in host_of.values() if host in SHORTENERS)
    return LinkCounts(Counter(all_urls), Counter(all_domains), unexpanded)


def links(
    posts: Sequence[NormalizedPost], limit: int, *, counts: LinkCounts | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Top URLs and top domains among the chat's posts (`counts`: their `link_counts`, when already counted)."""
    found = link_counts(posts) if counts is None else counts
    by_url, by_domain = found.by_url, found.by_domain
    return {
        "urls": [{"url": u, "posts": c, "expanded": not is_short(u)} for u, c in ranked(by_url, limit)],
        "domains": [{"domain": d, "posts": c} for d, c in ranked(by_domain, limit)],
    }
