"""What a CRM adapter gives the sync engine: streams, pages inside a time window, and live ids.

The engine (``connector/sync.py``) owns the cursor, the window bounds, the boundary ids, the
store writes and the run record; an adapter only knows how its CRM pages through records whose
modified time lies in ``[lower, upper)`` and how to resume after a page it handed out. Its
``position`` is opaque JSON the engine stores in the same transaction as that page's rows, so a
sync killed at any point resumes exactly after the last committed page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from connector.api_mapping import StreamSpec

__all__ = ["CrmSource", "Page", "Window"]


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
