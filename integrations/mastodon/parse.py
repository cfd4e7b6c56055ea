"""Turn Mastodon statuses and accounts (REST API JSON) into normalized posts and accounts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from html.parser import HTMLParser
from typing import Any

from integrations import normalized as n
from integrations.normalized import Batch, BatchBuilder, Metrics, NormalizedAccount, NormalizedPost, Platform, PostKind
from integrations.x.parse import parse_datetime

PLATFORM: Platform = "mastodon"


class _TextExtractor(HTMLParser):
    """Mastodon's status HTML as plain text: paragraphs and <br> become newlines, links keep their address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._anchor_depth = 0
        self._anchor_href: str | None = None
        self._anchor_text: list[str] = []
        self._anchor_keep_text = True
        self._paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._emit("\n")
        elif tag == "p":
            if self._paragraphs:
                self._emit("\n\n")
            self._paragraphs += 1
        elif tag == "a":
            attributes = dict(attrs)
            classes = (attributes.get("class") or "").split()
            self._anchor_depth += 1
            self._anchor_href = attributes.get("href")
            self._anchor_text = []
            # Mentions and hashtags read as written (@user, #tag); other links are shown as their full address
            # (Mastodon hides part of a long URL in invisible spans).
            self._anchor_keep_text = "mention" in classes or "hashtag" in classes or attributes.get("rel") == "tag"
            if not self._anchor_keep_text and self._anchor_href:
                self.links.append(self._anchor_href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor_depth:
            self._anchor_depth -= 1
            text = "".join(self._anchor_text)
            if not self._anchor_keep_text and self._anchor_href:
                text = self._anchor_href
            self._anchor_depth, self._anchor_href = 0, None
            self.parts.append(text)

    def handle_data(self, data: str) -> None:
        self._emit(data)

    def _emit(self, text: str) -> None:
        if self._anchor_depth:
            self._anchor_text.append(text)
        else:
            self.parts.append(text)


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Plain text of a status's HTML content and the addresses of its links (not mentions or hashtags)."""
    if "<" not in html and "&" not in html:
        return html, []
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return "".join(extractor.parts).strip(), extractor.links


def parse_account(obj: Mapping[str, Any]) -> NormalizedAccount:
    """A Mastodon account as a NormalizedAccount (`handle` is `acct`: user, or user@domain if remote)."""
    bio, _ = html_to_text(obj.get("note") or "")
    created = obj.get("created_at")
    return NormalizedAccount(
        platform=PLATFORM,
        id=str(obj["id"]),
        handle=obj.get("acct") or obj.get("username") or "",
        display_name=obj.get("display_name") or "",
        bio=bio,
        url=n.web_url(obj.get("url")),
        followers=obj.get("followers_count"),
        following=obj.get("following_count"),
        post_count=obj.get("statuses_count"),
        verified=False,
        created_at=parse_datetime(created) if created else None,
        raw=obj if isinstance(obj, dict) else dict(obj),
    )


def parse_status(obj: Mapping[str, Any], *, conversation_roots: Mapping[str, str] | None = None) -> NormalizedPost:
    """A Mastodon status as a NormalizedPost.

    A reblog is folded into one post of kind "repost" that carries the original's text, tags and links and
    points at it through `reposted_post_id`. Mastodon does not give a conversation's root: a status that
    replies to nothing is its own root; for a reply the root comes from `conversation_roots` (built by
    `parse_statuses` from the in_reply_to chain) or stays None.
    """
    reblog = obj.get("reblog")
    content_source = reblog if reblog else obj
    text, links = html_to_text(content_source.get("content") or "")
    spoiler = content_source.get("spoiler_text")
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    account = obj.get("account") or {}
    post_id = str(obj["id"])
    reply_to = obj.get("in_reply_to_id")
    reply_user = obj.get("in_reply_to_account_id")
    kind: PostKind = "original"
    quoted_id: str | None = None
    quote = content_source.get("quote")
    if isinstance(quote, dict):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, dict) and quoted.get("id"):
            quoted_id = str(quoted["id"])
        elif quote.get("quoted_status_id"):
            quoted_id = str(quote["quoted_status_id"])
    if reblog:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quoted_id:
        kind = "quote"
    if reply_to is None:
        conversation: str | None = post_id
    else:
        conversation = (conversation_roots or {}).get(post_id)
    urls = [url for url in links if n.web_url(url)]
    card = content_source.get("card")
    if isinstance(card, dict) and n.web_url(card.get("url")) and card["url"] not in urls:
        urls = [*urls, card["url"]]
    created = parse_datetime(obj.get("created_at"))
    if created is None:
        raise ValueError(f"status {post_id} has no created_at")
    return NormalizedPost(
        platform=PLATFORM,
        id=post_id,
        author_id=str(account.get("id") or ""),
        created_at=created,
        text=text,
        author_handle=account.get("acct") or account.get("username") or "",
        lang=content_source.get("language"),
        kind=kind,
        reply_to_post_id=str(reply_to) if reply_to else None,
        reply_to_user_id=str(reply_user) if reply_user else None,
        conversation_id=conversation,
        quoted_post_id=quoted_id,
        reposted_post_id=str(reblog["id"]) if reblog else None,
        hashtags=[tag["name"].lower() for tag in content_source.get("tags") or () if tag.get("name")],
        mentions=[m["acct"].lower() for m in content_source.get("mentions") or () if m.get("acct")],
        urls=urls,
        metrics=Metrics(
            likes=obj.get("favourites_count") or 0,
            reposts=obj.get("reblogs_count") or 0,
            replies=obj.get("replies_count") or 0,
            quotes=obj.get("quotes_count") or 0,
        ),
        source="mastodon",
        url=n.web_url(obj.get("url") or obj.get("uri")),
        raw=obj if isinstance(obj, dict) else dict(obj),
    )


def conversation_roots(statuses: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Status id -> root id, for every status whose in_reply_to chain can be walked to a root here."""
    parent: dict[str, str | None] = {}
    for status in statuses:
        reply_to = status.get("in_reply_to_id")
        parent[str(status["id"])] = str(reply_to) if reply_to else None
    roots: dict[str, str] = {}
    for start in parent:
        chain = [start]
        node: str | None = start
        root: str | None = None
        while node is not None:
            if node in roots:
                root = roots[node]
                break
            if node not in parent:
                break  # the chain leaves what we know: root unknown
            up = parent[node]
            if up is None:
                root = node
                break
            if up in chain:
                break
            chain.append(up)
            node = up
        if root is not None:
            for item in chain:
                roots[item] = root
    return roots


def parse_statuses(statuses: Iterable[Mapping[str, Any]], *, source: str = "mastodon") -> Batch:
    """A list of statuses (a timeline page) as a Batch: posts, reblogged originals, authors, once each."""
    items = list(statuses)
    everything: list[Mapping[str, Any]] = []
    for status in items:
        everything.append(status)
        if status.get("reblog"):
            everything.append(status["reblog"])
    roots = conversation_roots(everything)
    built = BatchBuilder()
    for status in everything:
        status_id = str(status.get("id"))
        parse = partial(parse_status, status, conversation_roots=roots)
        if not built.add_post(status_id, parse, source=source, what="Mastodon: status"):
            continue
        account = status.get("account")
        if isinstance(account, dict) and account.get("id"):
            built.add_account(str(account["id"]), partial(parse_account, account))
    return built.batch
