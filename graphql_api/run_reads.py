"""Scoring runs and CRM sync runs, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from store.tables import scoring_runs, sync_runs

__all__ = ["count_rows", "fetch_latest_run", "fetch_scoring_run", "fetch_scoring_runs", "fetch_sync_runs", "latest_syncs"]


def fetch_latest_run(engine: Engine, *, only_succeeded: bool) -> Any | None:
    """The newest scoring run (optionally the newest succeeded one) as a row, or None."""
    stmt = select(scoring_runs).order_by(scoring_runs.c.id.desc()).limit(1)
    if only_succeeded:
        stmt = stmt.where(scoring_runs.c.status == "succeeded")
    with engine.connect() as conn:
        return conn.execute(stmt).first()


def fetch_scoring_run(engine: Engine, pk: int) -> Any | None:
    with engine.connect() as conn:
        return conn.execute(select(scoring_runs).where(scoring_runs.c.id == pk)).first()


def fetch_scoring_runs(engine: Engine, *, before: int | None, limit: int, status: str | None = None) -> list[Any]:
    stmt = select(scoring_runs).order_by(scoring_runs.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(scoring_runs.c.id < before)
    if status is not None:
        stmt = stmt.where(scoring_runs.c.status == status)
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def fetch_sync_runs(engine: Engine, *, before: int | None, limit: int, source: str | None) -> list[Any]:
    stmt = select(sync_runs).order_by(sync_runs.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(sync_runs.c.id < before)
    if source is not None:
        stmt = stmt.where(sync_runs.c.source == source)
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def count_rows(engine: Engine, table: Any, **equal: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(table.c[column] == value)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def latest_syncs(engine: Engine) -> list[tuple[str, Any]]:
    """(source, finished_at of its newest succeeded sync) per source: what sync lag is measured from."""
    stmt = select(sync_runs.c.source, func.max(sync_runs.c.finished_at)).where(sync_runs.c.status == "succeeded").group_by(sync_runs.c.source)
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(stmt)]
