"""The shared X ledger: a database SeenToday and a Ledger writing each call's bill as the call returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from assistant.models.costs import JOB_KINDS, CostEntry, XBilledItem
from assistant.models.workspaces import Workspace
from integrations.x.cost import BilledCall, CostMeter, ItemKind, Prices

_ITEMS: sa.Table = XBilledItem.__table__  # type: ignore[attr-defined]
_ENTRIES: sa.Table = CostEntry.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # rows per insert (SQLite allows 32766 bound parameters; three a row)
KEEP_DAYS = 2  # billed-item rows older than this many days are pruned: X's "once a day" needs only today


class SharedLedger:
    """SeenToday and Ledger over the database: an item is billed once per UTC day across every process.

    `mark` inserts the call's items (insert-or-ignore, so of two processes reading one item only one gets it
    back as new) in a transaction that `record` commits together with the call's ledger row: the items marked
    paid and the dollars written for them are stored together or not at all.
    """

    def __init__(self, engine: Engine, *, workspace_id: int | None, job_kind: str, job_id: str = "") -> None:
        if job_kind not in JOB_KINDS:
            raise ValueError(f"job kind must be one of {', '.join(JOB_KINDS)}, got {job_kind!r}")
        self.engine = engine
        self.workspace_id = workspace_id
        self.job_kind = job_kind
        self.job_id = job_id
        self._open: Connection | None = None
        self._pruned: date | None = None

    def _connection(self) -> Connection:
        if self._open is None:
            self._open = self.engine.connect()
            self._open.begin()
        return self._open

    def mark(self, kind: ItemKind, item_ids: Iterable[str], day: date) -> list[str]:
        ids = list(dict.fromkeys(item_ids))
        if not ids:
            return []
        connection = self._connection()
        insert = sqlite.insert if connection.dialect.name == "sqlite" else postgresql.insert
        new: set[str] = set()
        # Every process inserts in one (sorted) order, so two transactions meeting on the same items wait for
        # each other in turn instead of each holding a row the other needs (a PostgreSQL deadlock).
        ordered = sorted(ids)
        try:
            for start in range(0, len(ordered), _CHUNK):
                rows = [{"kind": kind, "item_id": i, "day": day} for i in ordered[start : start + _CHUNK]]
                statement = insert(_ITEMS).values(rows).on_conflict_do_nothing().returning(_ITEMS.c.item_id)
                new.update(connection.execute(statement).scalars())
        except BaseException:
            self._close(commit=False)
            raise
        return [i for i in ids if i in new]

    def record(self, call: BilledCall) -> None:
        connection = self._connection()
        try:
            connection.execute(
                _ENTRIES.insert().values(
                    workspace_id=self.workspace_id,
                    job_kind=self.job_kind,
                    job_id=self.job_id,
                    day=call.day,
                    at=call.at,
                    endpoint=call.endpoint[:80],
                    posts_read=call.billed.posts_read,
                    users_read=call.billed.users_read,
                    posts_created=call.billed.posts_created,
                    posts_created_with_link=call.billed.posts_created_with_link,
                    dollars=call.cost,
                )
            )
            if self._pruned != call.day:
                connection.execute(_ITEMS.delete().where(_ITEMS.c.day < call.day - timedelta(days=KEEP_DAYS)))
                self._pruned = call.day
        except BaseException:
            self._close(commit=False)
            raise
        self._close(commit=True)

    def _close(self, *, commit: bool) -> None:
        connection, self._open = self._open, None
        if connection is None:
            return
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            connection.close()


def x_meter(
    engine: Engine,
    prices: Prices,
    *,
    workspace_id: int | None,
    job_kind: str,
    job_id: str | int = "",
    clock: Callable[[], datetime] | None = None,
) -> CostMeter:
    """The meter every X client of the app uses: the shared once-a-day record and the ledger, for one job."""
    ledger = SharedLedger(engine, workspace_id=workspace_id, job_kind=job_kind, job_id=str(job_id))
    return CostMeter(prices, seen=ledger, ledger=ledger, **({"clock": clock} if clock is not None else {}))


def workspace_id_for_team(session: Session, slack_team_id: str | None) -> int | None:
    """The workspace row id of a Slack team id (None when the team has no row yet)."""
    if not slack_team_id:
        return None
    return session.exec(select(Workspace.id).where(Workspace.slack_team_id == slack_team_id)).first()
