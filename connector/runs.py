"""The ``sync_runs`` record of one sync (or write-back): counts per stream and per-record errors.

A run is inserted as ``running`` before anything is read, so a killed sync leaves a visible trace,
and finished as ``succeeded`` or ``failed`` with what it did. Per-record problems are kept (the
first :data:`MAX_KEPT_ERRORS`, all of them counted) without aborting the run.

A write-back is recorded in the same table under :func:`writeback_run_source` (``<source>:writeback``),
so its runs sit next to the syncs of its source without being mistaken for them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import SQLAlchemyError

from connector.errors import RecordError
from store import tables

__all__ = ["MAX_KEPT_ERRORS", "WRITEBACK_SUFFIX", "RunLog", "StreamCounts", "writeback_run_source"]

MAX_KEPT_ERRORS = 1000
WRITEBACK_SUFFIX = ":writeback"


def writeback_run_source(source: str) -> str:
    """The ``sync_runs.source`` of ``source``'s write-back runs: readers match the suffix, so keep one spelling."""
    return f"{source}{WRITEBACK_SUFFIX}"


@dataclass
class StreamCounts:
    read: int = 0  # records the CRM returned
    inserted: int = 0
    updated: int = 0
    deleted: int = 0  # found gone by id reconciliation
    skipped: int = 0  # boundary duplicates and echoes of our own write-back
    failed: int = 0  # records that could not be mapped (see the run's errors)
    deferred: int = 0  # changed after the window opened: read by the next sync
    echoes: int = 0  # of the skipped: our own write-back coming back
    pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class RunLog:
    """Accumulates a run's counts and errors and writes them to ``sync_runs``."""

    source: str
    counts: dict[str, StreamCounts] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    error_count: int = 0
    run_id: int | None = None

    def stream(self, name: str) -> StreamCounts:
        return self.counts.setdefault(name, StreamCounts())

    def add_errors(self, errors: list[RecordError]) -> None:
        self.error_count += len(errors)
        room = MAX_KEPT_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def start(self, engine: Engine, now: datetime | None = None) -> int:
        with engine.begin() as conn:
            self.run_id = int(
                conn.execute(
                    insert(tables.sync_runs)
                    .values(source=self.source, status="running", started_at=now or datetime.now(UTC), counts={}, errors=[])
                    .returning(tables.sync_runs.c.id)
                ).scalar_one()
            )
        return self.run_id

    def finish(self, engine: Engine, status: str, failure: str | None = None) -> None:
        errors: list[dict[str, Any]] = [e.as_dict() for e in self.errors]
        if failure is not None:
            errors.append({"where": None, "row": None, "column": None, "message": failure, "record_id": None})
        counts: dict[str, Any] = {name: c.as_dict() for name, c in self.counts.items()}
        try:
            with engine.begin() as conn:
                conn.execute(
                    update(tables.sync_runs)
                    .where(tables.sync_runs.c.id == self.run_id)
                    .values(status=status, finished_at=datetime.now(UTC), counts=counts, errors=errors)
                )
        except SQLAlchemyError:
            if failure is None:
                raise
            # Recording a failed run must never hide the failure itself.

    def total(self, key: str) -> int:
        return sum(getattr(c, key) for c in self.counts.values())
