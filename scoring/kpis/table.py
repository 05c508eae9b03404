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
    campaign_spend_by_period,
    clv_to_cac,
    lead_conversion_rate_by_period,
    leads_by_period,
)
from scoring.kpis.inputs import rows_of_customers, segment_customers
from scoring.kpis.period_rows import PeriodGrid, disjoint_layers
from scoring.kpis.periods import Period
from scoring.kpis.retention import (
    DEFAULT_INACTIVE_DAYS,
    ORDER_KINDS,
    first_purchases,
    purchases,
    repurchase_rate_by_period,
)
from scoring.kpis.retention_sweep import RetentionSweep
from scoring.kpis.satisfaction import (
    complaint_count_by_period,
    complaint_rate_by_period,
    csat_by_period,
    nps_by_period,
)
from scoring.kpis.value import arpu, revenue_by_period

__all__ = ["KPI_COLUMNS", "WHOLE_PORTFOLIO_ONLY", "kpi_table", "new_customer_clv", "new_customer_clv_by_period"]

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


def new_customer_clv_by_period(
    orders: pd.DataFrame,
    grid: PeriodGrid,
    *,
    gross_margin: float,
    lifespan_years: float,
    order_kinds: Iterable[str] = ORDER_KINDS,
    firsts: pd.Series | None = None,
) -> list[float]:
    """:func:`new_customer_clv` of every period of ``grid`` at once, bit for bit.

    ``firsts`` (each buyer's first purchase, as ``first_purchases`` gives) saves computing it again.
    The per-customer sums are one groupby over (period, customer), which adds each customer's
    purchases in the same order as the one-period groupby; the mean is ``Series.mean``'s (NaN skipped).
    """
    kinds = tuple(order_kinds)
    firsts = first_purchases(orders, kinds) if firsts is None else firsts
    p = purchases(orders, kinds)
    at = grid.positions(p["ordered_at"])
    who = p["customer_id"].to_numpy()
    first_at = grid.positions(firsts)[np.searchsorted(firsts.index.to_numpy(), who)] if len(firsts) else at
    new = (at >= 0) & (first_at == at)  # bought in the period of their first purchase ever: new in it
    rows = pd.DataFrame({"period": at[new], "customer_id": who[new], "amount": p["amount"].to_numpy()[new]})
    per = rows.groupby(["period", "customer_id"])["amount"].agg(["sum", "count"])
    period_of = per.index.get_level_values("period").to_numpy()
    days = np.array([period.days for period in grid.periods], dtype=np.float64)
    aov = per["sum"] / per["count"]
    per_year = per["count"] * 365.0 / days[period_of]
    clv = (aov * per_year * gross_margin * lifespan_years).to_numpy(dtype=np.float64)
    return [_mean(values) for values in grid.per_period(clv, period_of)]


def _mean(values: np.ndarray) -> float:
    """``Series.mean`` of ``values``: NaN skipped by adding 0 in its place; NaN when nothing is left."""
    missing = np.isnan(values)
    n = values.size - int(np.count_nonzero(missing))
    return float("nan") if n == 0 else float(np.where(missing, 0.0, values).sum() / np.float64(n))


def _layer(
    grid: PeriodGrid,
    sweep: RetentionSweep,
    orders: pd.DataFrame,
    leads: pd.DataFrame,
    campaigns: pd.DataFrame,
    surveys: pd.DataFrame | None,
    cases: pd.DataFrame | None,
    *,
    sales: Sequence[float],
    channels: tuple[str, ...],
    kinds: tuple[str, ...],
    gross_margin: float,
    lifespan_years: float,
) -> dict[str, list[object]]:
    """Every KPI column (:data:`KPI_COLUMNS`) for the periods of ``grid``, in its order."""
    n, nan = len(grid.periods), float("nan")
    figures = sweep.figures(grid)
    all_spend = campaign_spend_by_period(campaigns, grid)
    keep = campaign_spend_by_period(campaigns, grid, channels)
    marketing = [a - k for a, k in zip(all_spend, keep, strict=True)]
    acquisition_cost = [cac(m, s, len(f.new)) for m, s, f in zip(marketing, sales, figures, strict=True)]
    clv = new_customer_clv_by_period(
        orders, grid, gross_margin=gross_margin, lifespan_years=lifespan_years, order_kinds=kinds, firsts=sweep.firsts
    )
    period_revenue = revenue_by_period(orders, grid, kinds)
    csat_values = [(nan, 0)] * n if surveys is None else csat_by_period(surveys, grid)
    nps_values = [(nan, 0)] * n if surveys is None else nps_by_period(surveys, grid)
    return {
        "period": [p.label for p in grid.periods],
        "leads": leads_by_period(leads, grid),
        "lead_conversion_rate": lead_conversion_rate_by_period(leads, grid),
        "new_customers": [len(f.new) for f in figures],
        "marketing_spend": marketing,
        "cac": acquisition_cost,
        "new_customer_clv": clv,
        "clv_cac": [clv_to_cac(v, c) for v, c in zip(clv, acquisition_cost, strict=True)],
        "start_active": [f.start_active for f in figures],
        "end_active": [f.end_active for f in figures],
        "retention_rate": [f.retention_rate for f in figures],
        "churn_rate": [f.churn_rate for f in figures],
        "win_back_rate": [f.win_back_rate for f in figures],
        "retention_spend": keep,
        "retention_cost": [f.retention_cost(k) for f, k in zip(figures, keep, strict=True)],
        "repurchase_rate": repurchase_rate_by_period(orders, grid, kinds),
        "customers": [len(f.active_during) for f in figures],
        "revenue": period_revenue,
        "arpu": [arpu(r, len(f.active_during)) for r, f in zip(period_revenue, figures, strict=True)],
        "csat": [v for v, _ in csat_values],
        "csat_responses": [c for _, c in csat_values],
        "nps": [v for v, _ in nps_values],
        "nps_responses": [c for _, c in nps_values],
        "complaints": [nan] * n if cases is None else complaint_count_by_period(cases, grid),
        "complaint_rate": (
            [nan] * n if cases is None else complaint_rate_by_period(cases, grid, [f.active_during for f in figures])
        ),
    }


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
    # Each frame's rows are placed in their period once (scoring.kpis.period_rows), not filtered per period.
    sweep = RetentionSweep(orders, inactive_days, kinds)
    rows: list[dict[str, object]] = [{} for _ in periods]
    for layer in disjoint_layers(periods):
        grid = PeriodGrid([periods[i] for i in layer])
        sales = [sales_spend.get(periods[i], 0.0) if isinstance(sales_spend, Mapping) else sales_spend for i in layer]
        columns = _layer(
            grid, sweep, orders, leads, campaigns, surveys, cases,
            sales=sales, channels=channels, kinds=kinds, gross_margin=gross_margin, lifespan_years=lifespan_years,
        )
        for k, i in enumerate(layer):
            rows[i] = {name: values[k] for name, values in columns.items()}
            if segment is not None:
                rows[i].update(dict.fromkeys(WHOLE_PORTFOLIO_ONLY, float("nan")))
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))
