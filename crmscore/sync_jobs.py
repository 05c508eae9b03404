"""Syncing a CRM and writing scores back, for the CLI and as jobs (the API's ``runSync`` / ``writeBackScores``).

Both front doors run one code path: the source is looked up in the sources file with
:func:`find_source`, the options come from :func:`sync_options` / :func:`writeback_batch_size`,
and the work is ``connector.sync.sync_source`` / ``connector.writeback.write_back`` on the adapter
``connector.sources_config`` builds. So a sync started from a dashboard keeps every guarantee of
``crmscore sync``: per-page commits, a cursor that only moves with stored pages (a failed sync
resumes where it stopped), and a ``sync_runs`` row, also for a failed run. A job records one more
failure than the engine can: a CRM that cannot be reached at all (building the adapter connects to
Odoo) fails before ``sync_source`` / ``write_back`` start a run, so the job records that failed run
itself, and ``syncRuns`` and the sync-lag metric show the outage like any other failed sync.

What a job adds is progress in its ``jobs`` row and a result small enough to show. Sync progress
is an estimate: a CRM does not say how many records changed until they are read, so each stream
gets an equal share of the bar and every page moves that share closer to full (1/2, 2/3, 3/4, ...)
without claiming it. Write-back progress is exact: the plan says how many records will be sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from connector.runs import RunLog, writeback_run_source

# SourcesError is re-exported: callers catching "the sources file is wrong" need not reach into the connector.
from connector.sources_config import (
    SourceConfig,
    SourcesError,
    build_source,
    build_writer,
    load_sources,
)
from connector.sync import SyncOptions, SyncReport, sync_source
from connector.writeback import WritebackReport, write_back
from crmscore.errors import UserFacingError
from crmscore.jobs import JobFailed, JobReporter, Work, error_text
from store.tables import sync_runs

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MAX_BATCH_SIZE",
    "NoSourcesFile",
    "SourcesError",
    "UnknownSource",
    "find_source",
    "record_unreached",
    "stream_names",
    "sync_options",
    "sync_result",
    "sync_work",
    "writeback_batch_size",
    "writeback_result",
    "writeback_work",
]

DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10_000
_SHOWN_ERRORS = 20  # a job result keeps this many record errors; the sync run keeps up to 1,000
_SHOWN_CHANGES = 100  # a dry run's result shows this many planned changes
_CONNECTED = 0.05  # the share of the bar spent reaching the CRM


class NoSourcesFile(UserFacingError):
    """There is no sources file where the CLI or the API looks for it."""


class UnknownSource(UserFacingError):
    """The sources file names no such source; ``known`` lists those it does."""

    def __init__(self, message: str, *, name: str, known: Sequence[str]) -> None:
        super().__init__(message)
        self.name = name
        self.known = list(known)


def find_source(sources_file: Path, name: str) -> SourceConfig:
    """The source ``name`` of the sources file; raises :class:`NoSourcesFile`, ``SourcesError``
    (the file is wrong, with line and key) or :class:`UnknownSource`."""
    from connector.mapping import did_you_mean

    if not sources_file.is_file():
        raise NoSourcesFile(f"{sources_file}: no sources file; copy configs/sources/example.yaml and edit it")
    configs = load_sources(sources_file)
    if name not in configs:
        raise UnknownSource(
            f"{sources_file}: no source named {name!r}{did_you_mean(name, configs)}; sources are {', '.join(configs) or 'none'}",
            name=name,
            known=list(configs),
        )
    return configs[name]


def stream_names(config: SourceConfig) -> list[str]:
    """Every stream the source can sync: its kind's defaults, then the admin's own streams.

    Known without asking the CRM (Odoo's stream names do not depend on its version), so a request
    naming a stream that does not exist is refused before any job starts.
    """
    if config.kind == "suitecrm":
        from connector.suitecrm import SUITECRM_STREAMS

        defaults = list(SUITECRM_STREAMS)
    else:
        from connector.odoo import odoo_streams

        defaults = list(odoo_streams(0))
    return defaults + [name for name in config.streams if name not in defaults]


def sync_options(
    config: SourceConfig, *, full: bool = False, streams: Sequence[str] = (), reconcile: bool | None = None
) -> SyncOptions:
    """The sync's options: the source's lookback, margin and reconcile interval, and the caller's choices.

    ``reconcile`` None checks for deletions when the source's interval has passed (``--reconcile``
    / ``--no-reconcile`` force it on or off).
    """
    return SyncOptions(
        lookback=config.lookback,
        margin=config.margin,
        full=full,
        streams=tuple(streams),
        reconcile="auto" if reconcile is None else ("always" if reconcile else "never"),
        reconcile_every=config.reconcile_every,
    )


def writeback_batch_size(config: SourceConfig, requested: int | None) -> int:
    """The caller's batch size, else the source's ``writeback.batch_size``, else 100."""
    return requested or int(config.writeback.get("batch_size", DEFAULT_BATCH_SIZE))


def sync_result(report: SyncReport) -> dict[str, Any]:
    """A sync's outcome as a job result: totals, counts per stream, the first errors, its run."""
    totals = {key: report.total(key) for key in ("read", "inserted", "updated", "deleted", "skipped", "failed", "deferred")}
    return {
        "source": report.source,
        "sync_run_id": report.run_id,
        **totals,
        "streams": {name: counts.as_dict() for name, counts in report.counts.items()},
        "error_count": report.error_count,
        "errors": [str(e) for e in report.errors[:_SHOWN_ERRORS]],
        "quality": None if report.quality is None else dict(report.quality.summary),
    }


