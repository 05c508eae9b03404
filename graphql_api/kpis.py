"""Portfolio KPIs by period and segment, marketing ROI per campaign and cohort retention curves.

The resolvers call :mod:`crmscore.portfolio_kpis`, the same code as ``crmscore model kpis|cohorts``,
in the thread pool (each reads whole tables). A key limited to a source sees that source's customers,
leads and campaigns only. A segment is the customer's segment in the served scoring run, the run
``customers`` reads too. Missing values (a rate with nothing to divide by, a figure a segment cannot
have) are ``null``, never NaN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool

from crmscore.portfolio_kpis import (
    DEFAULT_GROSS_MARGIN,
    MAX_PERIODS,
    KpiArgumentError,
    campaign_roi,
    cohort_curves,
    portfolio_kpis,
    records,
)
from graphql_api.context import ApiContext
from graphql_api.errors import bad_user_input
from scoring.kpis.retention import DEFAULT_INACTIVE_DAYS

__all__ = [
    "CampaignRoi",
    "Cohort",
    "CohortPoint",
    "KpiPeriod",
    "PeriodKpis",
    "resolve_campaign_roi",
    "resolve_cohort_retention",
    "resolve_portfolio_kpis",
]

Info = strawberry.Info[ApiContext, None]
T = TypeVar("T")


@strawberry.enum(description="The calendar periods a KPI report is split into (UTC).")
class KpiPeriod(Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@strawberry.type(
    description="Every portfolio KPI of one period (formulas: docs/indicators.md, \"Portfolio KPIs\"). Rates are "
    "percentages; null when there is nothing to divide by, and for a segment on the figures built on leads and "
    "campaign costs, which belong to no customer."
)
class PeriodKpis:
    label: str = strawberry.field(description="2025-01, 2025-Q1, 2025; a partial period: its first..last day.")
    start: datetime = strawberry.field(description="Start of the period, exclusive (events after it count).")
    end: datetime = strawberry.field(description="End of the period, inclusive.")
    segment: str | None = strawberry.field(description="The segment asked for; null for the whole portfolio.")
    leads: int | None = strawberry.field(description="Leads created in the period.")
    lead_conversion_rate: float | None = strawberry.field(
        description="% of the period's leads converted by its end."
    )
    new_customers: int = strawberry.field(description="Customers whose first purchase ever is in the period (N).")
    marketing_spend: float | None = strawberry.field(
        description="Cost of the campaigns started in the period, except retention ones."
    )
    cac: float | None = strawberry.field(description="Marketing spend / new customers.")
    new_customer_clv: float | None = strawberry.field(description="Mean historical CLV of the new customers.")
    clv_cac: float | None = strawberry.field(description="New-customer CLV / CAC (>= 3 is the usual rule of thumb).")
    customers: int = strawberry.field(description="Customers active at some time in the period (S plus buyers).")
    start_active: int = strawberry.field(description="Customers active at the start (S).")
    end_active: int = strawberry.field(description="Customers active at the end (E).")
    retention_rate: float | None = strawberry.field(description="(E - N) / S, %.")
    churn_rate: float | None = strawberry.field(description="% of S not active at the end.")
    win_back_rate: float | None = strawberry.field(description="% of customers lapsed at the start who bought again.")
    retention_spend: float | None = strawberry.field(description="Cost of the retention campaigns started in the period.")
    retention_cost: float | None = strawberry.field(description="Retention spend per retained customer.")
    repurchase_rate: float | None = strawberry.field(description="% of the period's buyers with two or more purchases.")
    revenue: float = strawberry.field(description="Net revenue: purchases plus refunds in the period.")
    arpu: float | None = strawberry.field(description="Revenue / customers.")
    csat: float | None = strawberry.field(description="% of 1-5 CSAT answers that are 4 or 5.")
    csat_responses: int = strawberry.field(description="CSAT answers in the period (read CSAT with care below 30).")
    nps: float | None = strawberry.field(description="Net Promoter Score, -100..100, of the period's 0-10 answers.")
    nps_responses: int = strawberry.field(description="NPS answers in the period.")
    complaints: int = strawberry.field(description="Complaint cases opened in the period.")
    complaint_rate: float | None = strawberry.field(description="% of the period's customers who complained.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> PeriodKpis:
        ints = {"leads", "new_customers", "customers", "start_active", "end_active", "csat_responses", "nps_responses", "complaints"}
        return cls(**{f.name: _int(row[f.name]) if f.name in ints else row[f.name] for f in dataclasses.fields(cls)})


@strawberry.type(description="Marketing ROI of one campaign over a date range.")
class CampaignRoi:
    campaign_id: str = strawberry.field(description="The campaign's id in its source CRM.")
    source: str
    name: str | None
    channel: str | None
    started_at: datetime | None
    cost: float
    customers: int = strawberry.field(description="Customers its leads became by the end of the range.")
    revenue: float = strawberry.field(description="What those customers bought after converting, by the end of the range.")
    roi: float | None = strawberry.field(description="100 x (revenue x grossMargin - cost) / cost; null without a cost.")


@strawberry.type(description="Of a cohort, the customers buying in one period.")
class CohortPoint:
    age: int = strawberry.field(description="Periods since the cohort's own (0 = the acquisition period, always 100 %).")
    period: str = strawberry.field(description="The period's label.")
    active: int = strawberry.field(description="Members with a purchase in the period.")
    rate: float = strawberry.field(description="active / size, %.")


@strawberry.type(description="The customers whose first purchase ever falls in one period, and how many buy later.")
class Cohort:
    label: str
    start: datetime = strawberry.field(description="Start of the cohort's period, exclusive.")
    end: datetime = strawberry.field(description="End of the cohort's period, inclusive.")
    size: int
    retention: list[CohortPoint] = strawberry.field(description="One point per period from the cohort's own to the last.")


From = Annotated[date, strawberry.argument(name="from", description="First day, UTC.")]
To = Annotated[date, strawberry.argument(description="Last day, included, UTC.")]
Segment = Annotated[
    str | None, strawberry.argument(description="Only customers in this segment of the served scoring run.")
]
GrossMargin = Annotated[float, strawberry.argument(description="Margin for CLV and ROI, 0..1.")]


async def _run(field: str, work: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(work)
    except KpiArgumentError as exc:
        where = ", ".join(f"{a}:" for a in exc.arguments)
        raise bad_user_input(f"{field}({where})", str(exc)) from None


def _sources(info: Info) -> list[str] | None:
    sources = info.context.sources
    return None if sources is None else list(sources)


async def resolve_portfolio_kpis(
    info: Info,
    period: KpiPeriod,
    from_: From,
    to: To,
    segment: Segment = None,
    inactive_days: Annotated[float, strawberry.argument(description="Active = a purchase within this many days.")] = float(
        DEFAULT_INACTIVE_DAYS
    ),
    gross_margin: GrossMargin = DEFAULT_GROSS_MARGIN,
) -> list[PeriodKpis]:
    sources = _sources(info)
    run_id = None if segment is None else (await info.context.served_run()).run_id
    table = await _run(
        "portfolioKpis",
        lambda: portfolio_kpis(
            info.context.engine, period.value, from_, to, segment=segment, sources=sources, run_id=run_id,
            inactive_days=inactive_days, gross_margin=gross_margin,
        ),
    )  # fmt: skip
    return [PeriodKpis.of(row) for row in records(table)]


async def resolve_campaign_roi(info: Info, from_: From, to: To, gross_margin: GrossMargin = DEFAULT_GROSS_MARGIN) -> list[CampaignRoi]:
    sources = _sources(info)
    table = await _run(
        "campaignRoi", lambda: campaign_roi(info.context.engine, from_, to, sources=sources, gross_margin=gross_margin)
    )
    return [CampaignRoi(**{**row, "customers": int(row["customers"])}) for row in records(table)]


async def resolve_cohort_retention(
    info: Info, period: KpiPeriod, from_: From, to: To, segment: Segment = None
) -> list[Cohort]:
    sources = _sources(info)
    run_id = None if segment is None else (await info.context.served_run()).run_id
    table = await _run(
        "cohortRetention",
        lambda: cohort_curves(info.context.engine, period.value, from_, to, segment=segment, sources=sources, run_id=run_id),
    )
    cohorts: dict[str, Cohort] = {}
    for row in records(table):
        cohort = cohorts.get(row["cohort"])
        if cohort is None:
            cohort = cohorts[row["cohort"]] = Cohort(
                label=row["cohort"], start=row["cohort_start"], end=row["cohort_end"], size=row["size"], retention=[]
            )
        cohort.retention.append(CohortPoint(age=row["age"], period=row["period"], active=row["active"], rate=row["retention"]))
    return list(cohorts.values())


PORTFOLIO_KPIS_DESCRIPTION = (
    f"Portfolio KPIs per calendar period from `from` to `to` (at most {MAX_PERIODS} periods), for every customer "
    "this key may see or one segment of the served run."
)
CAMPAIGN_ROI_DESCRIPTION = "Marketing ROI of each campaign started from `from` to `to`, oldest first."
COHORT_RETENTION_DESCRIPTION = (
    "Cohorts by first-purchase period, each with the share of its customers buying in every later period."
)
