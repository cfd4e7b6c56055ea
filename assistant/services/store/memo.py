"""Accounts repeated across one import: a window that folds their repeats and a memo that skips them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from assistant.services.store.rows import ACCOUNT_CAPTURED, ACCOUNT_FIRST_SEEN, account_profile
from integrations import normalized as n


class AccountWindow:
    """Account rows gathered over many pages, each repeat of an account's latest row folded into it.

    A chat's regulars come on every page with the same profile and only a later capture time; writing
    them once, with the later time, leaves the store as writing each in turn would: identical data merges
    into nothing new, and `captured_at` keeps the later of the two. Only a repeat of the key's latest row
    (same data, same raw) is folded, and only when both capture times are known or both unknown, so the
    order of the merges holds. Accounts share no table with posts, so a window may span many post flushes.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self._latest: dict[tuple[Any, Any], int] = {}  # key -> index in `rows` of its latest row

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        out, latest = self.rows, self._latest
        for row in rows:
            key = (row[0], row[1])
            index = latest.get(key)
            if index is not None:
                last = out[index]
                if last[:ACCOUNT_CAPTURED] == row[:ACCOUNT_CAPTURED] and last[-1] == row[-1]:
                    before, after = last[ACCOUNT_CAPTURED], row[ACCOUNT_CAPTURED]
                    if before is None and after is None:
                        continue
                    if before is not None and after is not None:
                        if after > before:
                            out[index] = (*last[:ACCOUNT_CAPTURED], after, *last[ACCOUNT_CAPTURED + 1 :])
                        continue
            latest[key] = len(out)
            out.append(row)

    def repeat(self, key: tuple[Any, Any], captured: Any) -> bool:
        """Fold in a repeat of `key`'s latest row known to hold the same data and raw, captured at `captured`.

        The caller knows the data is the same (the same source object), so nothing is compared; False when
        the repeat cannot be folded (no row for the key, or one capture time known and the other not), and
        the caller then adds the row itself.
        """
        index = self._latest.get(key)
        if index is None:
            return False
        last = self.rows[index]
        before = last[ACCOUNT_CAPTURED]
        if before is None or captured is None:
            return before is None and captured is None
        if captured > before:
            self.rows[index] = (*last[:ACCOUNT_CAPTURED], captured, *last[ACCOUNT_CAPTURED + 1 :])
        return True

    def take(self) -> list[tuple[Any, ...]]:
        """The gathered rows, leaving the window empty."""
        rows = self.rows
        self.rows, self._latest = [], {}
        return rows


class AccountMemo:
    """What one stream of upserts already wrote for each account, to skip identical repeats.

    Bounded: past `max_entries` it starts afresh (at worst an account is written once more).
    Only for one caller's run, inside transactions it commits; a rolled-back run must drop it.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._written: dict[tuple[str, str], int] = {}  # key -> hash of the fields written

    def changed(
        self, accounts: Sequence[n.NormalizedAccount], *, captured_at: datetime | None
    ) -> tuple[list[n.NormalizedAccount], int]:
        """The accounts that differ from what was written for them, and how many were skipped."""
        fresh: list[n.NormalizedAccount] = []
        for account in accounts:
            key = (account.platform, account.id)
            fingerprint = hash(
                (
                    *account_profile(account),
                    account.created_at,
                    account.raw is None,
                    captured_at,
                )
            )
            if self._written.get(key) != fingerprint:
                fresh.append(account)
                if len(self._written) >= self.max_entries:
                    self._written.clear()
                self._written[key] = fingerprint
        return fresh, len(accounts) - len(fresh)

    def changed_rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The account rows (`Rows.accounts`) that differ from what was written for their account.

        The same fields as `changed` decide: everything up to `captured_at`, and whether raw JSON is kept
        (not `first_seen_at`, which only an insert writes).
        """
        fresh: list[tuple[Any, ...]] = []
        written = self._written
        for row in rows:
            key = (row[0], row[1])
            fingerprint = hash((row[:ACCOUNT_FIRST_SEEN], row[-1] is None))
            if written.get(key) != fingerprint:
                fresh.append(row)
                if len(written) >= self.max_entries:
                    written.clear()
                written[key] = fingerprint
        return fresh