def writeback_result(report: WritebackReport, fields: Mapping[str, str]) -> dict[str, Any]:
    """A write-back's outcome as a job result; a dry run lists its first planned changes by CRM field."""
    result: dict[str, Any] = {
        "source": report.source,
        "dry_run": report.dry_run,
        "sync_run_id": report.run_id,
        "planned": report.planned,
        "written": report.written,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "batches": report.batches,
        "errors": [str(e) for e in report.errors[:_SHOWN_ERRORS]],
    }
    if report.dry_run:
        result["changes"] = [
            {"external_id": external_id, "fields": {fields.get(k, k): _plain(v) for k, v in values.items()}}
            for external_id, values in report.changes[:_SHOWN_CHANGES]
        ]
    return result


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _newest_run(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(sync_runs.c.id))).scalar() or 0)


def _failed_run(engine: Engine, after: int, source: str) -> int | None:
    """The run a failed sync or write-back recorded (runs of one source do not overlap in a runner)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.min(sync_runs.c.id)).where(sync_runs.c.id > after, sync_runs.c.source == source, sync_runs.c.status == "failed")
        ).scalar()
    return None if found is None else int(found)


def record_unreached(engine: Engine, run_source: str, exc: Exception) -> int | None:
    """Record a failed sync run for a CRM that could not be reached; returns its id.

    No run exists yet (the engine starts one only once it has an adapter, and building the Odoo
    adapter connects), so one is started and failed at once with the one-line error: ``syncRuns``
    and the sync-lag metric then show the outage like any other failed sync. A store that cannot
    take the row must not hide why the CRM was unreachable, so that returns None instead of raising.
    """
    log = RunLog(source=run_source)
    try:
        log.start(engine)
        log.finish(engine, "failed", error_text(exc))
    except SQLAlchemyError:
        return None
    return log.run_id


def _unreached(engine: Engine, source: str, exc: Exception, *, run_source: str | None = None) -> JobFailed:
    """The job's failure when ``source``'s CRM could not be reached, with the failed run it records
    (under ``run_source``, default ``source``)."""
    return JobFailed(error_text(exc), {"source": source, "sync_run_id": record_unreached(engine, run_source or source, exc)})


class _SyncProgress:
    """Turns the engine's ``(stream, records so far)`` calls into a fraction and a message."""

    def __init__(self, report: JobReporter, source: str, streams: Sequence[str]) -> None:
        self.report = report
        self.source = source
        self.streams = list(streams) or ["?"]
        self.current: str | None = None
        self.pages = 0
        self.before = 0  # records read by earlier streams
        self.done = 0

    def __call__(self, stream: str, done: int) -> None:
        if stream != self.current:
            self.current, self.pages, self.before = stream, 0, self.done
        self.pages += 1
        self.done = done
        index = self.streams.index(stream) if stream in self.streams else len(self.streams) - 1
        share = (index + self.pages / (self.pages + 1)) / len(self.streams)
        self.report(
            _CONNECTED + (1 - _CONNECTED) * share,
            f"{self.source} {stream}: {done - self.before:,} records read (stream {index + 1} of {len(self.streams)})",
        )


