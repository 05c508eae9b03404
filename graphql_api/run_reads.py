"""Scoring runs and CRM sync runs, newest first.

Write-back runs share ``sync_runs`` under ``<source>:writeback``: a key limited to a source sees
them with its syncs (:func:`sync_run_sources`), and the sync-lag metric leaves them out
(:func:`latest_syncs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, func, not_, select

from connector.runs import WRITEBACK_SUFFIX, writeback_run_source
from store.engine import reading
from store.tables import scoring_runs, sync_runs

__all__ = [
    "count_rows",
    "count_sync_runs",
    "fetch_latest_run",
    "fetch_scoring_run",
    "fetch_scoring_runs",
    "fetch_sync_runs",
    "latest_syncs",
    "sync_run_sources",
]


def fetch_latest_run(engine: Engine, *, only_succeeded: bool) -> Any | None:
    """The newest scoring run (optionally the newest succeeded one) as a row, or None."""
    stmt = select(scoring_runs).order_by(scoring_runs.c.id.desc()).limit(1)
    if only_succeeded:
        stmt = stmt.where(scoring_runs.c.status == "succeeded")
    with reading(engine) as conn:
        return conn.execute(stmt).first()


def fetch_scoring_run(engine: Engine, pk: int) -> Any | None:
    with reading(engine) as conn:
        return conn.execute(select(scoring_runs).where(scoring_runs.c.id == pk)).first()


def fetch_scoring_runs(engine: Engine, *, before: int | None, limit: int, status: str | None = None) -> list[Any]:
    stmt = select(scoring_runs).order_by(scoring_runs.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(scoring_runs.c.id < before)
    if status is not None:
        stmt = stmt.where(scoring_runs.c.status == status)
    with reading(engine) as conn:
        return list(conn.execute(stmt))


def sync_run_sources(limit: str | None, asked: str | None) -> list[str] | None:
    """The ``sync_runs.source`` values a key limited to ``limit`` reads when it asks for ``asked``.

    None means every source; an empty list, none. A limit of S covers S's write-back runs too
    (``S:writeback``: they touch only S's CRM), so a key limited to S lists both unless it asks for
    one of them by name, exactly as a key limited to nothing would.
    """
    if limit is None:
        return None if asked is None else [asked]
    own = [limit, writeback_run_source(limit)]
    if asked is None:
        return own
    return [asked] if asked in own else []


def fetch_sync_runs(engine: Engine, *, before: int | None, limit: int, sources: Sequence[str] | None) -> list[Any]:
    """A newest-first page of the runs of ``sources`` (None: all)."""
    stmt = select(sync_runs).order_by(sync_runs.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(sync_runs.c.id < before)
    if sources is not None:
        stmt = stmt.where(sync_runs.c.source.in_(list(sources)))
    with reading(engine) as conn:
        return list(conn.execute(stmt))


def count_sync_runs(engine: Engine, sources: Sequence[str] | None) -> int:
    stmt = select(func.count()).select_from(sync_runs)
    if sources is not None:
        stmt = stmt.where(sync_runs.c.source.in_(list(sources)))
    with reading(engine) as conn:
        return int(conn.execute(stmt).scalar_one())


def count_rows(engine: Engine, table: Any, **equal: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(table.c[column] == value)
    with reading(engine) as conn:
        return int(conn.execute(stmt).scalar_one())


def latest_syncs(engine: Engine) -> list[tuple[str, Any]]:
    """(source, finished_at of its newest succeeded sync) per source: what sync lag is measured from.

    Write-back runs are not syncs: one is recorded only when scores changed, so its age says
    nothing about how fresh the store is, and ``<source>:writeback`` is no source to alert on.
    """
    stmt = (
        select(sync_runs.c.source, func.max(sync_runs.c.finished_at))
        .where(sync_runs.c.status == "succeeded", not_(sync_runs.c.source.endswith(WRITEBACK_SUFFIX, autoescape=True)))
        .group_by(sync_runs.c.source)
    )
    with reading(engine) as conn:
        return [(r[0], r[1]) for r in conn.execute(stmt)]
