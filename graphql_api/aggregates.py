"""Aggregates over the customers a filter selects: what a dashboard shows next to the list.

Each is one statement over the same ``FROM``/``WHERE`` as ``totalCount``, and only runs when its
field is asked for. Histograms count in SQL with one ``CASE`` per bucket, so no rows leave the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import ColumnElement, Engine, case, func, select

from graphql_api.reads import scored_customers
from store.engine import reading
from store.tables import scores

__all__ = ["Bucket", "ScoreStats", "count_by", "score_histogram", "score_stats"]


@dataclass(frozen=True)
class ScoreStats:
    scored: int
    average: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Bucket:
    lower: float
    upper: float
    count: int


def score_stats(engine: Engine, run_id: int | None, where: ColumnElement[bool]) -> ScoreStats:
    hs = scores.c.health_score
    stmt = select(func.count(hs), func.avg(hs), func.min(hs), func.max(hs)).select_from(scored_customers(run_id)).where(where)
    with reading(engine) as conn:
        n, avg, lo, hi = conn.execute(stmt).one()
    return ScoreStats(int(n), None if avg is None else float(avg), lo, hi)


def count_by(engine: Engine, run_id: int | None, where: ColumnElement[bool], column: str) -> list[tuple[str | None, int]]:
    """(value, customers) per band or segment, largest first; null is "not scored"."""
    col = scores.c[column]
    n = func.count().label("n")
    stmt = select(col, n).select_from(scored_customers(run_id)).where(where).group_by(col)
    with reading(engine) as conn:
        rows = conn.execute(stmt).all()
    return sorted(((r[0], int(r[1])) for r in rows), key=lambda r: (-r[1], r[0] is None, r[0] or ""))


def score_histogram(
    engine: Engine, run_id: int | None, where: ColumnElement[bool], edges: Sequence[float]
) -> list[Bucket]:
    """Counts in [e0, e1), [e1, e2), … and the last bucket closed: [e(n-1), e(n)]."""
    hs = scores.c.health_score
    last = len(edges) - 2
    columns = [
        func.sum(case(((hs >= lo) & ((hs <= hi) if i == last else (hs < hi)), 1), else_=0))
        for i, (lo, hi) in enumerate(pairwise(edges))
    ]
    stmt = select(*columns).select_from(scored_customers(run_id)).where(where)
    with reading(engine) as conn:
        row = conn.execute(stmt).one()
    return [Bucket(lo, hi, int(n or 0)) for (lo, hi), n in zip(pairwise(edges), row, strict=True)]
