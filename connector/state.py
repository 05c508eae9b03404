"""Per-stream sync state in ``sync_state``: the cursor, the ids at it, and the open window.

``cursor`` is the newest modified time stored so far (aware UTC, at the CRM's precision) and
``ids_at_cursor`` the ids stored with exactly that time: the next window starts at
``cursor - lookback`` and skips those ids if they come back unchanged (boundary dedupe), so the
``>=`` a CRM forces on us does not re-emit the last record on every run. ``progress`` holds the
window in flight (``lower``, ``upper``, the adapter's ``position``, the previous window's boundary)
and ``reconciled_at``, the last time ids were compared for deletions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from store import tables

__all__ = ["StreamState", "load_state", "reset_state", "save_state"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class StreamState:
    source: str
    stream: str
    cursor: datetime | None = None
    ids_at_cursor: list[str] = field(default_factory=list)
    # the open window, or None between syncs
    window_lower: datetime | None = None
    window_upper: datetime | None = None
    position: dict[str, Any] = field(default_factory=dict)
    boundary_at: datetime | None = None  # the previous window's cursor ...
    boundary_ids: list[str] = field(default_factory=list)  # ... and the ids stored at it
    reconciled_at: datetime | None = None
    exists: bool = False

    @property
    def window_open(self) -> bool:
        return self.window_upper is not None

    def progress(self) -> dict[str, Any]:
        window = None
        if self.window_upper is not None:
            window = {
                "lower": _iso(self.window_lower),
                "upper": _iso(self.window_upper),
                "position": self.position,
                "boundary_at": _iso(self.boundary_at),
                "boundary_ids": self.boundary_ids,
            }
        return {"window": window, "reconciled_at": _iso(self.reconciled_at)}


def load_state(conn: Connection, source: str, stream: str) -> StreamState:
    t = tables.sync_state
    row = conn.execute(select(t).where(t.c.source == source, t.c.stream == stream)).mappings().first()
    if row is None:
        return StreamState(source=source, stream=stream)
    progress = row["progress"] or {}
    window = progress.get("window") or {}
    return StreamState(
        source=source,
        stream=stream,
        cursor=row["cursor"],
        ids_at_cursor=list(row["ids_at_cursor"] or []),
        window_lower=_parse(window.get("lower")),
        window_upper=_parse(window.get("upper")),
        position=dict(window.get("position") or {}),
        boundary_at=_parse(window.get("boundary_at")),
        boundary_ids=list(window.get("boundary_ids") or []),
        reconciled_at=_parse(progress.get("reconciled_at")),
        exists=True,
    )


def save_state(conn: Connection, state: StreamState, now: datetime) -> None:
    """Write the state on ``conn``: call it in the transaction that stored the page it describes."""
    t = tables.sync_state
    values = {
        "cursor": state.cursor,
        "ids_at_cursor": state.ids_at_cursor,
        "updated_at": now,
        "progress": state.progress(),
    }
    if state.exists:
        conn.execute(update(t).where(t.c.source == state.source, t.c.stream == state.stream).values(**values))
    else:
        conn.execute(insert(t).values(source=state.source, stream=state.stream, **values))
        state.exists = True


def reset_state(conn: Connection, source: str, stream: str | None = None) -> None:
    """Forget where ``source`` (or one of its streams) stood: the next sync reads everything."""
    t = tables.sync_state
    query = delete(t).where(t.c.source == source)
    if stream is not None:
        query = query.where(t.c.stream == stream)
    conn.execute(query)
