"""Doctor checks on this install's own state: the database, its schema, and the key to its stored tokens."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from assistant import migrate
from assistant.config import EXPECTED, ConfigError
from assistant.crypto import TokenCipher, TokenDecryptError
from assistant.doctor import Context, Verdict, fail, ok, skip
from assistant.health import read
from assistant.models import Credential
from assistant.models.base import utcnow


def shown_url(database_url: str) -> str:
    """The database URL with its password hidden."""
    return make_url(database_url).render_as_string(hide_password=True)


def database(context: Context) -> Verdict:
    url = shown_url(context.settings.database_url)
    try:
        with context.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return fail("database", f"cannot connect to {url} ({type(exc).__name__}); check DATABASE_URL")
    return ok("database", f"connected to {url}")


def schema(context: Context) -> Verdict:
    head = migrate.head_revision(context.settings.database_url)
    current = migrate.current_revision(context.engine)
    if current != head:
        return fail("schema", f"at revision {current or 'none'}, this release needs {head}; run `outreach migrate`")
    return ok("schema", f"at revision {head} (head)")


def encryption(context: Context) -> Verdict:
    table = Credential.__table__  # type: ignore[attr-defined]
    with context.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        sample = connection.execute(
            sa.select(table.c.access_token_encrypted).order_by(table.c.updated_at.desc()).limit(1)
        ).scalar()
    if context.settings.encryption_key is None:
        if stored:
            return fail(
                "ENCRYPTION_KEY", f"not set, and {stored} stored token(s) need it; set the key they were saved with"
            )
        return fail("ENCRYPTION_KEY", f"not set; connecting accounts needs it: {EXPECTED['ENCRYPTION_KEY']}")
    if not stored:
        return skip("ENCRYPTION_KEY", "set; no stored tokens to decrypt yet")
    try:
        TokenCipher.from_settings(context.settings).decrypt(str(sample))
    except (TokenDecryptError, ConfigError) as exc:
        return fail("ENCRYPTION_KEY", str(exc))
    return ok("ENCRYPTION_KEY", f"decrypts the stored tokens ({stored} stored)")


def worker(context: Context) -> Verdict:
    """Optional: a worker may not be started yet when the doctor first runs, but nothing is sent without one."""
    reading = read(
        context.engine,
        context.settings.database_url,
        now=utcnow(),
        interval_seconds=context.settings.worker_interval_seconds,
    )
    start = "start one: `outreach worker` (on Heroku: `heroku ps:scale worker=1`)"
    age = reading.worker_age
    if age is None:
        return fail("worker", f"no worker has ticked yet; {start}", required=False)
    if reading.worker_silent:
        return fail("worker", f"last tick {age.total_seconds():.0f}s ago, none alive; {start}", required=False)
    return ok("worker", f"last tick {age.total_seconds():.0f}s ago, {reading.workers_alive} alive")
