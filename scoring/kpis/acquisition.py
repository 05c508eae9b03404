"""Acquisition KPIs for a period: leads, lead → customer conversion, CAC, campaign ROI, CLV/CAC.

Inputs (plain DataFrames, extra columns ignored):

* ``leads``: ``created_at``, ``converted_at`` (UTC, NaT if not converted), ``campaign_id`` (text,
  missing if none), ``customer_id`` (the customer the lead became; missing if none);
* ``campaigns``: ``campaign_id``, ``cost``, ``started_at``, ``channel``;
* ``orders``: as in :class:`scoring.CRMFrames` (``customer_id``, ``ordered_at``, ``amount``, ``kind``).

A campaign's whole cost is booked when it starts: CRMs record one cost per campaign, and spreading
it over an assumed duration would invent numbers. Every rate is in percent, NaN on a 0 denominator.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scoring.kpis.period_rows import PeriodGrid, stamp_values
from scoring.kpis.periods import Period
from scoring.kpis.retention import ORDER_KINDS, purchases

__all__ = [
    "cac",
    "campaign_spend",
    "campaign_spend_by_period",
    "clv_to_cac",
    "lead_conversion_rate",
    "lead_conversion_rate_by_period",
    "leads_by_period",
    "leads_count",
    "marketing_roi",
]


def leads_count(leads: pd.DataFrame, period: Period) -> int:
    """Leads created in the period."""
    return int(np.count_nonzero(period.contains(leads["created_at"])))


def lead_conversion_rate(leads: pd.DataFrame, period: Period) -> float:
    """``100 × leads created in the period and converted by its end / leads created in the period``.

    A cohort rate: a lead created in the period and converted after it does not count, which keeps
    the rate ≤ 100 and makes a period's figure final once it has ended.
    """
    created = period.contains(leads["created_at"])
    converted = created & (leads["converted_at"] <= period.end).to_numpy(dtype=bool)
    n = int(np.count_nonzero(created))
    return float("nan") if n == 0 else 100.0 * int(np.count_nonzero(converted)) / n


def leads_by_period(leads: pd.DataFrame, grid: PeriodGrid) -> list[int]:
    """:func:`leads_count` of every period of ``grid`` at once."""
    return [int(n) for n in grid.counts(grid.positions(leads["created_at"]))]


def lead_conversion_rate_by_period(leads: pd.DataFrame, grid: PeriodGrid) -> list[float]:
    """:func:`lead_conversion_rate` of every period of ``grid`` at once."""
    created = grid.positions(leads["created_at"])
    converted_at, unit = stamp_values(leads["converted_at"])
    _, ends = grid.bounds(unit)
    inside = created >= 0
    by_end = np.zeros(len(created), dtype=bool)
    at = converted_at[inside]
    by_end[inside] = (at <= ends[created[inside]]) & (at != np.iinfo(np.int64).min)  # NaT: not converted
    totals, converted = grid.counts(created), grid.counts(created[by_end])
    return [float("nan") if n == 0 else 100.0 * int(c) / int(n) for n, c in zip(totals, converted, strict=True)]


def campaign_spend(campaigns: pd.DataFrame, period: Period, channels: Iterable[str] | None = None) -> float:
    """Cost of the campaigns started in the period (only those on ``channels`` if given)."""
    mask = period.contains(campaigns["started_at"])
    if channels is not None:
        mask &= campaigns["channel"].isin(list(channels)).to_numpy(dtype=bool)
    return float(campaigns.loc[mask, "cost"].fillna(0.0).sum())


def campaign_spend_by_period(
    campaigns: pd.DataFrame, grid: PeriodGrid, channels: Iterable[str] | None = None
) -> list[float]:
    """:func:`campaign_spend` of every period of ``grid`` at once (the same sums, bit for bit)."""
    started = grid.positions(campaigns["started_at"])
    cost = campaigns["cost"].fillna(0.0).to_numpy(dtype=np.float64)
    if channels is not None:
        on = campaigns["channel"].isin(list(channels)).to_numpy(dtype=bool)
        cost, started = cost[on], started[on]
    return grid.sums(cost, started)


def cac(marketing_spend: float, sales_spend: float, new_customers: int) -> float:
    """Customer acquisition cost: ``(marketing + sales spend) / new customers``; NaN without any."""
    return float("nan") if new_customers == 0 else (float(marketing_spend) + float(sales_spend)) / new_customers


def clv_to_cac(clv: float, cac_value: float) -> float:
    """CLV / CAC (≥ 3 is the usual rule of thumb); NaN when CAC is 0 or unknown."""
    return float("nan") if not np.isfinite(cac_value) or cac_value == 0 else float(clv) / cac_value


def marketing_roi(
    campaigns: pd.DataFrame,
    leads: pd.DataFrame,
    orders: pd.DataFrame,
    period: Period,
    *,
    gross_margin: float = 1.0,
    order_kinds: Iterable[str] = ORDER_KINDS,
) -> pd.DataFrame:
    """Per campaign started in the period: customers won, revenue they brought, cost, ROI %.

    Revenue is the purchases each converted lead's customer made after converting and by the end
    of the period. ``roi = 100 × (revenue × gross_margin − cost) / cost`` (NaN when cost is 0).
    One row per campaign, in the campaigns frame's order.
    """
    started = campaigns.loc[period.contains(campaigns["started_at"])]
    won = leads.loc[
        leads["campaign_id"].isin(started["campaign_id"]).to_numpy(dtype=bool)
        & leads["customer_id"].notna().to_numpy(dtype=bool)
        & (leads["converted_at"] <= period.end).to_numpy(dtype=bool),
        ["campaign_id", "customer_id", "converted_at"],
    ].astype({"customer_id": "int64"})
    # A customer converted by two leads of the same campaign is counted once, from the first.
    won = won.sort_values("converted_at").drop_duplicates(["campaign_id", "customer_id"])
    p = purchases(orders, order_kinds)[["customer_id", "ordered_at", "amount"]]
    joined = won.merge(p, on="customer_id", how="inner")
    after = (joined["ordered_at"] > joined["converted_at"]) & (joined["ordered_at"] <= period.end)
    revenue = joined.loc[after.to_numpy(dtype=bool)].groupby("campaign_id")["amount"].sum()
    customers = won.groupby("campaign_id")["customer_id"].nunique()
    out = pd.DataFrame(
        {
            "campaign_id": started["campaign_id"].to_numpy(),
            "cost": started["cost"].fillna(0.0).to_numpy(dtype=np.float64),
        }
    )
    out["customers"] = out["campaign_id"].map(customers).fillna(0).astype("int64")
    out["revenue"] = out["campaign_id"].map(revenue).fillna(0.0).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = 100.0 * (out["revenue"] * gross_margin - out["cost"]) / out["cost"]
    out["roi"] = roi.where(out["cost"] > 0)
    return out
