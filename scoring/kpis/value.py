"""Value KPIs for a period: net revenue and ARPU."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scoring.kpis.period_rows import PeriodGrid
from scoring.kpis.periods import Period
from scoring.kpis.retention import ORDER_KINDS

__all__ = ["REFUND_KIND", "arpu", "revenue", "revenue_by_period"]

REFUND_KIND = "refund"


def revenue(orders: pd.DataFrame, period: Period, order_kinds: Iterable[str] = ORDER_KINDS) -> float:
    """Net revenue: Σ amount of purchases and refunds (negative) dated in the period.

    Net, as the ``monetary`` indicator is, so a quarter of sales later refunded does not look healthy.
    """
    kinds = [*order_kinds, REFUND_KIND]
    mask = period.contains(orders["ordered_at"]) & orders["kind"].isin(kinds).to_numpy(dtype=bool)
    return float(orders.loc[mask, "amount"].sum())


def revenue_by_period(orders: pd.DataFrame, grid: PeriodGrid, order_kinds: Iterable[str] = ORDER_KINDS) -> list[float]:
    """:func:`revenue` of every period of ``grid`` at once (the same sums, bit for bit)."""
    counted = orders["kind"].isin([*order_kinds, REFUND_KIND]).to_numpy(dtype=bool)
    amounts = orders["amount"].to_numpy(dtype=np.float64)[counted]
    return grid.sums(amounts, grid.positions(orders["ordered_at"])[counted])


def arpu(revenue_value: float, customers: int) -> float:
    """Average revenue per customer of the period; NaN without customers."""
    return float("nan") if customers == 0 else float(revenue_value) / customers
