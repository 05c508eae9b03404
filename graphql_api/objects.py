"""Customer output types: customers, scores, indicators, history, and the customer connection."""

from __future__ import annotations

import math
from datetime import datetime
from enum import Enum
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import ColumnElement
from starlette.concurrency import run_in_threadpool

from graphql_api.aggregates import count_by, score_histogram, score_stats
from graphql_api.context import ApiContext
from graphql_api.cursors import Cursor, encode_cursor
from graphql_api.errors import bad_user_input
from graphql_api.ids import encode_id
from graphql_api.limits import MAX_PAGE_SIZE
from graphql_api.pagination import PageInfo
from graphql_api.reads import CustomerRecord

if TYPE_CHECKING:
    from graphql_api.alert_types import Alert, AlertStatus
    from graphql_api.predictive import ChurnRisk

__all__ = [
    "Contribution",
    "Customer",
    "CustomerConnection",
    "CustomerEdge",
    "GroupCount",
    "HistogramBucket",
    "IndicatorValue",
    "Rfm",
    "ScorePoint",
    "ScoreTrend",
    "TrendDirection",
]

Info = strawberry.Info[ApiContext, None]
_DEFAULT_EDGES = [float(e) for e in range(0, 101, 10)]
_MAX_BUCKETS = 50
_FLAT = 1.0  # points of change below which a trend is flat


@strawberry.type(description="Recency, frequency and monetary scores of the customer in the run.")
class Rfm:
    r: int
    f: int
    m: int


@strawberry.type(description="One indicator of a customer in the served scoring run.")
class IndicatorValue:
    key: str
    label: str = strawberry.field(description="From the run's config; the key when it has none.")
    value: float | None = strawberry.field(description="The raw value; null when missing.")
    score: float | None = strawberry.field(description="Normalised 0..100; null when missing.")


@strawberry.type(description="Points an indicator added (+) or removed (-) around the neutral 50.")
class Contribution:
    key: str
    label: str
    points: float


@strawberry.type(description="The customer's score in one succeeded scoring run.")
class ScorePoint:
    run_id: strawberry.ID
    as_of: datetime
    health_score: float | None
    band: str | None
    segment: str | None
    scorecard: str | None = strawberry.field(
        description="The scorecard that scored the customer in this run: a change of card explains a jump."
    )


@strawberry.enum
class TrendDirection(Enum):
    UP = "UP"
    DOWN = "DOWN"
    FLAT = "FLAT"


@strawberry.type(description=f"The served score against the previous run's (changes under {_FLAT} point are FLAT).")
class ScoreTrend:
    current: float | None
    previous: float | None
    change: float | None
    direction: TrendDirection | None


