"""Portfolio KPIs: the numbers a dashboard's header and its trend chart show."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import Engine, case, func, select
from starlette.concurrency import run_in_threadpool

from graphql_api.aggregates import count_by, score_stats
from graphql_api.alert_store import count_alerts
from graphql_api.context import ApiContext
from graphql_api.errors import bad_user_input
from graphql_api.filters import compile_customer_filter
from graphql_api.ids import encode_id
from graphql_api.limits import MAX_PAGE_SIZE
from graphql_api.objects import GroupCount
from graphql_api.reads import count_customers
from store.engine import reading
from store.tables import customers, scores, scoring_runs

__all__ = ["KpiPoint", "Portfolio"]

Info = strawberry.Info[ApiContext, None]


@strawberry.type(description="The portfolio in one succeeded scoring run.")
class KpiPoint:
    scoring_run_id: strawberry.ID
    as_of: datetime
    scored: int
    average_score: float | None
    at_risk: int = strawberry.field(description="Customers in the band named by scoreTrend(atRiskBand:).")


def _trend(engine: Engine, served: int | None, last: int, sources: list[str] | None, lowest_band: str) -> list[KpiPoint]:
    if served is None:
        return []
    r, s = scoring_runs.c, scores.c
    runs = select(r.id).where(r.status == "succeeded", r.id <= served).order_by(r.id.desc()).limit(last).subquery()
    at_risk = func.sum(case((s.band == lowest_band, 1), else_=0))
    stmt = (
        select(r.id, r.as_of, func.count(s.health_score), func.avg(s.health_score), at_risk)
        .select_from(scoring_runs.join(scores, s.run_id == r.id).join(customers, customers.c.id == s.customer_id))
        .where(r.id.in_(select(runs.c.id)))
        .group_by(r.id, r.as_of)
        .order_by(r.as_of, r.id)
    )
    if sources is not None:
        stmt = stmt.where(customers.c.source.in_(sources))
    with reading(engine) as conn:
        rows = conn.execute(stmt).all()
    return [
        KpiPoint(
            scoring_run_id=strawberry.ID(encode_id("ScoringRun", row[0])),
            as_of=row[1],
            scored=int(row[2]),
            average_score=None if row[3] is None else float(row[3]),
            at_risk=int(row[4] or 0),
        )
        for row in rows
    ]


@strawberry.type(description="Portfolio KPIs in the served run; each field costs one statement when asked for.")
class Portfolio:
    @strawberry.field(description="Customers in the store (that this key may see).")
    async def customers(self, info: Info) -> int:
        served = await info.context.served_run()
        where = compile_customer_filter(None, served.run_id, sources=info.context.sources)
        return await run_in_threadpool(count_customers, info.context.engine, served.run_id, where)

    @strawberry.field(description="Customers with a health score in the served run.")
    async def scored(self, info: Info) -> int:
        served = await info.context.served_run()
        where = compile_customer_filter(None, served.run_id, sources=info.context.sources)
        return (await run_in_threadpool(score_stats, info.context.engine, served.run_id, where)).scored

    @strawberry.field
    async def average_score(self, info: Info) -> float | None:
        served = await info.context.served_run()
        where = compile_customer_filter(None, served.run_id, sources=info.context.sources)
        return (await run_in_threadpool(score_stats, info.context.engine, served.run_id, where)).average

    @strawberry.field(description="Customers per band, largest first.")
    async def band_counts(self, info: Info) -> list[GroupCount]:
        served = await info.context.served_run()
        where = compile_customer_filter(None, served.run_id, sources=info.context.sources)
        rows = await run_in_threadpool(count_by, info.context.engine, served.run_id, where, "band")
        return [GroupCount(value=v, count=n) for v, n in rows]

    @strawberry.field(description="Customers per segment, largest first.")
    async def segment_counts(self, info: Info) -> list[GroupCount]:
        served = await info.context.served_run()
        where = compile_customer_filter(None, served.run_id, sources=info.context.sources)
        rows = await run_in_threadpool(count_by, info.context.engine, served.run_id, where, "segment")
        return [GroupCount(value=v, count=n) for v, n in rows]

    @strawberry.field(description="Alerts still open.")
    async def open_alerts(self, info: Info) -> int:
        source = info.context.viewer().source
        return await run_in_threadpool(lambda: count_alerts(info.context.engine, statuses=["open"], source=source))

    @strawberry.field(description="The as-of time of the served run.")
    async def as_of(self, info: Info) -> datetime | None:
        return (await info.context.served_run()).as_of

    @strawberry.field(description="Scored customers, average score and customers in the lowest band per run, oldest first.")
    async def score_trend(
        self,
        info: Info,
        last: Annotated[int, strawberry.argument(description=f"How many runs, 1..{MAX_PAGE_SIZE}.")] = 12,
        at_risk_band: Annotated[str, strawberry.argument(description="The band counted as atRisk.")] = "At risk",
    ) -> list[KpiPoint]:
        if not 1 <= last <= MAX_PAGE_SIZE:
            raise bad_user_input("scoreTrend(last:)", f"must be between 1 and {MAX_PAGE_SIZE}, got {last}")
        served = await info.context.served_run()
        sources = info.context.sources
        return await run_in_threadpool(
            _trend, info.context.engine, served.run_id, last, None if sources is None else list(sources), at_risk_band
        )
