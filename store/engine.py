"""Opening the store: one URL, either SQLite (embedded default) or PostgreSQL (production).

Every command goes through :func:`open_store`, so ``CRMSCORE_DATABASE_URL`` is honoured everywhere
and the schema is migrated to the latest Alembic revision before anything reads or writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from store.errors import StoreUnavailable

__all__ = ["DEFAULT_DATABASE_URL", "database_url", "migrate", "open_store", "reading", "redact"]

DEFAULT_DATABASE_URL = "sqlite:///crmscore.db"
_MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT = 15.0  # seconds


def database_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else ``CRMSCORE_DATABASE_URL``, else ``./crmscore.db``."""
    return url or os.environ.get("CRMSCORE_DATABASE_URL") or DEFAULT_DATABASE_URL


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the GraphQL server read while a scoring run writes; foreign keys are off by default.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def create(url: str | None = None) -> Engine:
    """An engine for the URL, checked by a real round trip so a bad URL fails here, clearly."""
    resolved = database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise StoreUnavailable(f"not a database URL: {resolved!r}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:" and not Path(db).parent.exists():
            raise StoreUnavailable(f"cannot open {redact(resolved)}: folder {Path(db).parent} does not exist")
        # SQLite has one writer at a time; a request that needs to write waits this long for a
        # scoring run or sync batch to commit before it gives up with "database is locked".
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(resolved, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreUnavailable(f"cannot use {redact(resolved)}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailable(f"cannot reach {redact(resolved)}: {reason}") from exc
    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that need no transaction of their own: it runs in autocommit.

    Each statement already reads its own snapshot under READ COMMITTED (PostgreSQL) and pysqlite
    starts no transaction for a SELECT, so nothing changes for the reader; what goes is the BEGIN
    and ROLLBACK round trips PostgreSQL would otherwise get around every API read. Never write
    through it: a write here would commit statement by statement.
    """
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is already there)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot migrate {redact(str(engine.url))}: {exc}") from exc


def open_store(url: str | None = None) -> Engine:
    """Connect to the store and migrate it: the one entry point every command uses."""
    engine = create(url)
    migrate(engine)
    return engine
