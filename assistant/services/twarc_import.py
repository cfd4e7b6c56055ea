"""Fast import of twarc2 archives: X API v2 pages straight to store rows in one pass, no normalized objects.

The normalized path (`integrations.twarc.parse_twarc_line` -> NormalizedPost / NormalizedAccount ->
`store.upsert_batch`) is the reference; it spent most of an import building objects that were turned into
rows and dropped. Here a page's posts and users become `store.Rows` directly, field for field as
`integrations.x.parse.parse_page` and `store._post_row` / `store._account_row` make them. Only plain post
pages take this path: any other line (flattened posts, user pages, counts, compliance events, error lines),
and any page it cannot read, goes through the reference, so odd shapes and their error messages keep one
implementation. tests/services/test_twarc_import.py asserts that both paths store identical tables for
every real twarc2 archive in ../shared/fixtures.

Every user object is read afresh: a cache of users' rows (a chat's regulars come on every page) cost more
to look up, compare and evict than building the row does, and grew with the file; the import's account
window folds the repeats before they are written. Timestamps in X's own form become SQLite's stored text
by slicing (`RowEncoder.x_time`). `read_twarc2_rows_parallel` runs the reader in a forked second process
(`outreach import --parallel`), so that on a machine with an idle CPU, reading and building rows overlap
the database's writes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

import orjson

from assistant.models.base import utcnow
from assistant.services.store import RowEncoder, Rows, rows_from_batch, tag_keys
from integrations.jsonl import RECORD_ERRORS, Source, iter_json_lines, record_problem
from integrations.twarc import SOURCE, parse_twarc_line, retrieved_at
from integrations.x.parse import describe_problem, post_url, references, text_and_entities

_LINES_PER_MESSAGE = 10  # archive lines handed from the worker process at a time (about 1,000 posts)
_QUEUE_MESSAGES = 8  # messages in flight at most


@dataclass(slots=True)
class RowChunk:
    """What one archive line yielded as store rows, with the same reporting as `integrations.jsonl.ArchiveChunk`."""

    line_number: int
    bytes_read: int
    rows: Rows = field(default_factory=Rows)
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None


def read_twarc2_rows(source: Source, encode: RowEncoder, *, keep_raw: bool = False) -> Iterator[RowChunk]:
    """Stream a twarc2 JSONL archive as store rows, one RowChunk per non-blank line, in constant memory.

    Truncated or malformed lines and unreadable records come back as problems naming the line, exactly as
    `integrations.twarc.read_twarc2` reports them, and reading goes on.
    """
    pages = PageRows(encode, keep_raw=keep_raw)
    for line in iter_json_lines(source):
        number = line.line_number
        if line.problem is not None:
            yield RowChunk(number, line.bytes_read, problems=[line.problem])
            continue
        try:
            result = pages.line(line.value)
        except RECORD_ERRORS as exc:
            yield RowChunk(number, line.bytes_read, problems=[record_problem(number, exc)])
            continue
        if isinstance(result, str):
            yield RowChunk(number, line.bytes_read, skipped=f"line {number}: {result}")
            continue
        rows, problems = result
        yield RowChunk(number, line.bytes_read, rows, [f"line {number}: {problem}" for problem in problems])


def parallel_available() -> bool:
    """Whether `read_twarc2_rows_parallel` can run here (a second CPU, and processes started by fork)."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def read_twarc2_rows_parallel(
    path: str | os.PathLike[str], dialect: str, *, keep_raw: bool = False
) -> Iterator[RowChunk]:
    """`read_twarc2_rows` run in a second process, so that reading and building rows overlap the writes.

    The same chunks in the same order, handed over a few lines at a time through a bounded queue (memory
    stays flat). The worker is forked: the caller must not run other threads (the import command's
    progress bar refreshes from its own loop for this reason). Closing the iterator early stops the worker.
    """
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=_QUEUE_MESSAGES)
    worker = context.Process(target=_produce, args=(os.fspath(path), dialect, keep_raw, queue), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = queue.get(timeout=1.0)
            except Empty:
                if worker.is_alive():
                    continue
                try:  # it may have finished just now, its last message already on the way
                    message = queue.get(timeout=1.0)
                except Empty:
                    raise RuntimeError(
                        f"reading {path} stopped: its worker process exited ({worker.exitcode})"
                    ) from None
            if message is None:
                return
            if isinstance(message, str):
                raise RuntimeError(f"reading {path} failed in its worker process:\n{message}")
            yield from message
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        queue.close()


def _produce(path: str, dialect: str, keep_raw: bool, queue: Any) -> None:
    """The worker: chunks in lists of _LINES_PER_MESSAGE, then None; a failure as its traceback text."""
    # The objects inherited from the parent are never garbage here; leaving them out of collections keeps
    # the collector from touching (and so copying) every page of the parent's heap.
    gc.freeze()
    try:
        message: list[RowChunk] = []
        for chunk in read_twarc2_rows(path, RowEncoder(dialect), keep_raw=keep_raw):
            message.append(chunk)
            if len(message) >= _LINES_PER_MESSAGE:
                queue.put(message)
                message = []
        if message:
            queue.put(message)
        queue.put(None)
    except BaseException:  # noqa: BLE001 - handed to the reading process, which raises it there
        queue.put(traceback.format_exc())
    finally:
        queue.close()
        queue.join_thread()


class PageRows:
    """Builds store rows from decoded twarc2 lines, encoded for one database dialect."""

    def __init__(self, encode: RowEncoder, *, keep_raw: bool = False) -> None:
        self.encode = encode
        self.keep_raw = keep_raw
        self._x_time = encode.x_time

    def line(self, obj: Any) -> tuple[Rows, list[str]] | str:
        """One decoded line as rows and its problems, or the reason it holds nothing to import."""
        if obj.__class__ is dict:
            data = obj.get("data")
            first = data[0] if data.__class__ is list and data else data  # a stream line holds one post
            if first.__class__ is dict and "text" in first:
                try:
                    return self.page(obj)
                except RECORD_ERRORS:
                    pass  # the reference path reads the line again, and says what is wrong with it
        batch = parse_twarc_line(obj)
        if isinstance(batch, str):
            return batch
        return rows_from_batch(batch, self.encode, keep_raw=self.keep_raw), batch.problems

    def page(self, page: Mapping[str, Any]) -> tuple[Rows, list[str]]:
        """A page whose `data` is a list of posts (search) or one post (stream) as rows.

        Raises where `parse_page` would skip a post or fail, so that the caller falls back to it.
        """
        encode_time = self.encode.datetime
        captured = encode_time(retrieved_at(page))
        first_seen = encode_time(utcnow())
        rows = Rows()
        includes = page.get("includes") or {}
        handles: dict[str, str] = {}  # the first of each user id, as parse_page keeps it
        for user in includes.get("users") or ():
            user_id = str(user["id"])
            if user_id not in handles:
                handles[user_id] = user.get("username") or ""
                rows.accounts.append(self._account(user, user_id, captured, first_seen))
        included = includes.get("tweets")
        if included is None:
            included = includes.get("posts")
        data = page["data"]
        if data.__class__ is dict:
            data = (data,)
        seen: set[Any] = set()
        for group in (data, included or ()):
            for item in group:
                if "text" in item:
                    item_id = item.get("id")
                    if item_id in seen:
                        continue
                    seen.add(item_id)
                    self._post(item, handles, captured, rows)
                elif group is data and "username" in item:
                    user_id = str(item["id"])
                    if user_id not in handles:
                        handles[user_id] = item.get("username") or ""
                        rows.accounts.append(self._account(item, user_id, captured, first_seen))
        problems = [
            describe_problem(problem) if isinstance(problem, dict) else f"X API: {problem}"
            for problem in page.get("errors") or ()
        ]
        return rows, problems

    def _post(self, item: Mapping[str, Any], handles: Mapping[str, str], captured: Any, rows: Rows) -> None:
        """integrations.x.parse.parse_tweet followed by store._post_row, in one step."""
        post_id = str(item["id"])
        author_id = str(item.get("author_id") or "")
        handle = ""
        author = item.get("author")
        if author:
            handle = author.get("username") or ""
            author_id = author_id or str(author.get("id") or "")
        if not handle:
            handle = handles.get(author_id, "")

        kind, reply_to, quoted, reposted = references(item)
        text, hashtags, mentions, urls = text_and_entities(item)

        pm = item.get("public_metrics")
        if pm:
            reposts = pm.get("retweet_count")
            if reposts is None:
                reposts = pm.get("repost_count")
            likes, reposts, replies = pm.get("like_count") or 0, reposts or 0, pm.get("reply_count") or 0
            quotes, impressions = pm.get("quote_count") or 0, pm.get("impression_count")
        else:
            likes = reposts = replies = quotes = 0
            impressions = None

        created_at = self._x_time(item.get("created_at"))
        if created_at is None:
            raise ValueError(f"post {post_id} has no created_at (request the created_at field)")
        reply_user = item.get("in_reply_to_user_id")
        conversation = item.get("conversation_id")
        rows.posts.append(
            (
                "x",
                post_id,
                author_id,
                handle,
                created_at,
                text,
                item.get("lang") or None,
                kind,
                reply_to or None,
                str(reply_user) if reply_user else None,
                str(conversation) if conversation else None,
                quoted or None,
                reposted or None,
                orjson.dumps(hashtags).decode() if hashtags else "[]",
                orjson.dumps(mentions).decode() if mentions else "[]",
                orjson.dumps(urls).decode() if urls else "[]",
                likes,
                reposts,
                replies,
                quotes,
                impressions,
                captured,
                SOURCE,
                post_url(handle, post_id),
                orjson.dumps(item).decode() if self.keep_raw else None,
            )
        )
        if hashtags:
            if len(hashtags) == 1:  # most tagged posts: tag_keys without its set and sort
                tag = hashtags[0].lstrip("#").casefold()
                if tag:
                    rows.hashtags.append(("x", post_id, tag, created_at))
            else:
                rows.hashtags.extend(("x", post_id, tag, created_at) for tag in tag_keys(hashtags))

    def _account(self, user: Mapping[str, Any], user_id: str, captured: Any, first_seen: Any) -> tuple[Any, ...]:
        """integrations.x.parse.parse_user followed by store._account_row, in one step."""
        metrics = user.get("public_metrics") or {}
        post_count = metrics.get("tweet_count")
        if post_count is None:
            post_count = metrics.get("post_count")
        url = user.get("url") or ""
        entities = user.get("entities")
        if url and entities:
            for link in (entities.get("url") or {}).get("urls") or ():
                if link.get("url") == url and link.get("expanded_url"):
                    url = link["expanded_url"]
                    break
        created = user.get("created_at")
        return (
            "x",
            user_id,
            user.get("username") or "",
            user.get("name") or "",
            user.get("description") or "",
            user.get("location") or "",
            url,
            metrics.get("followers_count"),
            metrics.get("following_count"),
            post_count,
            bool(user.get("verified")),
            self._x_time(created) if created else None,
            captured,
            first_seen,
            orjson.dumps(user).decode() if self.keep_raw else None,
        )
