"""Idempotent writes of canonical entities, keyed by ``(source, external_id)``.

Loading the same page twice must leave the store as loading it once: that is what lets a sync
resume from its cursor after a crash without duplicating anything. The native
``INSERT ... ON CONFLICT DO UPDATE`` of SQLite and PostgreSQL does the work in one statement a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Table, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from store.errors import StoreError

__all__ = ["UpsertCounts", "upsert"]


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        return self


def _insert_for(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise StoreError(f"upserts are implemented for SQLite and PostgreSQL, not {name}")


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Iterable[str] = ("source", "external_id"),
) -> UpsertCounts:
    """Insert or update ``rows`` by ``key``; returns how many were new and how many existed.

    Rows of one batch must share the same column set (what a connector page or a file chunk has).
    A key repeated inside a batch keeps its last row, as a later CRM state wins.
    """
    if not rows:
        return UpsertCounts()
    key = tuple(key)
    now = datetime.now(timezone.utc)
    deduped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        record = dict(row)
        if "loaded_at" in table.c and "loaded_at" not in record:
            record["loaded_at"] = now
        if "attributes" in table.c and record.get("attributes") is None:
            record["attributes"] = {}
        deduped[tuple(record[k] for k in key)] = record
    batch = list(deduped.values())

    key_cols = [table.c[k] for k in key]
    existing: set[tuple[Any, ...]] = set()
    keys = list(deduped)
    for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
        chunk = keys[start : start + 500]
        existing.update(tuple(r) for r in conn.execute(select(*key_cols).where(tuple_(*key_cols).in_(chunk))))

    stmt = _insert_for(conn, table)
    columns = [c for c in batch[0] if c not in key and c != "id"]
    stmt = stmt.on_conflict_do_update(
        index_elements=key_cols, set_={c: stmt.excluded[c] for c in columns}
    ) if columns else stmt.on_conflict_do_nothing(index_elements=key_cols)
    conn.execute(stmt, batch)
    return UpsertCounts(inserted=len(batch) - len(existing), updated=len(existing))
