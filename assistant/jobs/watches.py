"""Worker source for watches: poll each due watch, post one message per batch, pause and resume on budgets."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.clients import Clients
from assistant.crypto import TokenCipher
from assistant.jobs.watch_queries import chat_slots
from assistant.models.accounts import AccountStatus, ConnectedAccount
from assistant.models.base import require_id
from assistant.models.codecs import watch_batch_key, watch_poll_key
from assistant.models.credentials import Credential
from assistant.models.platforms import Platform
from assistant.models.watches import Watch, WatchSeen
from assistant.services.accounts.credentials import load_tokens
from assistant.services.costs import budget
from assistant.services.costs import figures as cost_figures
from assistant.services.costs.ledger import x_meter
from assistant.services.store.write import upsert_batch
from assistant.services.watches import estimate as watch_estimate
from assistant.services.watches.manage import candidate_keys, due_watches, fold_batch, next_run, seen_keys
from assistant.services.watches.queries import team_handles, x_query
from assistant.slack.blocks.watches import batch_blocks, describe
from assistant.worker import DueJob, perform_once
from integrations.errors import RateLimited
from integrations.mastodon import account as mastodon_account
from integrations.mastodon.client import MastodonClient
from integrations.normalized import Batch, NormalizedPost
from integrations.x.client import Page, XClient

log = logging.getLogger(__name__)


class WatchSources:
    """`polls` yields due watches; `pending` re-posts a fetched batch whose message did not go out."""

    def __init__(self, deps: Clients) -> None:
        self._deps = deps

    def polls(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        with Session(engine) as session:
            watches = due_watches(session, now)
        for watch in watches:
            yield DueJob(
                key=watch_poll_key(require_id(watch), watch.next_run_at),
                action=self._poller(engine, require_id(watch), now),
            )

    def pending(self, engine: Engine, now: datetime) -> Iterable[DueJob]:
        with Session(engine) as session:
            rows = session.exec(select(Watch).where(col(Watch.pending_batch).is_not(None))).all()
        for watch in rows:
            if watch.pending_batch is None or watch.pending_batch == "null":
                continue
            yield DueJob(
                key=watch_batch_key(require_id(watch), watch.batches),
                action=self._poster(engine, require_id(watch)),
            )

    def _poller(self, engine: Engine, watch_id: int, now: datetime) -> Callable[[], dict[str, Any]]:
        return lambda: self.poll(engine, watch_id, now)

    def _poster(self, engine: Engine, watch_id: int) -> Callable[[], dict[str, Any]]:
        return lambda: self._post_pending(engine, watch_id)

    # -- the poll ---------------------------------------------------------------------------------------------

    def poll(self, engine: Engine, watch_id: int, now: datetime) -> dict[str, Any]:
        deps = self._deps
        with Session(engine) as session:
            watch = session.get(Watch, watch_id)
            if watch is None or not watch.active:
                return {"skipped": "stopped"}
            if watch.paused_reason:
                if watch.paused_until and watch.paused_until > now:
                    return {"paused": watch.paused_reason}
                self._notice(
                    engine,
                    watch,
                    f"resumed:{watch.paused_until.isoformat() if watch.paused_until else ''}",
                    f"Watch {watch.id} ({describe(watch.kind, watch.term)}) has resumed.",
                )
                watch.paused_reason, watch.paused_until = None, None
            if watch.cost_day != now.date().isoformat():
                watch.cost_day, watch.cost_spent = now.date().isoformat(), 0.0
            price = deps.settings.x_price_post_read
            if Platform.x in watch.networks and watch.cost_budget - watch.cost_spent < price * 10:
                return self._pause(engine, session, watch, "budget", _next_midnight(now), now)
            if (
                "x" in watch.networks
                and budget.check(session, workspace_id=watch.workspace_id, estimate=0.0, today=now.date()).spent_out
            ):
                return self._pause(engine, session, watch, "monthly_budget", budget.next_month_start(now), now)
            # Nothing of this session is left unwritten while X is called: the shared ledger writes each call's
            # bill in its own transaction, which SQLite would make wait behind this session's write lock.
            session.commit()
            posts: list[NormalizedPost] = []
            batch_all = Batch()
            with deps.http() as http:
                for network in watch.networks:
                    try:
                        batch = self._fetch(session, deps, http, watch, network, now)
                    except RateLimited as exc:
                        return self._pause(engine, session, watch, "rate_limit", exc.reset_at, now)
                    posts.extend(batch.posts)
                    batch_all.posts.extend(batch.posts)
                    batch_all.accounts.extend(batch.accounts)
            posts = self._slot_filter(session, watch, posts)
            already = seen_keys(session, require_id(watch), candidate_keys(posts))
            shown, remember = fold_batch(posts, already)
            if batch_all.posts or batch_all.accounts:
                upsert_batch(session, batch_all, captured_at=now)
            for key in sorted(remember - already):
                session.add(WatchSeen(watch_id=require_id(watch), post_key=key[:300], seen_at=now))
            watch.next_run_at = next_run(watch, now)
            if shown:
                watch.batches += 1
                watch.pending_batch = {"posts": [post.as_dict() for post in shown]}
            session.add(watch)
            session.commit()
            batch_no = watch.batches
        if not shown:
            return {"new": 0}
        outcome = perform_once(
            engine, f"watch:{watch_id}:batch:{batch_no}", lambda: self._post_pending(engine, watch_id)
        )
        return {"new": len(shown), "batch": batch_no, "posted": outcome.status}

    def _fetch(
        self, session: Session, deps: Clients, http: httpx.Client, watch: Watch, network: str, now: datetime
    ) -> Batch:
        since: dict[str, Any] = dict(watch.since_ids or {})
        if network == Platform.x:
            meter = x_meter(
                session.get_bind(),  # type: ignore[arg-type]
                deps.settings.x_prices(),
                workspace_id=watch.workspace_id,
                job_kind="watch",
                job_id=watch_estimate.day_job_id(require_id(watch), now),
                clock=lambda: now,
            )
            client = deps.x(http, clock=lambda: now, meter=meter)
            max_results = watch_estimate.first_page_size(
                watch.cost_budget, watch.cost_spent, client.meter.prices.post_read
            )
            query = x_query(session, watch)
            if query is None:
                return Batch()
            day = watch_estimate.day_job_id(require_id(watch), now)
            unestimated = cost_figures.compared(session, job_kind="watch", job_id=day) is None
            first = since.get("x") is None  # a new watch: its first page is the day's sample
            if unestimated and not first:
                self._estimate(session, client, watch, query, now)
            page = next(
                iter(client.search_recent(query, max_pages=1, max_results=max_results, since_id=since.get("x"))),
                None,
            )
            if unestimated and first:
                self._estimate(session, client, watch, query, now, page)
            watch.cost_spent += client.meter.cost
            if page is None:
                return Batch()
            if page.meta.get("newest_id"):
                since["x"] = str(page.meta["newest_id"])
            watch.since_ids = since
            return page.batch()
        if network == Platform.mastodon:
            return self._fetch_mastodon(session, deps, http, watch, since)
        return self._fetch_bluesky(session, deps, http, watch, since)

    def _estimate(
        self, session: Session, client: XClient, watch: Watch, query: str, now: datetime, page: Page | None = None
    ) -> None:
        watch_estimate.measure_day(
            session.get_bind(),  # type: ignore[arg-type]
            client,
            query=query,
            watch_id=require_id(watch),
            workspace_id=watch.workspace_id,
            now=now,
            first_page=page,
        )

    def _fetch_mastodon(
        self, session: Session, deps: Clients, http: httpx.Client, watch: Watch, since: dict[str, Any]
    ) -> Batch:
        """Hashtag: the tag timeline; account: lookup then its statuses; keyword: /api/v2/search (token needed);
        mentions: the notifications of each connected Mastodon account, with that account's token."""
        batch = Batch()
        if watch.kind == "mentions":
            for account, client in _connected_mastodon(session, deps, http, watch):
                key = f"mastodon:mentions:{account.id}"
                page = next(iter(mastodon_account.notifications(client, since_id=since.get(key), max_pages=1)), None)
                if page is not None and page.notifications:
                    since[key] = max((str(n.get("id")) for n in page.notifications), key=_id_order)
                    _extend(batch, page.batch)
            watch.since_ids = since
            return batch
        client = _watch_mastodon_client(session, deps, http, watch)
        if watch.kind == "hashtag":
            timeline = next(
                iter(client.hashtag_timeline(watch.term, since_id=since.get("mastodon"), max_pages=1)), None
            )
            statuses, found = (timeline.statuses, timeline.batch) if timeline else ([], Batch())
        elif watch.kind == "account":
            account_id = since.get("mastodon:account_id")
            if not account_id:
                account_id = str(mastodon_account.lookup_account(client, watch.term)["id"])
                since["mastodon:account_id"] = account_id
            statuses, found = mastodon_account.new_statuses_of(client, account_id, since_id=since.get("mastodon"))
        else:
            if not client.access_token:
                log.warning("watch %s: Mastodon keyword search needs a token; nothing fetched", watch.id)
                return batch
            statuses, found = mastodon_account.search_statuses(client, watch.term, min_id=since.get("mastodon"))
        if statuses:
            since["mastodon"] = max((str(s.get("id")) for s in statuses), key=_id_order)
        watch.since_ids = since
        return found

    def _fetch_bluesky(
        self, session: Session, deps: Clients, http: httpx.Client, watch: Watch, since: dict[str, Any]
    ) -> Batch:
        """searchPosts: `tag` for a hashtag, `author` for an account, `q` for a keyword, `mentions` per account."""
        bluesky = deps.bluesky(http)
        searches: list[tuple[str, dict[str, Any]]] = []
        if watch.kind == "hashtag":
            searches.append((f"#{watch.term}", {"tags": [watch.term]}))
        elif watch.kind == "account":
            searches.append(("*", {"author": watch.term.lstrip("@")}))
        elif watch.kind == "keyword":
            term = watch.term.replace('"', "")
            searches.append((f'"{term}"' if " " in term else term, {}))
        else:
            searches.extend(("*", {"mentions": handle}) for handle in team_handles(session, watch, Platform.bluesky))
        batch = Batch()
        for query, kwargs in searches:
            result = next(iter(bluesky.search_posts(query, max_pages=1, since=since.get("bluesky"), **kwargs)), None)
            if result is not None:
                _extend(batch, result.batch)
        if batch.posts:
            since["bluesky"] = max(post.created_at for post in batch.posts).isoformat()
        watch.since_ids = since
        return batch

    def _slot_filter(self, session: Session, watch: Watch, posts: list[NormalizedPost]) -> list[NormalizedPost]:
        if not watch.only or watch.kind != "hashtag":
            return posts
        slots = chat_slots(session, watch)
        if not slots:
            return posts if watch.only == "outside" else []
        from assistant.analysis.recurring import slot_overlaps

        def inside(post: NormalizedPost) -> bool:
            return any(slot_overlaps(slot, post.created_at, post.created_at + timedelta(seconds=1)) for slot in slots)

        return [post for post in posts if inside(post) == (watch.only == "inside")]

    # -- posting and notices ----------------------------------------------------------------------------------

    def _post_pending(self, engine: Engine, watch_id: int) -> dict[str, Any]:
        deps = self._deps
        with Session(engine) as session:
            watch = session.get(Watch, watch_id)
            if watch is None or not watch.pending_batch:
                return {"skipped": "nothing pending"}
            posts = list(watch.pending_batch.get("posts") or [])
            blocks = batch_blocks(require_id(watch), watch.kind, watch.term, posts)
            response = deps.slack_for_workspace(session, watch.workspace_id).chat_postMessage(
                channel=watch.channel_id,
                text=f"{len(posts)} new post(s) for {describe(watch.kind, watch.term)}",
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
            watch.pending_batch = None
            session.add(watch)
            session.commit()
            return {"ts": response.get("ts"), "posts": len(posts)}

    def _pause(
        self, engine: Engine, session: Session, watch: Watch, reason: str, until: datetime, now: datetime
    ) -> dict[str, Any]:
        watch.paused_reason, watch.paused_until = reason, until
        watch.next_run_at = max(until, now + timedelta(minutes=1))
        session.add(watch)
        session.commit()
        why = {
            "budget": "its daily cost budget is spent",
            "monthly_budget": "the team's monthly X budget is spent (an admin can raise it in `/outreach settings`)",
        }.get(reason, "the network's rate limit was reached")
        self._notice(
            engine,
            watch,
            f"paused:{reason}:{until.isoformat()}",
            f"Watch {watch.id} ({describe(watch.kind, watch.term)}) is paused: {why}. "
            f"It resumes at {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
        )
        return {"paused": reason, "until": until.isoformat()}

    def _notice(self, engine: Engine, watch: Watch, suffix: str, text: str) -> None:
        """One message to the watch's channel, with its workspace's bot token, once per `suffix`."""
        deps = self._deps
        channel, workspace_id = watch.channel_id, watch.workspace_id

        def post() -> dict[str, Any]:
            with Session(engine) as session:
                client = deps.slack_for_workspace(session, workspace_id)
            return {"ts": client.chat_postMessage(channel=channel, text=text).get("ts")}

        perform_once(engine, f"watch:{watch.id}:{suffix}", post)


def _extend(batch: Batch, more: Batch) -> None:
    batch.posts.extend(more.posts)
    batch.accounts.extend(more.accounts)


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflakes): compare by length, then text."""
    return len(status_id), status_id


def _connected_mastodon(
    session: Session, deps: Clients, http: httpx.Client, watch: Watch
) -> list[tuple[ConnectedAccount, MastodonClient]]:
    """The workspace's active Mastodon accounts, each with a client on its instance holding its token."""
    cipher = TokenCipher.from_settings(deps.settings)
    found = []
    for account in session.exec(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == watch.workspace_id,
            ConnectedAccount.platform == Platform.mastodon,
            ConnectedAccount.status == AccountStatus.active,
        )
    ):
        credential = session.get(Credential, account.credential_id) if account.credential_id else None
        if credential is None:
            continue
        token = load_tokens(cipher, credential).access_token
        found.append((account, deps.mastodon_as(http, token=token, instance_url=account.instance_url)))
    return found


def _watch_mastodon_client(session: Session, deps: Clients, http: httpx.Client, watch: Watch) -> MastodonClient:
    """The configured instance when it has a token (or for public reads); else a connected account's instance."""
    configured = deps.mastodon(http)
    if configured.access_token or watch.kind == "hashtag":
        return configured
    connected = _connected_mastodon(session, deps, http, watch)
    return connected[0][1] if connected else configured


def _next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)
