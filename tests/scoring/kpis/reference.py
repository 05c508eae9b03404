"""The KPI table as it was built before the one-pass ``kpi_table``: a loop over the periods calling
each public single-period KPI function on the whole frames.

The oracle of ``test_table_matches_one_period_at_a_time.py`` and the baseline of
``benchmarks/bench_kpis.py``: one copy, so the benchmark times exactly what the test compares with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from scoring.kpis import (
    KPI_COLUMNS,
    WHOLE_PORTFOLIO_ONLY,
    Period,
    arpu,
    cac,
    campaign_spend,
    churn_rate,
    clv_to_cac,
    complaint_count,
    complaint_rate,
    lead_conversion_rate,
    leads_count,
    period_csat,
    period_nps,
    repurchase_rate,
    retention_cost,
    retention_counts,
    retention_rate,
    revenue,
    segment_customers,
    win_back_rate,
)
from scoring.kpis.inputs import rows_of_customers
from scoring.kpis.table import new_customer_clv

__all__ = ["reference_table"]


def reference_table(
    orders: pd.DataFrame,
    leads: pd.DataFrame,
    campaigns: pd.DataFrame,
    wanted: Sequence[Period],
    *,
    surveys: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    segment_of: pd.Series | None = None,
    segment: str | None = None,
    sales_spend: float | Mapping[Period, float] = 0.0,
    inactive_days: float = 180,
    channels: Iterable[str] = ("retention",),
) -> pd.DataFrame:
    """Every KPI of each period from the single-period functions, one period at a time."""
    channels = tuple(channels)
    if segment is not None:
        assert segment_of is not None
        ids = segment_customers(segment_of, segment)
        orders = rows_of_customers(orders, ids)
        surveys = None if surveys is None else rows_of_customers(surveys, ids)
        cases = None if cases is None else rows_of_customers(cases, ids)
    nan = float("nan")
    rows = []
    for period in wanted:
        counts = retention_counts(orders, period, inactive_days)
        all_spend = campaign_spend(campaigns, period)
        keep = campaign_spend(campaigns, period, channels)
        sales = sales_spend.get(period, 0.0) if isinstance(sales_spend, Mapping) else sales_spend
        acquisition_cost = cac(all_spend - keep, sales, len(counts.new))
        clv = new_customer_clv(orders, period, counts.new, gross_margin=0.3, lifespan_years=3.0)
        base = counts.active_during
        period_revenue = revenue(orders, period)
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
            "repurchase_rate": repurchase_rate(orders, period),
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
