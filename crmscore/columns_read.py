"""Reading a query's rows into compact typed columns, a chunk at a time.

``cursor.fetchall()`` into a DataFrame holds every row as a Python tuple of Python objects at once
— about 20 GB for the 20 million orders of a million customers — before pandas converts anything.
Here rows are fetched in chunks and each chunk is turned into numpy arrays straight away, so the
peak is one chunk of Python objects plus the final columns: 8 bytes a value for ids, amounts and
timestamps, one byte for low-cardinality text kept as a categorical.

Timestamps: SQLite stores them as fixed-format UTC text (``2025-04-20 10:08:20.000000``), which
numpy parses at ~0.1 µs a value — ten times less than converting them in SQL. PostgreSQL converts
them to integer epoch microseconds (exact; psycopg would otherwise build a ``datetime`` per value),
NULL becoming the int64 minimum, which is numpy's ``NaT``.
"""

from __future__ import annotations

import ctypes
import gc
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    cast,
    extract,
    func,
    literal_column,
)

__all__ = ["ColumnKind", "read_columns", "release_free_memory"]

#: How a selected column is typed: ``id`` int32 when every value fits (half the memory of the
#: largest columns, the customer ids of every order), else int64; ``float`` float64; ``bool``
#: bool; ``time`` datetime64[us, UTC]; ``category`` pandas categorical of text; ``text`` pandas ``str``.
ColumnKind = Literal["id", "float", "bool", "time", "category", "text"]

CHUNK_ROWS = 65_536  # rows per fetch: ~10 MB of Python objects, fast enough to amortise the calls
_NAT = literal_column("(-9223372036854775807 - 1)")  # int64 minimum = NaT, written so no dialect overflows
_cursor_names = count()
_I32 = np.iinfo(np.int32)


def _epoch_micros(column: Any) -> Any:
    """PostgreSQL: the column as integer microseconds since 1970-01-01 UTC (NaT's integer when NULL)."""
    return func.coalesce(cast(extract("epoch", column) * 1_000_000, BigInteger), _NAT)


def _parse_times(values: Sequence[Any], name: str) -> np.ndarray:
    """SQLite's stored timestamp text (naive UTC) as datetime64[us]; None becomes NaT."""
    try:
        with warnings.catch_warnings():
            # An offset in the text means it was not written by the store's UTCDateTime type.
            warnings.simplefilter("error")
            return np.array(values, dtype="datetime64[us]")
    except (ValueError, UserWarning) as exc:
        raise ValueError(f"column {name!r} holds a value that is not a stored UTC timestamp: {exc}") from exc


@dataclass
class _Text:
    """Text values, as codes into a growing category list, so each chunk's objects can be freed."""

    categorical: bool
    lookup: dict[str, int]
    parts: list[np.ndarray]

    def add(self, values: Sequence[Any]) -> None:
        if not self.categorical:
            self.parts.append(np.array(values, dtype=object))
            return
        codes, uniques = pd.factorize(np.array(values, dtype=object), use_na_sentinel=True)
        remap = np.array([self.lookup.setdefault(u, len(self.lookup)) for u in uniques] + [-1], dtype=np.int32)
        self.parts.append(remap[codes])  # code -1 (missing) picks the trailing -1

    def finish(self, n: int) -> pd.Series:
        if not self.categorical:
            values = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=object)
            return pd.Series(values, dtype="str")
        codes = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        names = list(self.lookup)
        order = np.argsort(np.array(names, dtype=object), kind="stable") if names else np.empty(0, dtype=np.int64)
        rank = np.empty(len(names) + 1, dtype=np.int32)  # sorted categories, so results never depend on row order
        rank[order] = np.arange(len(names), dtype=np.int32)
        rank[-1] = -1
        small = np.int8 if len(names) < 127 else np.int16 if len(names) < 32_767 else np.int32
        categories = pd.Index([names[i] for i in order], dtype="str")
        return pd.Series(pd.Categorical.from_codes(rank[codes].astype(small), categories=categories))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while rows are fetched: the tuples of a chunk are not cycles, but
    creating millions of them triggers collections that cost a quarter of the fetch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # A named cursor streams from the server; a plain one would first hold the whole result
        # in the client library's memory.
        cursor = driver.cursor(name=f"crmscore_read_{next(_cursor_names)}")  # type: ignore[union-attr]
    else:
        cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    finally:
        cursor.close()


def release_free_memory() -> None:
    """Hand the heap memory freed by a large read back to the operating system (glibc only).

    A read allocates and frees millions of row tuples and chunk arrays; glibc keeps the freed
    heap pages, interleaved with the columns that stay, for reuse — and large numpy arrays never
    reuse them (they get their own mappings). At a million customers that is ~0.4 GB of resident
    memory nothing uses; ``malloc_trim`` returns it. Elsewhere this does nothing.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return
    trim(0)


def read_columns(conn: Connection, stmt: Select[Any], kinds: Mapping[str, ColumnKind]) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a DataFrame typed by ``kinds`` (one entry per selected
    column, by label). ``id``, ``float`` and ``bool`` columns must not be NULL; a NULL ``time`` is
    ``NaT``, a NULL text is missing."""
    labels = [col.name for col in stmt.selected_columns]
    if sorted(labels) != sorted(kinds):
        raise ValueError(f"kinds name {sorted(kinds)} but the statement selects {labels}")
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        stmt = stmt.with_only_columns(
            *(_epoch_micros(col).label(col.name) if kinds[col.name] == "time" else col for col in stmt.selected_columns),
            maintain_column_froms=True,
        )
    # The statements carry no user input, so binding literals is safe and lets the DBAPI cursor
    # run them directly: SQLAlchemy's Row objects cost ~15 µs a row in attribute probing.
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    numbers: dict[str, list[np.ndarray]] = {n: [] for n in labels if kinds[n] not in ("category", "text")}
    texts = {n: _Text(kinds[n] == "category", {}, []) for n in labels if kinds[n] in ("category", "text")}
    dtypes = {"id": np.int64, "float": np.float64, "bool": np.bool_, "time": np.int64}
    total = 0
    with _cursor(conn) as cursor, _no_cyclic_gc():
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            total += len(rows)
            for name, values in zip(labels, zip(*rows)):
                if name in texts:
                    texts[name].add(values)
                elif kinds[name] == "time" and not postgres:
                    numbers[name].append(_parse_times(values, name).view(np.int64))
                else:
                    try:
                        array = np.array(values, dtype=dtypes[kinds[name]])
                    except (TypeError, ValueError) as exc:
                        raise ValueError(f"column {name!r} ({kinds[name]}) has a value numpy cannot take: {exc}") from exc
                    if kinds[name] == "id" and array.size and _I32.min <= array.min() and array.max() <= _I32.max:
                        array = array.astype(np.int32)
                    numbers[name].append(array)
            del rows
    out: dict[str, Any] = {}
    for name in labels:
        if name in texts:
            out[name] = texts[name].finish(total)
            continue
        kind = kinds[name]
        parts = numbers[name]
        width = np.result_type(*parts) if parts else dtypes[kind]  # int64 if any chunk needed it
        values = np.concatenate(parts, dtype=width) if parts else np.empty(0, dtype=dtypes[kind])
        parts.clear()
        if kind == "time":
            out[name] = pd.Series(pd.DatetimeIndex(values.view("datetime64[us]")).tz_localize("UTC"))
        else:
            out[name] = pd.Series(values)
    return pd.DataFrame(out, copy=False)