@strawberry.type(description="A customer from a CRM, with its score in the served scoring run.")
class Customer:
    pk: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="Opaque global id; pass it to customer(id:).")
    external_id: str = strawberry.field(description="The id the CRM gave this customer.")
    source: str = strawberry.field(description="The CRM instance or file it came from.")
    name: str
    kind: str = strawberry.field(description="company or person.")
    owner: str | None = strawberry.field(description="The account owner in the CRM.")
    country: str | None
    industry: str | None
    active: bool
    created_at: datetime | None
    health_score: float | None = strawberry.field(description="Null when not scored.")
    band: str | None
    segment: str | None
    scorecard: str | None = strawberry.field(
        description="The key of the config scorecard whose weights and bands scored this customer "
        "(configs can assign scorecards by segment, customer kind or source); null when not scored."
    )
    rfm: Rfm | None = strawberry.field(description="Null unless the run computed all of r, f and m.")

    @classmethod
    def from_record(cls, rec: CustomerRecord) -> Customer:
        rfm = None
        if rec.r_score is not None and rec.f_score is not None and rec.m_score is not None:
            rfm = Rfm(r=rec.r_score, f=rec.f_score, m=rec.m_score)
        return cls(
            pk=rec.pk,
            id=strawberry.ID(encode_id("Customer", rec.pk)),
            external_id=rec.external_id,
            source=rec.source,
            name=rec.name,
            kind=rec.kind,
            owner=rec.owner,
            country=rec.country,
            industry=rec.industry,
            active=bool(rec.active),
            created_at=rec.created_at,
            health_score=rec.health_score,
            band=rec.band,
            segment=rec.segment,
            scorecard=rec.scorecard,
            rfm=rfm,
        )

    @strawberry.field(
        description="The record in its CRM; null unless a URL template is configured for the source "
        "(CRMSCORE_CRM_URL_<SOURCE>, see docs/graphql.md)."
    )
    def crm_url(self, info: Info) -> str | None:
        return info.context.settings.crm_url(self.source, self.external_id)

    @strawberry.field(description="The run's indicators, in the config's order.")
    async def indicators(self, info: Info) -> list[IndicatorValue]:
        rows = await info.context.indicators.load(self.pk)
        return [IndicatorValue(key=r.key, label=r.label, value=r.value, score=r.score) for r in rows]

    @strawberry.field(description="One indicator by key; null when the customer has no value row for it.")
    async def indicator(self, info: Info, key: str) -> IndicatorValue | None:
        rows = await info.context.indicators.load(self.pk)
        found = next((r for r in rows if r.key == key), None)
        return None if found is None else IndicatorValue(key=found.key, label=found.label, value=found.value, score=found.score)

    @strawberry.field(description="What moved the score, largest absolute points first.")
    async def contributions(self, info: Info) -> list[Contribution]:
        rows = await info.context.indicators.load(self.pk)
        scored = [r for r in rows if r.points is not None]
        scored.sort(key=lambda r: (-abs(r.points or 0.0), r.key))
        return [Contribution(key=r.key, label=r.label, points=r.points or 0.0) for r in scored]

    @strawberry.field(
        description="Customer lifetime value: the value of the run's CLV indicator (kind historical_clv); "
        "null when the config has none."
    )
    async def clv(self, info: Info) -> float | None:
        served = await info.context.served_run()
        key = served.clv_key
        if key is None:
            return None
        rows = await info.context.indicators.load(self.pk)
        return next((r.value for r in rows if r.key == key), None)

    @strawberry.field(
        description="Churn risk from the churn model the served run applied, with its drivers; "
        "null when that run applied no model (none was trained)."
    )
    async def churn_risk(self, info: Info) -> Annotated[ChurnRisk, strawberry.lazy("graphql_api.predictive")] | None:
        from graphql_api.predictive import churn_risk_of

        return await churn_risk_of(info, self.pk)

    @strawberry.field(description="The score in the last `last` succeeded runs up to the served one, oldest first.")
    async def score_history(
        self, info: Info, last: Annotated[int, strawberry.argument(description=f"1..{MAX_PAGE_SIZE}")] = 12
    ) -> list[ScorePoint]:
        if not 1 <= last <= MAX_PAGE_SIZE:
            raise bad_user_input("scoreHistory(last:)", f"must be between 1 and {MAX_PAGE_SIZE}, got {last}")
        points = await info.context.history_of(last).load(self.pk)
        return [
            ScorePoint(
                run_id=strawberry.ID(encode_id("ScoringRun", p.run_id)),
                as_of=p.as_of,
                health_score=p.health_score,
                band=p.band,
                segment=p.segment,
                scorecard=p.scorecard,
            )
            for p in points
        ]

    @strawberry.field(description="How the score moved since the previous succeeded run.")
    async def trend(self, info: Info) -> ScoreTrend:
        points = await info.context.history_of(2).load(self.pk)
        served = await info.context.served_run()
        current = next((p.health_score for p in points if p.run_id == served.run_id), None)
        previous = next((p.health_score for p in points if p.run_id != served.run_id), None)
        if current is None or previous is None:
            return ScoreTrend(current=current, previous=previous, change=None, direction=None)
        change = current - previous
        direction = TrendDirection.FLAT if abs(change) < _FLAT else TrendDirection.UP if change > 0 else TrendDirection.DOWN
        return ScoreTrend(current=current, previous=previous, change=change, direction=direction)

    @strawberry.field(description="The customer's newest alerts.")
    async def alerts(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=f"1..{MAX_PAGE_SIZE}")] = 10,
        status: list[Annotated[AlertStatus, strawberry.lazy("graphql_api.alert_types")]] | None = None,
    ) -> list[Annotated[Alert, strawberry.lazy("graphql_api.alert_types")]]:
        from graphql_api.alert_types import Alert

        if not 1 <= first <= MAX_PAGE_SIZE:
            raise bad_user_input("alerts(first:)", f"must be between 1 and {MAX_PAGE_SIZE}, got {first}")
        statuses = None if status is None else tuple(sorted(s.value.lower() for s in status))
        records = await info.context.alerts_of(first, statuses).load(self.pk)
        return [Alert.from_record(r) for r in records]


