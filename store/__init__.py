"""The local store: canonical CRM entities and run history, on SQLite or PostgreSQL."""

from store.engine import (
    DEFAULT_DATABASE_URL,
    database_url,
    migrate,
    open_store,
    reading,
    redact,
)
from store.errors import StoreError, StoreUnavailable

__all__ = [
    "DEFAULT_DATABASE_URL",
    "StoreError",
    "StoreUnavailable",
    "database_url",
    "migrate",
    "open_store",
    "reading",
    "redact",
]
