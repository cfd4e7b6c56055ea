"""Watches: create, list and stop them; turn fetched posts into one deduplicated batch with reposts folded in."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session, col, select

from assistant.models.base import utcnow
from assistant.models.platforms import POST_NETWORKS, Platform
from assistant.models.watches import Watch, WatchSeen
from assistant.services.accounts.team_accounts import list_accounts
from assistant.services.team import audit
from integrations.normalized import NormalizedPost

NETWORKS = POST_NETWORKS
KINDS = ("hashtag", "account", "keyword", "mentions")
MIN_EVERY, MAX_EVERY = 5, 24 * 60
MAX_POSTS_SHOWN = 20
DEFAULT_BUDGET = 1.0  # US$ of X reads a day
MAX_BUDGET = 100.0  # a typo (`--budget 250`) should not spend a month's money in a day
_EVERY = re.compile(r"^(?P<n>\d{1,4})(?P<unit>m|min|h)?$")


class WatchError(ValueError):
    """Bad watch input or a refused operation; the text is shown as is."""


class NotWatchStarter(WatchError):
    """Someone else's watch: only who started it (`created_by`, a Slack user id) or the comms team may change or
    stop it; the Slack builder words it with the mention."""

    def __init__(self, *, watch_id: int, created_by: str, action: Literal["change", "stop"]) -> None:
        super().__init__(f"watch {watch_id} is {created_by}'s: only they or the comms team can {action} it")
        self.watch_id = watch_id
        self.created_by = created_by
        self.action: Literal["change", "stop"] = action


def _running_watch(
    session: Session, *, workspace_id: int, watch_id: int, actor: str, is_comms: bool, action: Literal["change", "stop"]
) -> Watch:
    """The workspace's running watch `watch_id`, if the actor started it or is in the comms team."""
    watch = session.get(Watch, watch_id)
    if watch is None or watch.workspace_id != workspace_id or not watch.active:
        raise WatchError(f"There is no running watch {watch_id}; `/outreach watch list` shows them.")
    if watch.created_by != actor and not is_comms:
        raise NotWatchStarter(watch_id=watch_id, created_by=watch.created_by, action=action)
    return watch


def parse_every(raw: str | bool | None) -> int:
    if raw is None or raw is True:
        return 15
    match = _EVERY.match(str(raw).strip().lower())
    if not match:
        raise WatchError(f"`--every {raw}` is not a period; use e.g. `--every 15m` or `--every 2h`.")
    minutes = int(match.group("n")) * (60 if match.group("unit") == "h" else 1)
    if not MIN_EVERY <= minutes <= MAX_EVERY:
        raise WatchError(f"A watch polls every {MIN_EVERY} minutes to 24 hours; `{raw}` is outside that.")
    return minutes


def parse_networks(raw: str | bool | None, kind: str) -> list[str]:
    if raw is None or raw is True:
        return ["x"]
    networks = [name.strip().lower() for name in str(raw).split(",") if name.strip()]
    unknown = [name for name in networks if name not in NETWORKS]
    if unknown or not networks:
        raise WatchError(f"Unknown network {', '.join(unknown) or raw!r}; use x, mastodon or bluesky.")
    return list(dict.fromkeys(networks))


