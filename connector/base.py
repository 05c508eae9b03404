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

from connector.errors import RecordError

__all__ = ["Batch", "Row", "Source"]

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


@runtime_checkable
class Source(Protocol):
    """A CRM, a folder of files, or anything else that can deliver canonical rows."""

    name: str

    def streams(self) -> list[str]:
        """The entity streams this source has, in the order they should be loaded."""
        ...

    def read(self, stream: str) -> Iterator[list[Row]]:
        """Batches of canonical rows of ``stream`` (a :class:`Batch` to also report bad records)."""
        ...
