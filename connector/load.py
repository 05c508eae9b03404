"""Loading any source into the store: batch by batch, idempotently, with a record of the run.

Every connector (files today, SuiteCRM and Odoo next) goes through :func:`load_source`, so they
all get the same guarantees: each batch is upserted by ``(source, external_id)`` in its own
transaction (loading twice changes nothing), a bad record either stops the load with a message
naming file, row and column, or is skipped and reported, and each load is written to
``sync_runs`` with its counts and errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, Engine, Table, insert, update
from sqlalchemy.exc import SQLAlchemyError

from connector.base import ColumnBatch, Row, Source
from connector.errors import RecordError, SourceDataError
from connector.mapping import entity_table, key_column
from store import tables
from store.upsert import UpsertCounts, upsert, upsert_columns

__all__ = ["EntityCounts", "LoadReport", "load_source"]

_STREAMS = (*tables.ENTITY_TABLES, "sample_truth")
MAX_KEPT_ERRORS = 1000  # a report keeps this many record errors; the count covers them all


@dataclass
class EntityCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0


@dataclass
class LoadReport:
    source: str
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)  # the first MAX_KEPT_ERRORS
    error_count: int = 0
    run_id: int | None = None
    seconds: float = 0.0

    @property
    def inserted(self) -> int:
        return sum(c.inserted for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.counts.values())

    @property
    def read(self) -> int:
        return sum(c.read for c in self.counts.values())


def load_source(
    engine: Engine,
    source: Source,
    *,
    on_error: Literal["raise", "skip"] = "raise",
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load every stream of ``source``; ``progress`` gets the number of records read so far.

    With ``on_error="raise"`` the first bad record raises :class:`SourceDataError` (batches
    before it stay loaded: loading again after the fix is harmless). With ``"skip"`` bad records
    are counted, kept in the report, and the rest is loaded.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    started = time.perf_counter()
    report = LoadReport(source=source.name)
    report.run_id = _start_run(engine, source.name)
    done = 0
    try:
        for stream in source.streams():
            if stream not in _STREAMS:
                raise ValueError(f"source {source.name!r} has a stream {stream!r}; streams are {', '.join(_STREAMS)}")
            table = entity_table(stream)
            key = ("source", key_column(stream))
            counts = report.counts.setdefault(stream, EntityCounts())
            for batch in source.read(stream):
                errors: list[RecordError] = list(getattr(batch, "errors", ()))
                counts.read += len(batch) + len(errors)
                done += len(batch) + len(errors)
                if errors:
                    if on_error == "raise":
                        raise SourceDataError.from_record(errors[0])
                    counts.skipped += len(errors)
                    report.error_count += len(errors)
                    room = MAX_KEPT_ERRORS - len(report.errors)
                    report.errors.extend(errors[: max(room, 0)])
                if len(batch):
                    try:
                        with engine.begin() as conn:
                            written = _write(conn, table, batch, key, source.name)
                    except SQLAlchemyError as exc:
                        origin = getattr(batch, "origin", "") or stream
                        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                        raise SourceDataError(f"{origin}: the store refused this batch: {reason}") from exc
                    counts.inserted += written.inserted
                    counts.updated += written.updated
                if progress is not None:
                    progress(done)
    except BaseException as exc:
        report.seconds = time.perf_counter() - started
        _finish_run(engine, report, "failed", str(exc) if isinstance(exc, Exception) else type(exc).__name__)
        raise
    report.seconds = time.perf_counter() - started
    _finish_run(engine, report, "succeeded", None)
    return report


def _write(conn: Connection, table: Table, batch: list[Row] | ColumnBatch, key: tuple[str, str], source: str) -> UpsertCounts:
    if isinstance(batch, ColumnBatch):
        columns = {**batch.columns, "source": np.full(len(batch), source, dtype=object)}
        return upsert_columns(conn, table, columns, key=key, stamps=batch.stamps)
    for row in batch:
        row["source"] = source
    return upsert(conn, table, batch, key=key)


def _now() -> datetime:
    return datetime.now(UTC)


def _start_run(engine: Engine, source: str) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(tables.sync_runs)
                .values(source=source, status="running", started_at=_now(), counts={}, errors=[])
                .returning(tables.sync_runs.c.id)
            ).scalar_one()
        )


def _finish_run(engine: Engine, report: LoadReport, status: str, failure: str | None) -> None:
    errors: list[dict[str, Any]] = [e.as_dict() for e in report.errors]
    if failure is not None:
        errors.append({"where": None, "row": None, "column": None, "message": failure, "record_id": None})
    counts = {name: vars(c).copy() for name, c in report.counts.items()}
    try:
        with engine.begin() as conn:
            conn.execute(
                update(tables.sync_runs)
                .where(tables.sync_runs.c.id == report.run_id)
                .values(status=status, finished_at=_now(), counts=counts, errors=errors)
            )
    except SQLAlchemyError:
        if failure is None:
            raise
        # Recording a failed run must never hide the failure itself.
