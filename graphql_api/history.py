"""Score history: a customer's score in each of the last succeeded runs up to the served one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from store.engine import reading
from store.tables import scores, scoring_runs

__all__ = ["ScorePointRecord", "fetch_history"]


@dataclass(frozen=True)
class ScorePointRecord:
    run_id: int
    as_of: datetime
    health_score: float | None
    band: str | None
    segment: str | None
    scorecard: str | None


def fetch_history(
    engine: Engine, served_run: int | None, customer_ids: Sequence[int], last: int
) -> dict[int, list[ScorePointRecord]]:
    """Oldest first, at most ``last`` runs per customer, in one statement for all customers."""
    out: dict[int, list[ScorePointRecord]] = {pk: [] for pk in customer_ids}
    if served_run is None or not customer_ids:
        return out
    r = scoring_runs.c
    runs = (
        select(r.id)
        .where(r.status == "succeeded", r.id <= served_run)
        .order_by(r.id.desc())
        .limit(last)
        .scalar_subquery()
    )
    s = scores.c
    stmt = (
        select(s.customer_id, r.id, r.as_of, s.health_score, s.band, s.segment, s.scorecard)
        .join(scoring_runs, r.id == s.run_id)
        .where(s.run_id.in_(runs), s.customer_id.in_(list(out)))
        .order_by(s.customer_id, r.as_of, r.id)
    )
    with reading(engine) as conn:
        for row in conn.execute(stmt):
            out[row.customer_id].append(
                ScorePointRecord(row.id, row.as_of, row.health_score, row.band, row.segment, row.scorecard)
            )
    return out
