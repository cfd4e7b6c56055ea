"""Fresh, migrated databases for the benchmarks: a SQLite file or a new PostgreSQL database, and their removal."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

POSTGRES_ADMIN_URL = os.environ.get(
    "OUTREACH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def fresh_sqlite(folder: Path) -> str:
    """A new SQLite file in `folder`, migrated to head; its URL."""
    from assistant import migrate

    url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    migrate.upgrade(url)
    return url


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (one line), or None when it can."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


def fresh_postgres() -> str:
    """A new PostgreSQL database, migrated to head; its URL."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from assistant import migrate

    name = f"outreach_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def drop(url: str) -> None:
    """Remove a database made by `fresh_sqlite` or `fresh_postgres`."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def import_chat(url: str, path: Path) -> None:
    """Store a twarc2 file through the import's own service (the fast path, equal to the normalized one)."""
    from assistant.db import create_db_engine
    from assistant.services.ingest.archives import import_files

    engine = create_db_engine(url)
    try:
        import_files(engine, [(path, "twarc2")], parallel=False)
    finally:
        engine.dispose()
