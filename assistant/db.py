"""Engine and session factory: SQLite (WAL, foreign keys) by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import assistant.models  # noqa: F401  (registers every table on SQLModel.metadata)
from assistant.config import sqlite_path


def create_db_engine(database_url: str, **kwargs: Any) -> Engine:
    """Build the engine for a URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if database_url.startswith("sqlite"):
        path = sqlite_path(database_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(database_url, **kwargs)


def shareable(engine: Engine) -> bool:
    """Whether another connection or process can open this engine's database (not an in-memory SQLite one, where
    each connection has a database of its own)."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return True
    return url.database not in (None, "", ":memory:") and "mode=memory" not in str(url.query)


def configure_orm() -> None:
    """Set the ORM's mappers up now, once per process: the long-running processes (serve, worker) call it as
    they start, so a mapping error shows at start and no job pays the set-up (0.12 s, more than a 10k-post
    digest). Commands that use only SQL expressions (the import) never need it."""
    sa.orm.configure_mappers()


SQLITE_PAGE_BYTES = 8192  # a new database's page size (SQLite's default is 4096); bulk imports write ~10% less


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Takes effect only while the file is still empty (before journal_mode=WAL writes its header); an existing
    # database keeps the page size it was made with.
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_BYTES}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def slack_store_metadata() -> sa.MetaData:
    """The tables slack_sdk's SQLAlchemy installation and OAuth state stores use, for migrations."""
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_bots_table(metadata, SQLAlchemyInstallationStore.default_bots_table_name)
    SQLAlchemyInstallationStore.build_installations_table(
        metadata, SQLAlchemyInstallationStore.default_installations_table_name
    )
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SQLAlchemyOAuthStateStore.default_table_name)
    return metadata


def all_metadata() -> list[sa.MetaData]:
    return [SQLModel.metadata, slack_store_metadata()]