def sync_work(
    config: SourceConfig, *, full: bool = False, streams: Sequence[str] = (), reconcile: bool | None = None
) -> Work:
    """Work that syncs ``config``'s source into the job's store, as ``crmscore sync`` does."""

    def work(report: JobReporter) -> dict[str, Any]:
        report(0.0, f"connecting to {config.name}")
        try:
            source = build_source(config)
            names = [s.name for s in source.streams() if s.enabled and (not streams or s.name in streams)]
        except Exception as exc:
            raise _unreached(report.engine, config.name, exc) from exc
        report(_CONNECTED, f"reading {len(names)} stream(s) from {config.name}: {', '.join(names)}")
        mark = _newest_run(report.engine)
        try:
            done = sync_source(
                report.engine,
                source,
                options=sync_options(config, full=full, streams=streams, reconcile=reconcile),
                progress=_SyncProgress(report, config.name, names),
            )
        except Exception as exc:
            failed = _failed_run(report.engine, mark, config.name)
            raise JobFailed(error_text(exc), {"source": config.name, "sync_run_id": failed}) from exc
        result = sync_result(done)
        report(None, f"{config.name}: {result['read']:,} read, {result['inserted']:,} new, {result['updated']:,} updated, "
                     f"{result['deleted']:,} deleted, {result['error_count']:,} record errors")
        return result

    return work


def writeback_work(config: SourceConfig, *, dry_run: bool = False, batch_size: int | None = None) -> Work:
    """Work that writes the current scores into ``config``'s CRM, as ``crmscore writeback`` does."""

    def work(report: JobReporter) -> dict[str, Any]:
        report(0.0, f"connecting to {config.name}")
        mark = _newest_run(report.engine)
        total = [0]

        def planned(n: int) -> None:
            total[0] = n
            verb = "would be written" if dry_run else "to write"
            report(_CONNECTED, f"{config.name}: {n:,} changed record(s) {verb}")

        def progress(sent: int) -> None:
            report(_CONNECTED + (1 - _CONNECTED) * sent / max(1, total[0]), f"{config.name}: {sent:,} of {total[0]:,} records sent")

        try:
            writer = build_writer(config, build_source(config))
        except Exception as exc:
            if dry_run:  # a dry run records no run, whatever its outcome: it was never going to write
                raise JobFailed(error_text(exc), {"source": config.name, "sync_run_id": None}) from exc
            raise _unreached(report.engine, config.name, exc, run_source=writeback_run_source(config.name)) from exc
        try:
            done = write_back(
                report.engine,
                config.name,
                writer,
                dry_run=dry_run,
                batch_size=writeback_batch_size(config, batch_size),
                progress=progress,
                planned=planned,
            )
        except Exception as exc:
            failed = _failed_run(report.engine, mark, writeback_run_source(config.name))
            raise JobFailed(error_text(exc), {"source": config.name, "sync_run_id": failed}) from exc
        result = writeback_result(done, writer.fields)
        if not dry_run:
            report(None, f"{config.name}: {done.written:,} written, {done.failed:,} refused by the CRM, {done.unchanged:,} unchanged")
        return result

    return work
