"""What a CRM adapter gives the sync engine: streams, pages inside a time window, and live ids.

The engine (``connector/sync.py``) owns the cursor, the window bounds, the boundary ids, the
store writes and the run record; an adapter only knows how its CRM pages through records whose
modified time lies in ``[lower, upper)`` and how to resume after a page it handed out. Its
``position`` is opaque JSON the engine stores in the same transaction as that page's rows, so a
sync killed at any point resumes exactly after the last committed page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from connector.api_mapping import StreamSpec

__all__ = ["CrmSource", "Page", "RemoteSource", "Window", "crm_db_time"]


@dataclass(frozen=True)
class Window:
    """The slice of modification times one sync pass reads.

    ``lower`` is inclusive (None: from the beginning of time), ``upper`` exclusive and fixed when
    the window opens, so records changed while the sync runs wait for the next pass instead of
    shifting the pages under it. ``position`` is where the adapter stood after the last stored page.
    """

    lower: datetime | None
    upper: datetime
    position: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """Normalised records (``id`` a string, values cleaned) and the position after them."""

    records: list[dict[str, Any]]
    position: dict[str, Any]
    requests: int = 1


@runtime_checkable
class CrmSource(Protocol):
    """A CRM the sync engine can read incrementally."""

    name: str
    precision: timedelta  # the resolution of the CRM's modified times (SuiteCRM: a minute)

    def streams(self) -> list[StreamSpec]: ...

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[Page]: ...

    def modified(self, record: Mapping[str, Any]) -> datetime | None: ...

    def live_ids(self, stream: StreamSpec) -> Iterator[list[str]]: ...

    def writeback_fields(self) -> frozenset[str]: ...


def crm_db_time(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC: how both SuiteCRM and Odoo store and compare timestamps
    (Odoo's ``write()`` refuses ISO with T/Z; SuiteCRM filters compare the stored text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class RemoteSource:
    """What every CRM adapter keeps the same way: its streams, page size, write-back fields, the
    per-stream field types it has looked up, and how it reads a record's modified time."""

    cursor_field: str
    parse_time: Callable[[Any], datetime | None]

    def __init__(
        self, name: str, streams: list[StreamSpec], *, page_size: int, writeback_fields: frozenset[str]
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.name = name
        self._streams = streams
        self.page_size = page_size
        self._types: dict[str, dict[str, str]] = {}
        self._writeback_fields = writeback_fields

    def streams(self) -> list[StreamSpec]:
        return list(self._streams)

    def writeback_fields(self) -> frozenset[str]:
        return self._writeback_fields

    def modified(self, record: Mapping[str, Any]) -> datetime | None:
        value = record.get(self.cursor_field)
        return value if isinstance(value, datetime) else type(self).parse_time(value)
