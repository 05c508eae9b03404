"""A small in-process job runner: long operations run on a thread pool and are recorded in ``jobs``.

An API request must answer in milliseconds, but scoring or a CRM sync takes seconds to minutes. The
request therefore only inserts a ``queued`` row and hands the work to a thread; the work reports
progress through a :class:`JobReporter`, which updates the row (at most every ``min_interval``
seconds, except for status changes, so a chatty job does not hammer the store) and tells listeners
(the API turns those into ``jobProgress`` subscription events). Any process can read a job's state
from the table, so progress survives a page reload and is visible from every API process.

A job of a kind that is already queued or running *in this runner* is not started twice: ``submit``
returns the one in flight (two scoring runs at once would only compete for the same rows).

A key limited to a source reads jobs through ``source=``: a job's params and result name CRM
records and its requester, so such a key sees its source's sync and write-back jobs and the
scoring jobs (whose results every key sees anyway), and nothing else. The filter is SQL, so a
page and its total agree.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from store.tables import jobs, scoring_runs

__all__ = [
    "FAILED",
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "JobFailed",
    "JobRecord",
    "JobReporter",
    "JobRunner",
    "count_jobs",
    "error_text",
    "get_job",
    "list_jobs",
    "scoring_work",
]

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)
_MAX_ERROR = 500


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    status: str
    progress: float
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _record(row: Any) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        progress=float(row.progress),
        message=row.message,
        params=dict(row.params or {}),
        result=dict(row.result or {}),
        error=row.error,
        requested_by=row.requested_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


# Jobs that concern one source name it in ``params["source"]``; a scoring job concerns every source.
_SOURCE_KINDS = ("sync", "write_back")


def _seen_by(stmt: Select[Any], source: str | None) -> Select[Any]:
    """``stmt`` narrowed to the jobs a key limited to ``source`` may see (all of them for None)."""
    if source is None:
        return stmt
    about: ColumnElement[bool] = and_(jobs.c.kind.in_(_SOURCE_KINDS), jobs.c.params["source"].as_string() == source)
    return stmt.where(or_(jobs.c.kind == "scoring", about))


def get_job(engine: Engine, job_id: int, *, source: str | None = None) -> JobRecord | None:
    """The job, or None when there is none or a key limited to ``source`` may not see it."""
    with engine.connect() as conn:
        row = conn.execute(_seen_by(select(jobs).where(jobs.c.id == job_id), source)).first()
    return None if row is None else _record(row)


def list_jobs(
    engine: Engine,
    *,
    limit: int = 50,
    before_id: int | None = None,
    kind: str | None = None,
    source: str | None = None,
) -> list[JobRecord]:
    """Newest first; ``before_id`` pages back from a job id; ``source`` as in :func:`get_job`."""
    stmt = _seen_by(select(jobs).order_by(jobs.c.id.desc()).limit(limit), source)
    if before_id is not None:
        stmt = stmt.where(jobs.c.id < before_id)
    if kind is not None:
        stmt = stmt.where(jobs.c.kind == kind)
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(stmt)]


def count_jobs(engine: Engine, *, source: str | None = None) -> int:
    """How many jobs :func:`list_jobs` pages through for a key limited to ``source``."""
    with engine.connect() as conn:
        return int(conn.execute(_seen_by(select(func.count()).select_from(jobs), source)).scalar_one())


def error_text(exc: BaseException) -> str:
    """One line, bounded: errors of database drivers carry the SQL on later lines."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:_MAX_ERROR]


class JobFailed(Exception):
    """Raised by work that failed but has a result worth keeping (e.g. the failed run's id)."""

    def __init__(self, error: str, result: Mapping[str, Any]) -> None:
        super().__init__(error)
        self.error = error
        self.result = result


Listener = Callable[[JobRecord], None]
Work = Callable[["JobReporter"], Mapping[str, Any] | None]


@dataclass
class _Live:
    record: JobRecord
    written_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class JobReporter:
    """Handed to the work: ``report(progress=0.4, message="scoring 2,000 customers")``."""

    def __init__(self, runner: JobRunner, live: _Live) -> None:
        self._runner = runner
        self._live = live

    @property
    def job_id(self) -> int:
        return self._live.record.id

    @property
    def engine(self) -> Engine:
        return self._runner.engine

    def __call__(self, progress: float | None = None, message: str | None = None) -> None:
        with self._live.lock:
            current = self._live.record
            value = current.progress if progress is None else min(1.0, max(current.progress, float(progress)))
            self._live.record = replace(current, progress=value, message=message if message is not None else current.message)
        self._runner._changed(self._live, force=False)


