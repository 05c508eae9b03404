"""Idempotent writes of canonical entities, keyed by ``(source, external_id)``.

Loading the same page twice must leave the store as loading it once: that is what lets a sync
resume from its cursor after a crash without duplicating anything. The native
``INSERT ... ON CONFLICT DO UPDATE`` of SQLite and PostgreSQL does the work.

On PostgreSQL a batch is ``COPY``-ed into a session-local staging table and merged with one
``INSERT ... SELECT ... ON CONFLICT`` — an order of magnitude faster than parameterised multi-row
``VALUES`` (whose conversion in psycopg dominated a 150,000-row load). ``RETURNING (xmax = 0)``
is true exactly for the rows the statement inserted, so new and updated rows are counted in the
same statement. SQLite has no such marker, so it looks the batch's keys up first — one indexed
``IN`` query per source and 500 keys — and then runs one prepared ``executemany``.
"""

from __future__ import annotations

from collections import defaultdict
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Connection, Table, select

from store.errors import StoreError
from store.types import UTCDateTime

__all__ = ["UpsertCounts", "upsert"]

_IN_CHUNK = 500  # keys per lookup: well under SQLite's bound-parameter limit


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        return self


def _prepare(table: Table, rows: Sequence[Mapping[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    now = datetime.now(timezone.utc)
    stamp = "loaded_at" in table.c
    attrs = "attributes" in table.c
    # Column defaults are applied here rather than by SQLAlchemy, because the PostgreSQL path
    # bypasses statement compilation; every row of a batch must carry the same columns anyway.
    defaults = {
        c.name: c.default.arg
        for c in table.c
        if c.default is not None and c.default.is_scalar and c.name not in rows[0]
    }
    deduped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        record = {**defaults, **row}
        if stamp and "loaded_at" not in record:
            record["loaded_at"] = now
        if attrs and record.get("attributes") is None:
            record["attributes"] = {}
        deduped[tuple(record[k] for k in key)] = record
    return list(deduped.values())


def _existing_sqlite(conn: Connection, table: Table, batch: list[dict[str, Any]], key: tuple[str, ...]) -> int:
    """How many of the batch's keys are already stored.

    Keys are grouped by their leading column (the source) and the last column is looked up with
    ``IN``: a plain equality plus ``IN`` that the unique index answers, where a row-value
    ``(a, b) IN (...)`` would not be planned as well.
    """
    *lead, last = key
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for r in batch:
        groups[tuple(r[k] for k in lead)].append(r[last])
    found = 0
    for values, ids in groups.items():
        fixed = [table.c[k] == v for k, v in zip(lead, values)]
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            found += len(conn.execute(select(table.c[last]).where(*fixed, table.c[last].in_(chunk))).all())
    return found


_Converter = Callable[[Any], Any] | None


def _converters(conn: Connection, table: Table, names: list[str]) -> list[_Converter]:
    """Per column, what SQLAlchemy's bind processing would do to a value, without its per-row cost.

    Only the store's own types need it: timestamps are normalised to UTC (and written in
    SQLAlchemy's SQLite text format there), JSON is serialised; everything else passes as it is.
    """
    sqlite_text = conn.dialect.name == "sqlite"
    out: list[_Converter] = []
    for n in names:
        col_type = table.c[n].type
        if isinstance(col_type, UTCDateTime):

            def stamp(v: Any, t: UTCDateTime = col_type) -> Any:
                v = t.process_bind_param(v, conn.dialect)
                return v.isoformat(" ", "microseconds") if sqlite_text and v is not None else v

            out.append(stamp)
        elif isinstance(col_type, JSON):
            out.append(lambda v: None if v is None else json.dumps(v))
        else:
            out.append(None)
    return out


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
    batch = _prepare(table, rows, key)
    key_cols = [table.c[k] for k in key]
    columns = [c for c in batch[0] if c not in key and c != "id"]
    dialect = conn.dialect.name

    if dialect == "postgresql":
        return _upsert_postgresql(conn, table, batch, key, columns)

    if dialect == "sqlite":
        existing = _existing_sqlite(conn, table, batch, key)
        names = [*key, *columns]
        quoted = ", ".join(f'"{n}"' for n in names)
        action = (
            "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in columns) if columns else "DO NOTHING"
        )
        keys = ", ".join(f'"{k}"' for k in key)
        convert = _converters(conn, table, names)
        conn.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in names)}) '
            f"ON CONFLICT ({keys}) {action}",
            [tuple(r.get(n) if f is None else f(r.get(n)) for n, f in zip(names, convert)) for r in batch],
        )
        return UpsertCounts(inserted=len(batch) - existing, updated=existing)

    raise StoreError(f"upserts are implemented for SQLite and PostgreSQL, not {dialect}")


def _upsert_postgresql(
    conn: Connection, table: Table, batch: list[dict[str, Any]], key: tuple[str, ...], columns: list[str]
) -> UpsertCounts:
    names = [*key, *columns]
    stage = f"_stage_{table.name}"
    quoted = ", ".join(f'"{n}"' for n in names)
    # Same column types as the target, none of its constraints; private to this session.
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" AS SELECT {quoted} FROM "{table.name}" WITH NO DATA'
    )
    conn.exec_driver_sql(f'TRUNCATE "{stage}"')
    convert = _converters(conn, table, names)
    driver = conn.connection.driver_connection
    with driver.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f'COPY "{stage}" ({quoted}) FROM STDIN') as copy:
            for record in batch:
                copy.write_row(
                    [record.get(n) if f is None else f(record.get(n)) for n, f in zip(names, convert)]
                )
    keys = ", ".join(f'"{k}"' for k in key)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in (columns or key[:1]))
    flags = conn.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{stage}" '
        f"ON CONFLICT ({keys}) DO UPDATE SET {updates} RETURNING (xmax = 0)"
    ).scalars().all()
    inserted = sum(1 for f in flags if f)
    return UpsertCounts(inserted=inserted, updated=len(flags) - inserted)
