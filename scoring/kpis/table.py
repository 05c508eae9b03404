"""All portfolio KPIs for a list of periods, one row per period — what a KPI dashboard reads.

With a segment, only the segment's customers' orders, answers and cases count. The figures built on
leads and campaign costs (leads, conversion, spend, CAC, CLV/CAC, retention cost) are NaN then:
most leads never become a customer and a campaign's cost is not split by segment, so any share we
gave a segment would be invented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from scoring.kpis.acquisition import (
    cac,
    campaign_spend,
    clv_to_cac,
    lead_conversion_rate,
    leads_count,
)
from scoring.kpis.inputs import rows_of_customers, segment_customers
from scoring.kpis.periods import Period
from scoring.kpis.retention import (
    DEFAULT_INACTIVE_DAYS,
    ORDER_KINDS,
    churn_rate,
    purchases,
    repurchase_rate,
    retention_cost,
    retention_counts,
    retention_rate,
    win_back_rate,
)
from scoring.kpis.satisfaction import (
    complaint_count,
    complaint_rate,
    period_csat,
    period_nps,
)
from scoring.kpis.value import arpu, revenue

__all__ = ["KPI_COLUMNS", "WHOLE_PORTFOLIO_ONLY", "kpi_table", "new_customer_clv"]

KPI_COLUMNS = (
    "period",
    "leads",
    "lead_conversion_rate",
    "new_customers",
    "marketing_spend",
    "cac",
    "new_customer_clv",
    "clv_cac",
    "start_active",
    "end_active",
    "retention_rate",
    "churn_rate",
    "win_back_rate",
    "retention_spend",
    "retention_cost",
    "repurchase_rate",
    "customers",
    "revenue",
    "arpu",
    "csat",
    "csat_responses",
    "nps",
    "nps_responses",
    "complaints",
    "complaint_rate",
)

#: Built on leads or campaign costs, which belong to no segment: NaN in a segment's table.
WHOLE_PORTFOLIO_ONLY = (
    "leads",
    "lead_conversion_rate",
    "marketing_spend",
    "cac",
    "clv_cac",
    "retention_spend",
    "retention_cost",
)


def new_customer_clv(
    orders: pd.DataFrame,
    period: Period,
    new: Iterable[int],
    *,
    gross_margin: float,
    lifespan_years: float,
    order_kinds: Iterable[str] = ORDER_KINDS,
) -> float:
    """Mean historical CLV of the period's new customers, from their purchases in the period.

    Per customer ``AOV × purchases per year × margin × lifespan`` with purchases per year
    ``= purchases × 365 / period days``; NaN without new customers.
    """
    p = purchases(orders, order_kinds)
    p = p.loc[period.contains(p["ordered_at"]) & p["customer_id"].isin(list(new)).to_numpy(dtype=bool)]
    if p.empty:
        return float("nan")
    per = p.groupby("customer_id")["amount"].agg(["sum", "count"])
    aov = per["sum"] / per["count"]
    per_year = per["count"] * 365.0 / period.days
    return float(np.mean(aov * per_year * gross_margin * lifespan_years))


def kpi_table(
    orders: pd.DataFrame,
    leads: pd.DataFrame,
    campaigns: pd.DataFrame,
    periods: Sequence[Period],
    *,
    surveys: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    segment_of: pd.Series | None = None,
    segment: str | None = None,
    sales_spend: float | Mapping[Period, float] = 0.0,
    retention_channels: Iterable[str] = ("retention",),
    inactive_days: float = DEFAULT_INACTIVE_DAYS,
    gross_margin: float = 0.3,
    lifespan_years: float = 3.0,
    order_kinds: Iterable[str] = ORDER_KINDS,
) -> pd.DataFrame:
    """One row per period with every KPI (columns :data:`KPI_COLUMNS`).

    Campaigns on ``retention_channels`` are retention spend; all others are marketing spend for CAC.
    Without ``surveys`` (``cases``) the satisfaction (complaint) columns are NaN, not zero: no data
    is not "nobody answered". ``segment`` keeps the customers that ``segment_of`` (customer_id →
    segment name) places in it; the columns in :data:`WHOLE_PORTFOLIO_ONLY` are NaN then.
    """
    kinds, channels = tuple(order_kinds), tuple(retention_channels)
    if segment is not None:
        if segment_of is None:
            raise ValueError("a segment needs segment_of, the customer_id → segment mapping")
        ids = segment_customers(segment_of, segment)
        orders = rows_of_customers(orders, ids)
        surveys = None if surveys is None else rows_of_customers(surveys, ids)
        cases = None if cases is None else rows_of_customers(cases, ids)
    # Every KPI filters purchases by kind once per period; on codes that is several times cheaper.
    orders = orders.assign(kind=orders["kind"].astype("category"))
    nan = float("nan")
    rows = []
    for period in periods:
        counts = retention_counts(orders, period, inactive_days, kinds)
        all_spend = campaign_spend(campaigns, period)
        keep = campaign_spend(campaigns, period, channels)
        sales = sales_spend.get(period, 0.0) if isinstance(sales_spend, Mapping) else sales_spend
        acquisition_cost = cac(all_spend - keep, sales, len(counts.new))
        clv = new_customer_clv(
            orders, period, counts.new, gross_margin=gross_margin, lifespan_years=lifespan_years, order_kinds=kinds
        )
        base = counts.active_during
        period_revenue = revenue(orders, period, kinds)
        csat_value, csat_n = (nan, 0) if surveys is None else period_csat(surveys, period)
        nps_value, nps_n = (nan, 0) if surveys is None else period_nps(surveys, period)
        row = {
            "period": period.label,
            "leads": leads_count(leads, period),
            "lead_conversion_rate": lead_conversion_rate(leads, period),
            "new_customers": len(counts.new),
            "marketing_spend": all_spend - keep,
            "cac": acquisition_cost,
            "new_customer_clv": clv,
            "clv_cac": clv_to_cac(clv, acquisition_cost),
            "start_active": len(counts.start_active),
            "end_active": len(counts.end_active),
            "retention_rate": retention_rate(counts),
            "churn_rate": churn_rate(counts),
            "win_back_rate": win_back_rate(counts),
            "retention_spend": keep,
            "retention_cost": retention_cost(keep, counts),
            "repurchase_rate": repurchase_rate(orders, period, kinds),
            "customers": len(base),
            "revenue": period_revenue,
            "arpu": arpu(period_revenue, len(base)),
            "csat": csat_value,
            "csat_responses": csat_n,
            "nps": nps_value,
            "nps_responses": nps_n,
            "complaints": nan if cases is None else complaint_count(cases, period),
            "complaint_rate": nan if cases is None else complaint_rate(cases, period, base),
        }
        if segment is not None:
            row.update(dict.fromkeys(WHOLE_PORTFOLIO_ONLY, nan))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))