@strawberry.type
class CustomerEdge:
    node: Customer
    position: strawberry.Private[Cursor]

    @strawberry.field(description="Where this customer is in the ordering: pass it as `after` for the next page.")
    def cursor(self) -> str:
        return encode_cursor(self.position)  # on demand: most clients read only pageInfo.endCursor


@strawberry.type(description="How many customers have a value (a band or a segment).")
class GroupCount:
    value: str | None = strawberry.field(description="Null counts the customers without one (not scored).")
    count: int


@strawberry.type(description="Customers whose score is in [lower, upper) — the last bucket includes upper.")
class HistogramBucket:
    lower: float
    upper: float
    count: int


@strawberry.type(description="A page of customers (keyset-paginated), with aggregates over every match.")
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
    run_id: strawberry.Private[int | None]
    where: strawberry.Private[ColumnElement[bool]]

    @strawberry.field(description="The page's customers, without cursors.")
    def nodes(self) -> list[Customer]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many customers match the filter, across all pages.")
    async def total_count(self, info: Info) -> int:
        cached = info.context.state.cached_count(self.run_id, self.where)  # most refreshes: no thread hop
        if cached is not None:
            return cached
        return await run_in_threadpool(info.context.state.count, self.run_id, self.where)

    @strawberry.field(description="The id of the scoring run these scores come from (null before any run).")
    def scoring_run_id(self) -> strawberry.ID | None:
        return None if self.run_id is None else strawberry.ID(encode_id("ScoringRun", self.run_id))

    @strawberry.field(description="Mean health score of the matching customers that have one.")
    async def average_score(self, info: Info) -> float | None:
        stats = await run_in_threadpool(score_stats, info.context.engine, self.run_id, self.where)
        return stats.average

    @strawberry.field(description="Customers per band, largest first.")
    async def band_counts(self, info: Info) -> list[GroupCount]:
        rows = await run_in_threadpool(count_by, info.context.engine, self.run_id, self.where, "band")
        return [GroupCount(value=v, count=n) for v, n in rows]

    @strawberry.field(description="Customers per segment, largest first.")
    async def segment_counts(self, info: Info) -> list[GroupCount]:
        rows = await run_in_threadpool(count_by, info.context.engine, self.run_id, self.where, "segment")
        return [GroupCount(value=v, count=n) for v, n in rows]

    @strawberry.field(description="Health-score histogram; `edges` are the bucket bounds (2–51 increasing numbers).")
    async def score_histogram(self, info: Info, edges: list[float] | None = None) -> list[HistogramBucket]:
        bounds = _DEFAULT_EDGES if edges is None else list(edges)
        if not 2 <= len(bounds) <= _MAX_BUCKETS + 1:
            raise bad_user_input("scoreHistogram(edges:)", f"give 2 to {_MAX_BUCKETS + 1} bounds, got {len(bounds)}")
        if not all(math.isfinite(b) for b in bounds) or any(b >= c for b, c in pairwise(bounds)):
            raise bad_user_input("scoreHistogram(edges:)", "bounds must be finite and strictly increasing")
        buckets = await run_in_threadpool(score_histogram, info.context.engine, self.run_id, self.where, bounds)
        return [HistogramBucket(lower=b.lower, upper=b.upper, count=b.count) for b in buckets]