def parse_budget(raw: str | bool | None) -> float:
    """`--budget 2.50`: US dollars of X reads a day, more than 0 and at most MAX_BUDGET (default DEFAULT_BUDGET)."""
    if raw is None:
        return DEFAULT_BUDGET
    text = str(raw).strip().lstrip("$").strip() if raw is not True else ""
    try:
        value = float(text)
    except ValueError:
        raise WatchError(
            f"`--budget {raw if raw is not True else ''}` is not an amount; give US dollars a day, e.g. `--budget 2.50`."
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise WatchError("A watch's budget must be more than $0 a day (e.g. `--budget 0.50`).")
    if value > MAX_BUDGET:
        raise WatchError(f"A watch's budget is at most ${MAX_BUDGET:.2f} a day; `{raw}` is above that.")
    return round(value, 2)


def set_budget(
    session: Session, *, workspace_id: int, watch_id: int, budget: float, actor: str, is_comms: bool
) -> Watch:
    """Change a running watch's daily budget (comms or whoever started it). Audited."""
    watch = _running_watch(
        session, workspace_id=workspace_id, watch_id=watch_id, actor=actor, is_comms=is_comms, action="change"
    )
    previous = watch.cost_budget
    watch.cost_budget = budget
    if watch.paused_reason == "budget" and watch.cost_spent < budget:
        now = utcnow()
        watch.paused_until = now  # the next poll resumes it (and tells the channel)
        watch.next_run_at = min(watch.next_run_at, now)
    session.add(watch)
    audit.log(session, "watch.budget_changed", watch, actor=actor, previous=previous, budget=budget)
    session.commit()
    session.refresh(watch)
    return watch


def create_watch(
    session: Session,
    *,
    workspace_id: int,
    channel_id: str,
    kind: str,
    term: str,
    networks: list[str],
    every_minutes: int,
    only: str | None,
    actor: str,
    now: datetime,
    cost_budget: float = DEFAULT_BUDGET,
) -> Watch:
    if kind not in KINDS:
        raise WatchError(f"Unknown watch kind {kind}.")
    if only not in (None, "inside", "outside"):
        raise WatchError("`--only` is `inside` or `outside` (a recurring chat slot of the hashtag).")
    if only and kind != "hashtag":
        raise WatchError("`--only inside|outside` works on a #hashtag watch (chat slots belong to hashtags).")
    watch = Watch(
        workspace_id=workspace_id,
        channel_id=channel_id,
        kind=kind,
        term=term.strip()[:200],
        networks=networks,
        every_minutes=every_minutes,
        only=only,
        created_by=actor,
        next_run_at=now,
        cost_budget=cost_budget,
        created_at=now,
    )
    session.add(watch)
    session.flush()
    audit.log(session, "watch.created", watch, actor=actor, kind=kind, term=term, networks=networks, channel=channel_id)
    session.commit()
    session.refresh(watch)
    return watch


def check_sources(
    session: Session, *, workspace_id: int, kind: str, networks: list[str], mastodon_token_set: bool
) -> None:
    """Mentions need a connected account on the network; Mastodon's search needs a token (WatchError if not)."""
    connected = {a.platform for a in list_accounts(session, workspace_id=workspace_id, include_revoked=False)}
    names = {"mastodon": "Mastodon", "bluesky": "Bluesky"}
    if kind == "mentions":
        missing = [names[n] for n in networks if n in names and n not in connected]
        if missing:
            raise WatchError(
                f"Mentions on {' and '.join(missing)} come from the team's connected account there; "
                "connect one first with `/outreach accounts`."
            )
    if kind == "keyword" and Platform.mastodon in networks and Platform.mastodon not in connected:
        if not mastodon_token_set:
            raise WatchError(
                "Mastodon's search needs an account: connect the team's Mastodon account with `/outreach accounts` "
                "(or set MASTODON_ACCESS_TOKEN), then start the watch again."
            )


def list_watches(session: Session, *, workspace_id: int, channel_id: str | None = None) -> list[Watch]:
    statement = select(Watch).where(Watch.workspace_id == workspace_id, col(Watch.active).is_(True))
    if channel_id:
        statement = statement.where(Watch.channel_id == channel_id)
    return list(session.exec(statement.order_by(col(Watch.id))))


def stop_watch(session: Session, *, workspace_id: int, watch_id: int, actor: str, is_comms: bool) -> Watch:
    """Stop a running watch (comms or whoever started it). Audited."""
    watch = _running_watch(
        session, workspace_id=workspace_id, watch_id=watch_id, actor=actor, is_comms=is_comms, action="stop"
    )
    watch.active = False
    session.add(watch)
    audit.log(session, "watch.stopped", watch, actor=actor)
    session.commit()
    return watch


def due_watches(session: Session, now: datetime) -> list[Watch]:
    return list(session.exec(select(Watch).where(col(Watch.active).is_(True), Watch.next_run_at <= now)))


# -- batches ------------------------------------------------------------------------------------------------


@dataclass
class BatchPost:
    """One post as the batch shows it (a repost folded into its original: `reposted_by` lists who reposted)."""

    platform: str
    id: str
    author_id: str
    author_handle: str
    text: str
    created_at: str
    url: str
    reposted_by: list[str] = field(default_factory=list)
    also_on: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "id": self.id,
            "author_id": self.author_id,
            "author_handle": self.author_handle,
            "text": self.text,
            "created_at": self.created_at,
            "url": self.url,
            "reposted_by": self.reposted_by,
            "also_on": self.also_on,
        }


def content_key(post: NormalizedPost) -> str:
    """The same words by the same name on two networks (a cross-post) share this key."""
    words = re.sub(r"https?://\S+|[^\w#@ ]+", " ", post.text.lower()).split()
    digest = hashlib.sha1(f"{post.author_handle.lower().split('@')[0]}|{' '.join(words)}".encode()).hexdigest()
    return f"text:{digest[:20]}"


def fold_batch(posts: list[NormalizedPost], seen: set[str]) -> tuple[list[BatchPost], set[str]]:
    """New posts (not in `seen`), oldest first, reposts folded into their original, cross-posts merged.

    Returns the posts to show and every key to remember (platform:id of originals and reposts, content keys).
    """
    originals = {f"{p.platform}:{p.id}": p for p in posts if p.kind != "repost"}
    shown: dict[str, BatchPost] = {}
    by_content: dict[str, BatchPost] = {}
    remember: set[str] = set()
    for post in sorted(posts, key=lambda p: p.created_at):
        key = f"{post.platform}:{post.id}"
        if key in seen:
            continue
        remember.add(key)
        if post.kind == "repost" and post.reposted_post_id:
            original_key = f"{post.platform}:{post.reposted_post_id}"
            remember.add(original_key)
            if original_key in shown:
                shown[original_key].reposted_by.append(post.author_handle)
                continue
            if original_key in seen:
                continue
            original = originals.get(original_key)
            if original is None:
                continue  # the original is not in this batch: nothing to show yet
            post, key = original, original_key
        ckey = content_key(post)
        if ckey in seen or key in shown:
            continue
        if ckey in by_content:
            by_content[ckey].also_on.append(post.platform)
            remember.add(ckey)
            continue
        item = BatchPost(
            platform=post.platform,
            id=post.id,
            author_id=post.author_id,
            author_handle=post.author_handle,
            text=post.text,
            created_at=post.created_at.isoformat(),
            url=post.url,
        )
        shown[key] = item
        by_content[ckey] = item
        remember.update({key, ckey})
    return list(shown.values()), remember


def seen_keys(session: Session, watch_id: int, keys: set[str]) -> set[str]:
    if not keys:
        return set()
    rows = session.exec(
        select(WatchSeen.post_key).where(WatchSeen.watch_id == watch_id, col(WatchSeen.post_key).in_(keys))
    )
    return set(rows)


def candidate_keys(posts: list[NormalizedPost]) -> set[str]:
    keys = {f"{p.platform}:{p.id}" for p in posts} | {content_key(p) for p in posts}
    keys |= {f"{p.platform}:{p.reposted_post_id}" for p in posts if p.reposted_post_id}
    return keys


def next_run(watch: Watch, now: datetime) -> datetime:
    return now + timedelta(minutes=watch.every_minutes)
