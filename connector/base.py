"""What every source of CRM records implements, so one loader can store them all.

A source names its streams (canonical entity names such as ``customers`` or ``orders``) and yields
each stream as batches of canonical rows: dicts keyed by the columns of the store's table of the
same name, with values already typed (aware UTC datetimes, floats, bools, str) and anything else
the CRM sent in ``attributes``. The loader adds ``source`` and writes each batch in one
transaction. A batch may carry the records the source had to reject, so the loader can stop on
the first or skip them, as the user asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

from connector.errors import RecordError

__all__ = ["Batch", "ColumnBatch", "Row", "Source"]

Row = dict[str, Any]


class Batch(list[Row]):
    """A list of canonical rows, plus the records rejected while building it.

    Being a plain list keeps ``read()`` simple for sources that never reject anything; ``rows``
    tells where the batch came from (``customers.csv:2-50001``) for store-level errors.
    """

    def __init__(self, rows: Iterable[Row] = (), errors: Iterable[RecordError] = (), origin: str = "") -> None:
        super().__init__(rows)
        self.errors: list[RecordError] = list(errors)
        self.origin = origin


class ColumnBatch:
    """A batch held as one array per column, for sources that parse whole columns at once.

    Building a dict per row costs more than everything else a file load does per row, so the file
    source hands the loader its typed columns and the store writes them column-wise
    (:func:`store.upsert.upsert_columns`). It still reads like a :class:`Batch` — ``len``,
    iteration, indexing and ``==`` go through rows, built on demand — so code that wants rows
    needs no special case.

    ``columns`` hold the canonical Python values (``None`` where missing); ``stamps`` may hold, for
    some timestamp columns, the same instants as ``datetime64[us]`` UTC arrays (``NaT`` where
    missing), which the store can format without a Python call per value.
    """

    def __init__(
        self,
        columns: dict[str, np.ndarray],
        errors: Iterable[RecordError] = (),
        origin: str = "",
        stamps: dict[str, np.ndarray] | None = None,
    ) -> None:
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of one batch must have the same length, got {sorted(lengths)}")
        self.columns = columns
        self.stamps: dict[str, np.ndarray] = dict(stamps or {})
        self.errors: list[RecordError] = list(errors)
        self.origin = origin
        self._length = lengths.pop() if lengths else 0

    def __len__(self) -> int:
        return self._length

    def rows(self) -> list[Row]:
        names = list(self.columns)
        return [dict(zip(names, vals)) for vals in zip(*(self.columns[n].tolist() for n in names))]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows())

    def __getitem__(self, index: int) -> Row:
        return {name: values[index] for name, values in self.columns.items()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnBatch | list):
            return self.rows() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ColumnBatch({len(self)} rows of {', '.join(self.columns)}; {len(self.errors)} errors; {self.origin!r})"


@runtime_checkable
class Source(Protocol):
    """A CRM, a folder of files, or anything else that can deliver canonical rows."""

    name: str

    def streams(self) -> list[str]:
        """The entity streams this source has, in the order they should be loaded."""
        ...

    def read(self, stream: str) -> Iterator[list[Row] | ColumnBatch]:
        """Batches of canonical rows of ``stream`` (a :class:`Batch` to also report bad records,
        a :class:`ColumnBatch` when the source already holds whole columns)."""
        ...
