"""Turn Bluesky postViews and author profiles (app.bsky.feed / app.bsky.actor lexicons) into normalized data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from integrations import normalized as n
from integrations.normalized import Batch, BatchBuilder, Metrics, NormalizedAccount, NormalizedPost, Platform, PostKind
from integrations.x.parse import parse_datetime

PLATFORM: Platform = "bluesky"
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"
_TAG = "app.bsky.richtext.facet#tag"


def did_of(at_uri: str) -> str:
    """The repository DID of an at:// URI (at://did:plc:xyz/app.bsky.feed.post/rkey -> did:plc:xyz)."""
    return at_uri.removeprefix("at://").split("/", 1)[0]


def rkey_of(at_uri: str) -> str:
    """The record key (last path part) of an at:// URI."""
    return at_uri.rsplit("/", 1)[-1]


def post_web_url(handle_or_did: str, at_uri: str) -> str:
    """The bsky.app address of a post."""
    return f"https://bsky.app/profile/{handle_or_did}/post/{rkey_of(at_uri)}"


def _count(view: Mapping[str, Any], camel: str, snake: str) -> int:
    value = view.get(camel)
    if value is None:
        value = view.get(snake)
    return int(value or 0)


def parse_profile(obj: Mapping[str, Any]) -> NormalizedAccount:
    """A profileViewBasic / profileView(Detailed) as a NormalizedAccount, keyed by DID."""
    created = obj.get("createdAt") or obj.get("created_at")
    return NormalizedAccount(
        platform=PLATFORM,
        id=obj["did"],
        handle=obj.get("handle") or "",
        display_name=obj.get("displayName") or obj.get("display_name") or "",
        bio=obj.get("description") or "",
        url=n.web_url(f"https://bsky.app/profile/{obj.get('handle') or obj['did']}"),
        followers=obj.get("followersCount"),
        following=obj.get("followsCount"),
        post_count=obj.get("postsCount"),
        verified=(obj.get("verification") or {}).get("verifiedStatus") == "valid",
        created_at=parse_datetime(created) if created else None,
        raw=obj if isinstance(obj, dict) else dict(obj),
    )


def facet_features(record: Mapping[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(facet text, feature) pairs; the text is cut from record.text by UTF-8 byte offsets, as the lexicon says."""
    facets = record.get("facets")
    if not facets:
        return
    encoded: bytes | None = None
    for facet in facets:
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        snippet = ""
        if isinstance(start, int) and isinstance(end, int):
            if encoded is None:
                encoded = (record.get("text") or "").encode("utf-8")
            snippet = encoded[start:end].decode("utf-8", errors="replace")
        for feature in facet.get("features") or ():
            yield snippet, feature


def _quoted_uri(embed: Any) -> str | None:
    if not isinstance(embed, dict):
        return None
    kind = embed.get("$type") or ""
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        inner = embed.get("record") or {}
        inner = inner.get("record") if isinstance(inner.get("record"), dict) else inner
        uri = inner.get("uri") if isinstance(inner, dict) else None
        return uri if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else None
    if kind.startswith("app.bsky.embed.record"):
        inner = embed.get("record") or {}
        uri = inner.get("uri")
        return uri if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else None
    return None


def _external_uri(embed: Any) -> str | None:
    if isinstance(embed, dict) and (embed.get("$type") or "").startswith("app.bsky.embed.external"):
        external = embed.get("external") or {}
        uri = external.get("uri")
        return uri if isinstance(uri, str) else None
    return None


def parse_post_view(view: Mapping[str, Any], *, handles: Mapping[str, str] | None = None) -> NormalizedPost:
    """A postView (as returned by searchPosts / getPostThread) as a NormalizedPost keyed by its at:// URI.

    Mentions are reported as handles: the DID's handle where known (`handles`, the post's own author and the
    quoted post's author), otherwise the @text the facet covers. Counts are read in the lexicon's camelCase
    or in the snake_case some exporters use.
    """
    uri = view["uri"]
    record = view.get("record") or {}
    author = view.get("author") or {}
    author_did = author.get("did") or did_of(uri)
    handle = author.get("handle") or ""
    known: dict[str, str] = dict(handles or {})
    if handle:
        known.setdefault(author_did, handle)
    embed_view = view.get("embed")
    if isinstance(embed_view, dict):
        embedded = embed_view.get("record")
        if isinstance(embedded, dict):
            embedded_author = embedded.get("author")
            if isinstance(embedded_author, dict) and embedded_author.get("did"):
                known.setdefault(embedded_author["did"], embedded_author.get("handle") or "")

    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    for snippet, feature in facet_features(record):
        kind = feature.get("$type") or ""
        if kind == _TAG or ("tag" in feature and not kind):
            tag = feature.get("tag")
            if tag:
                tag = tag.lower()
                if tag not in hashtags:
                    hashtags.append(tag)
        elif kind == _MENTION or ("did" in feature and not kind):
            did = feature.get("did") or ""
            name = known.get(did) or snippet.lstrip("@") or did
            mentions.append(name.lower())
        elif kind == _LINK or ("uri" in feature and not kind):
            if n.web_url(feature.get("uri")):
                urls.append(feature["uri"])
    for tag in record.get("tags") or ():
        if isinstance(tag, str) and tag.lower() not in hashtags:
            hashtags.append(tag.lower())
    external = _external_uri(record.get("embed")) or _external_uri(embed_view)
    if external and n.web_url(external) and external not in urls:
        urls.append(external)

    reply = record.get("reply")
    reply_to = root = reply_user = None
    if isinstance(reply, dict):
        parent_uri = (reply.get("parent") or {}).get("uri")
        root_uri = (reply.get("root") or {}).get("uri")
        reply_to = parent_uri or None
        root = root_uri or parent_uri or None
        reply_user = did_of(parent_uri) if parent_uri else None
    quoted = _quoted_uri(record.get("embed")) or _quoted_uri(embed_view)
    post_kind: PostKind = "reply" if reply_to else "quote" if quoted else "original"

    created = parse_datetime(record.get("createdAt") or view.get("indexedAt") or view.get("indexed_at"))
    if created is None:
        raise ValueError(f"post {uri} has no createdAt")
    langs = record.get("langs")
    return NormalizedPost(
        platform=PLATFORM,
        id=uri,
        author_id=author_did,
        created_at=created,
        text=record.get("text") or "",
        author_handle=handle,
        lang=langs[0] if langs else None,
        kind=post_kind,
        reply_to_post_id=reply_to,
        reply_to_user_id=reply_user,
        conversation_id=root or uri,
        quoted_post_id=quoted,
        hashtags=hashtags,
        mentions=mentions,
        urls=urls,
        metrics=Metrics(
            likes=_count(view, "likeCount", "like_count"),
            reposts=_count(view, "repostCount", "repost_count"),
            replies=_count(view, "replyCount", "reply_count"),
            quotes=_count(view, "quoteCount", "quote_count"),
        ),
        source="bluesky",
        url=n.web_url(post_web_url(handle or author_did, uri)),
        raw=view if isinstance(view, dict) else dict(view),
    )


def parse_post_views(views: Iterable[Mapping[str, Any]], *, source: str = "bluesky") -> Batch:
    """postViews (a searchPosts page, a flattened thread) as a Batch: posts and authors, once each."""
    built = BatchBuilder()
    for view in views:
        uri = view.get("uri")
        if not uri or not built.add_post(uri, partial(parse_post_view, view), source=source, what="Bluesky: post"):
            continue
        author = view.get("author")
        if isinstance(author, dict) and author.get("did"):
            built.add_account(author["did"], partial(parse_profile, author))
    return built.batch
