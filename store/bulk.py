"""Fast appends of computed results (scores, indicator values) from a DataFrame.

A scoring run over 100,000 customers writes close to a million indicator rows; going through
SQLAlchemy's per-row parameter processing would dominate the run. PostgreSQL gets ``COPY``;
SQLite gets one prepared ``executemany``. Both stay inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

__all__ = ["bulk_insert"]

_CHUNK = 50_000


def _rows(frame: pd.DataFrame) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(frame), _CHUNK):
        part = frame.iloc[start : start + _CHUNK].astype(object)
        part = part.where(part.notna(), None)
        yield list(part.itertuples(index=False, name=None))


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Append ``frame`` (columns named as the table's) to ``table``; returns the row count."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
            for rows in _rows(frame):
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})'
        for rows in _rows(frame):
            conn.exec_driver_sql(sql, rows)
    return len(frame)