class JobRunner:
    """Runs submitted work on ``max_workers`` threads and records it in the ``jobs`` table."""

    def __init__(self, engine: Engine, *, max_workers: int = 2, min_interval: float = 0.25) -> None:
        self.engine = engine
        self.min_interval = min_interval
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="crmscore-job")
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._in_flight: dict[str, _Live] = {}

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` (in the job's thread) on every change; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def submit(
        self,
        kind: str,
        work: Work,
        *,
        params: Mapping[str, Any] | None = None,
        requested_by: str | None = None,
        dedupe_key: str | None = None,
    ) -> tuple[JobRecord, bool]:
        """Queue ``work``; returns (the job, True) or, if a job with the same ``dedupe_key`` (default:
        the kind) is still in flight here, (that job, False)."""
        key = dedupe_key or kind
        with self._lock:
            running = self._in_flight.get(key)
            if running is not None:
                return running.record, False
            now = datetime.now(UTC)
            with self.engine.begin() as conn:
                job_id = conn.execute(
                    insert(jobs)
                    .values(
                        kind=kind,
                        status=QUEUED,
                        progress=0.0,
                        params=dict(params or {}),
                        result={},
                        requested_by=requested_by,
                        created_at=now,
                    )
                    .returning(jobs.c.id)
                ).scalar_one()
                row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one()
            live = _Live(_record(row))
            self._in_flight[key] = live
            queued = live.record
        self._pool.submit(self._run, key, live, work)
        return queued, True

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _run(self, key: str, live: _Live, work: Work) -> None:
        live.record = replace(live.record, status=RUNNING, started_at=datetime.now(UTC))
        self._changed(live, force=True)
        try:
            result = work(JobReporter(self, live)) or {}
        except Exception as exc:
            log.exception("job %s (%s) failed", live.record.id, live.record.kind)
            live.record = replace(
                live.record,
                status=FAILED,
                error=exc.error if isinstance(exc, JobFailed) else error_text(exc),
                result=dict(exc.result) if isinstance(exc, JobFailed) else live.record.result,
                finished_at=datetime.now(UTC),
            )
        else:
            live.record = replace(
                live.record,
                status=SUCCEEDED,
                progress=1.0,
                result=dict(result),
                finished_at=datetime.now(UTC),
            )
        finally:
            with self._lock:
                self._in_flight.pop(key, None)
        self._changed(live, force=True)

    def _changed(self, live: _Live, *, force: bool) -> None:
        now = time.monotonic()
        record = live.record
        if force or now - live.written_at >= self.min_interval:
            live.written_at = now
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(jobs)
                        .where(jobs.c.id == record.id)
                        .values(
                            status=record.status,
                            progress=record.progress,
                            message=record.message,
                            result=record.result,
                            error=record.error,
                            started_at=record.started_at,
                            finished_at=record.finished_at,
                        )
                    )
            except Exception:
                log.exception("could not record the progress of job %s", record.id)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                log.exception("a job listener failed")


# The pipeline says what it is doing in words; these are its steps, in order, and how far each is.
_SCORING_STEPS = (("loading", 0.1), ("scoring", 0.4), ("writing", 0.7), ("raised", 0.9))


def scoring_work(config_path: Path | None = None) -> Work:
    """Work that runs the scoring pipeline with the active (or given) config."""

    def work(report: JobReporter) -> dict[str, Any]:
        from crmscore.pipeline import run_scoring

        def progress(message: str) -> None:
            fraction = next((f for word, f in _SCORING_STEPS if message.startswith(word)), None)
            report(fraction, message)

        report(0.0, "starting")
        with report.engine.connect() as conn:
            mark = conn.execute(select(func.max(scoring_runs.c.id))).scalar() or 0
        try:
            record = run_scoring(report.engine, config_path, progress=progress)
        except Exception as exc:
            # The pipeline marked its run failed before re-raising: point the job at that run.
            with report.engine.connect() as conn:
                failed = conn.execute(
                    select(func.min(scoring_runs.c.id)).where(scoring_runs.c.id > mark, scoring_runs.c.status == FAILED)
                ).scalar()
            raise JobFailed(error_text(exc), {"scoring_run_id": failed} if failed else {}) from exc
        return {"scoring_run_id": record.id, "customers_scored": record.customers_scored}

    return work
