"""The incremental sync engine every CRM adapter shares.

Per stream, a sync opens a *window* of modification times ``[cursor - lookback, upper)``: ``upper``
is fixed when the window opens (floored to the CRM's precision), so rows changed during the sync
are left for the next one instead of shifting the pages under this one, and the lookback re-reads
rows whose transactions committed late. Every page is stored in **one transaction together with
the state that says it was stored** (cursor, ids at the cursor, the adapter's page position): a
sync killed at any instant resumes after the last committed page — nothing lost, and upserts by
``(source, external_id)`` make a re-read page harmless, so nothing is duplicated either.

On top of that:

* **boundary dedupe** — rows at the previous window's cursor whose ids were already stored come
  back because CRMs only offer ``>=``; they are skipped, not rewritten;
* **echo suppression** — after a write-back the CRM bumps the modified time of every record we
  scored; a row that comes back identical to the stored one apart from that time and our own
  score fields is our echo, not a customer change, and is skipped;
* **deletions** — neither CRM lists deleted rows, so now and then (``reconcile_every``, or on
  ``--full``) the adapter lists all live ids and stored rows missing from it are deleted, with a
  guard against wiping the store when the CRM suddenly lists far fewer ids (a permissions change);
* per-record problems become errors in the run record; only CRM-level failures (bad credentials,
  a 4xx, the CRM down after every retry) stop the sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from connector.api_mapping import StreamSpec
from connector.api_rows import map_records
from connector.crm_errors import StreamUnavailable
from connector.errors import RecordError, SourceDataError
from connector.incremental import CrmSource, Window
from connector.mapping import entity_table
from connector.runs import RunLog, StreamCounts
from connector.state import StreamState, load_state, save_state
from store import tables
from store.upsert import upsert

__all__ = ["SyncOptions", "SyncReport", "floor_time", "reconcile_source", "sync_source"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 500
# Columns never compared when deciding whether a row changed: set by us or moved by our own writes.
_NOT_CONTENT = frozenset({"id", "source", "loaded_at", "modified_at", "attributes"})


def floor_time(value: datetime, precision: timedelta) -> datetime:
    """``value`` rounded down to a multiple of ``precision`` (the CRM's clock resolution)."""
    return _EPOCH + ((value - _EPOCH) // precision) * precision


@dataclass(frozen=True)
class SyncOptions:
    lookback: timedelta = timedelta(minutes=5)
    margin: timedelta = timedelta(seconds=0)  # ``upper`` is this much before now
    full: bool = False  # forget the cursor, read everything, reconcile ids
    reconcile: Literal["auto", "always", "never"] = "auto"
    reconcile_every: timedelta = timedelta(hours=24)
    max_delete_fraction: float = 0.5  # refuse to delete more than this share of a stream's rows
    streams: tuple[str, ...] = ()  # only these (by name); all when empty
    quality: bool = True  # build the data-quality report after the sync


@dataclass
class SyncReport:
    source: str
    run_id: int | None
    counts: dict[str, StreamCounts]
    errors: list[RecordError]
    error_count: int
    seconds: float
    quality: Any = None  # connector.quality.QualityReport when built

    def total(self, key: str) -> int:
        return sum(getattr(c, key) for c in self.counts.values())


@dataclass
class _Boundary:
    at: datetime | None
    ids: frozenset[str] = field(default_factory=frozenset)


def sync_source(
    engine: Engine,
    source: CrmSource,
    *,
    options: SyncOptions | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Callable[[str, int], None] | None = None,
) -> SyncReport:
    """Bring the store up to date with ``source``; returns what was done (also kept in ``sync_runs``)."""
    options = options or SyncOptions()
    started = time.perf_counter()
    log = RunLog(source=source.name)
    log.start(engine, clock())
    report = SyncReport(source.name, log.run_id, log.counts, log.errors, 0, 0.0)
    specs = [s for s in source.streams() if s.enabled and (not options.streams or s.name in options.streams)]
    unknown = sorted(set(options.streams) - {s.name for s in source.streams()})
    try:
        if unknown:
            raise SourceDataError(f"{source.name}: no stream named {', '.join(unknown)}; streams are "
                                  f"{', '.join(s.name for s in source.streams())}")
        done = 0
        due: list[StreamSpec] = []
        for spec in specs:
            done, reconcile = _sync_stream(engine, source, spec, options, clock, log, progress, done)
            if reconcile:
                due.append(spec)
        if due:
            _reconcile(engine, source, due, options, log, clock())
        if options.quality:
            from connector.quality import build_quality_report, save_quality_report

            with engine.connect() as conn:
                report.quality = build_quality_report(conn, source.name)
            save_quality_report(engine, report.quality, log.run_id)
    except BaseException as exc:
        log.finish(engine, "failed", str(exc) if isinstance(exc, Exception) else type(exc).__name__)
        raise
    log.finish(engine, "succeeded")
    report.error_count = log.error_count
    report.seconds = time.perf_counter() - started
    return report


def _sync_stream(
    engine: Engine,
    source: CrmSource,
    spec: StreamSpec,
    options: SyncOptions,
    clock: Callable[[], datetime],
    log: RunLog,
    progress: Callable[[str, int], None] | None,
    done: int,
) -> tuple[int, bool]:
    counts = log.stream(spec.name)
    now = clock()
    with engine.begin() as conn:
        state = load_state(conn, source.name, spec.name)
        if options.full and not (state.window_open and state.window_lower is None):
            state = StreamState(source=source.name, stream=spec.name, exists=state.exists)
        if not state.window_open:
            _open_window(state, source, options, now)
            save_state(conn, state, now)
    boundary = _Boundary(state.boundary_at, frozenset(state.boundary_ids))
    window = Window(state.window_lower, state.window_upper, dict(state.position))  # type: ignore[arg-type]
    compiled: dict[str, Any] = {}
    wb_fields = source.writeback_fields()
    try:
        pages = iter(source.pages(spec, window))
        first = next(pages, None)
    except StreamUnavailable as exc:
        log.add_errors([RecordError(where=spec.name, row=None, column=None, message=str(exc))])
        return done, False
    for page in chain([first] if first is not None else [], pages):
        counts.pages += 1
        counts.read += len(page.records)
        kept, seen = [], []
        for record in page.records:
            modified = source.modified(record)
            if modified is not None and modified >= window.upper:
                counts.deferred += 1
                continue
            seen.append((modified, record["id"]))
            if boundary.at is not None and modified == boundary.at and record["id"] in boundary.ids:
                counts.skipped += 1
                continue
            kept.append(record)
        mapped = map_records(spec, kept, modified=source.modified, compiled=compiled)
        counts.failed += len(mapped.errors)
        log.add_errors(mapped.errors)
        _advance(state, seen)
        state.position = page.position
        try:
            with engine.begin() as conn:
                for entity, rows in mapped.rows.items():
                    if not rows:
                        continue
                    rows, echoes = _drop_echoes(conn, source.name, entity, rows, wb_fields)
                    counts.echoes += echoes
                    counts.skipped += echoes
                    for row in rows:
                        row["source"] = source.name
                    if rows:
                        written = upsert(conn, entity_table(entity), rows)
                        counts.inserted += written.inserted
                        counts.updated += written.updated
                save_state(conn, state, clock())
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SourceDataError(f"{source.name} {spec.name}: the store refused a page: {reason}") from exc
        done += len(page.records)
        if progress is not None:
            progress(spec.name, done)

    reconcile = options.reconcile != "never" and (
        options.full
        or options.reconcile == "always"
        or (options.reconcile == "auto" and (state.reconciled_at is None or now - state.reconciled_at >= options.reconcile_every))
    )
    with engine.begin() as conn:
        _close_window(state)
        save_state(conn, state, clock())
    return done, reconcile


def _open_window(state: StreamState, source: CrmSource, options: SyncOptions, now: datetime) -> None:
    precision = source.precision
    state.window_upper = floor_time(now - options.margin, precision)
    if state.cursor is None or options.full:
        state.window_lower = None
        state.boundary_at, state.boundary_ids = None, []
    else:
        state.window_lower = floor_time(state.cursor - options.lookback, precision)
        state.boundary_at, state.boundary_ids = state.cursor, list(state.ids_at_cursor)
    state.position = {}


def _close_window(state: StreamState) -> None:
    state.window_lower = state.window_upper = None
    state.position = {}
    state.boundary_at, state.boundary_ids = None, []


def _advance(state: StreamState, seen: Iterable[tuple[datetime | None, str]]) -> None:
    """Move the cursor to the newest modified time seen and keep the ids stored at it."""
    at_cursor = set(state.ids_at_cursor)
    for modified, rid in seen:
        if modified is None:
            continue
        if state.cursor is None or modified > state.cursor:
            state.cursor, at_cursor = modified, {rid}
        elif modified == state.cursor:
            at_cursor.add(rid)
    state.ids_at_cursor = sorted(at_cursor)


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _drop_echoes(
    conn: Connection, source: str, entity: str, rows: list[dict[str, Any]], wb_fields: frozenset[str]
) -> tuple[list[dict[str, Any]], int]:
    """Rows that differ from the stored ones in more than modified time and our score fields."""
    wb = tables.writeback_state
    ids = [r["external_id"] for r in rows]
    written: set[str] = set()
    for chunk in _chunks(ids):
        written.update(conn.execute(
            select(wb.c.external_id).where(wb.c.source == source, wb.c.entity == entity, wb.c.external_id.in_(chunk))
        ).scalars())
    if not written:
        return rows, 0
    table = entity_table(entity)
    stored: dict[str, Any] = {}
    for chunk in _chunks(sorted(written)):
        for found in conn.execute(select(table).where(table.c.source == source, table.c.external_id.in_(chunk))).mappings():
            stored[found["external_id"]] = found
    kept: list[dict[str, Any]] = []
    echoes = 0
    for row in rows:
        old = stored.get(row["external_id"])
        if old is not None and _same_content(row, old, wb_fields):
            echoes += 1
        else:
            kept.append(row)
    return kept, echoes


def _same_content(new: Mapping[str, Any], old: Mapping[str, Any], wb_fields: frozenset[str]) -> bool:
    for column, value in new.items():
        if column in _NOT_CONTENT:
            continue
        if old.get(column) != value:
            return False
    strip = lambda attrs: {k: v for k, v in (attrs or {}).items() if k not in wb_fields}
    return strip(new.get("attributes")) == strip(old.get("attributes"))


def reconcile_source(
    engine: Engine,
    source: CrmSource,
    *,
    options: SyncOptions | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncReport:
    """Only the deletion check: compare every stream's live ids with the store (recorded in ``sync_runs``)."""
    options = options or SyncOptions()
    started = time.perf_counter()
    log = RunLog(source=source.name)
    log.start(engine, clock())
    specs = [s for s in source.streams() if s.enabled and (not options.streams or s.name in options.streams)]
    try:
        _reconcile(engine, source, specs, options, log, clock())
    except BaseException as exc:
        log.finish(engine, "failed", str(exc) if isinstance(exc, Exception) else type(exc).__name__)
        raise
    log.finish(engine, "succeeded")
    return SyncReport(source.name, log.run_id, log.counts, log.errors, log.error_count, time.perf_counter() - started)


def _reconcile(
    engine: Engine, source: CrmSource, due: list[StreamSpec], options: SyncOptions, log: RunLog, now: datetime
) -> None:
    """Delete stored rows whose ids the CRM no longer lists.

    An entity fed by several streams (SuiteCRM calls and meetings both become activities) is
    checked against the union of their ids, and only when all of them were listed in this run.
    """
    enabled = [s for s in source.streams() if s.enabled]
    live: dict[str, set[str]] = {}
    for spec in list(due):
        ids: set[str] = set()
        try:
            for chunk in source.live_ids(spec):
                ids.update(chunk)
        except StreamUnavailable:
            due.remove(spec)  # reported when its pages were read; never "deleted everything"
            continue
        live[spec.name] = ids
    done: set[str] = set()
    for spec in due:
        for entity in spec.entities:
            if entity in done:
                continue
            done.add(entity)
            feeding = [s.name for s in enabled if entity in s.entities]
            if not all(name in live for name in feeding):
                continue
            union = set().union(*(live[name] for name in feeding))
            _delete_missing(engine, source.name, spec.name, entity, union, options, log)
    with engine.begin() as conn:
        for spec in due:
            state = load_state(conn, source.name, spec.name)
            state.reconciled_at = now
            save_state(conn, state, now)


def _delete_missing(
    engine: Engine, source: str, stream: str, entity: str, live: set[str], options: SyncOptions, log: RunLog
) -> None:
    counts = log.stream(stream)
    table = entity_table(entity)
    with engine.begin() as conn:
        stored = set(conn.execute(select(table.c.external_id).where(table.c.source == source)).scalars())
        gone = sorted(stored - live)
        if not gone:
            return
        if len(stored) >= 20 and len(gone) > options.max_delete_fraction * len(stored):
            log.add_errors([RecordError(
                where=stream, row=None, column=None,
                message=(f"id reconciliation: the CRM lists {len(live):,} live ids but {len(gone):,} of the "
                         f"{len(stored):,} stored {entity} are not among them; refusing to delete more than "
                         f"{options.max_delete_fraction:.0%} (check the API user's access rights)"),
            )])
            return
        for chunk in _chunks(gone):
            result = conn.execute(delete(table).where(table.c.source == source, table.c.external_id.in_(chunk)))
            counts.deleted += int(result.rowcount or 0)
        wb = tables.writeback_state
        for chunk in _chunks(gone):
            conn.execute(delete(wb).where(wb.c.source == source, wb.c.entity == entity, wb.c.external_id.in_(chunk)))
